#!/usr/bin/env bash
# Lints Solidity with solhint and type-checks the TypeScript.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
solhint --disc --max-warnings 0 'contracts/**/*.sol'
tsc -p tsconfig.json
