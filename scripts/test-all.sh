#!/usr/bin/env bash
# Everything CI checks, in order: build, lint, Solidity tests (unit, fuzz, invariant), mocha tests.
# Run it through `npm test`, which first makes sure Node >= 22.13 and the dependencies are there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== build"
hardhat build
echo "== lint"
bash scripts/lint.sh
echo "== solidity tests"
hardhat test solidity
echo "== mocha tests"
hardhat test mocha
