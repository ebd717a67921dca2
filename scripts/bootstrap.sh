#!/usr/bin/env bash
# Runs a command with a Node.js that Hardhat 3 accepts (>= 22.13) first on PATH and the
# project's dependencies installed, so `npm test` and `npm run demo` work in a fresh clone
# on a machine whose own Node is older.
#
#   bash scripts/bootstrap.sh <command> [args...]
#
# When `node` on PATH is older than 22.13, the Node version pinned in .nvmrc is installed
# from the npm registry's `node` package into .tools/node (git-ignored) and put first on
# PATH. Dependencies are then installed with that Node: with Node 20 first on PATH, npm
# silently skips the native package of @nomicfoundation/edr and Hardhat cannot start.
# Users who already run Node >= 22.13 use their own.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools/node"
pinned="$(tr -d '[:space:]v' < "$root/.nvmrc")"

node_is_recent() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit(a > 22 || (a === 22 && b >= 13) ? 0 : 1)' 2>/dev/null
}

if ! node_is_recent; then
  export PATH="$tools/node_modules/.bin:$PATH"
  hash -r
  if ! node_is_recent; then
    echo "bootstrap: node $(command -v node >/dev/null && node -v || echo missing) is below 22.13;" \
         "installing node@$pinned from the npm registry into .tools/node" >&2
    mkdir -p "$tools"
    # The `node` package fetches its platform binary in a preinstall script: approve it.
    printf '{ "private": true, "dependencies": { "node": "%s" }, "allowScripts": { "node": true } }\n' \
      "$pinned" > "$tools/package.json"
    (cd "$tools" && npm install --no-audit --no-fund --loglevel=error >&2)
    hash -r
    node_is_recent || { echo "bootstrap: could not install Node $pinned" >&2; exit 1; }
  fi
fi

# (Re)install dependencies when they are missing or older than the lock file. The stamp is
# written after a successful install, so an interrupted install is retried next time.
stamp="$root/node_modules/.bootstrap-stamp"
if [ ! -f "$stamp" ] || [ "$root/package-lock.json" -nt "$stamp" ] \
   || [ "$(cat "$stamp")" != "$(node -v)" ]; then
  echo "bootstrap: installing dependencies with node $(node -v)" >&2
  # `npm install --no-save` rather than `npm ci`: it installs the locked versions, and it
  # tolerates the other platforms' optional EDR binaries that a registry mirror may not carry
  # (npm ci then refuses the lock file as out of sync).
  (cd "$root" && npm install --no-save --no-audit --no-fund --loglevel=error >&2)
  node -v > "$stamp"
fi

exec "$@"
