#!/usr/bin/env bash
# The demo: seed 000's patch in a disposable VM on Debian's 6.1 kernel.
# echo, run as uid 1000, writes only "h" yet believes it wrote "hello\n".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json
node bin/guru.js kernel add debian:6.1
echo "== guru apply examples/echo-one-byte.yaml --vm debian:6.1 (echo runs as uid 1000)"
node bin/guru.js apply examples/echo-one-byte.yaml --vm debian:6.1 --as 1000 \
  --run '/bin/echo hello; echo; echo "(echo printed the line above)"'
