#!/usr/bin/env bash
# The whole test suite: set-up (idempotent), type-check and compile, then jest
# (unit, golden, build and VM tests). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json
NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning" \
  npx jest --ci "$@"
