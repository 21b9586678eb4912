#!/usr/bin/env bash
# The whole test suite: set-up (idempotent), type-check and compile, then jest
# (unit, golden, build and VM tests). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
# Statement probes (an example, the spec doc, their tests) resolve against
# Debian 6.1's vmlinux with DWARF in guru's kernel store: an 858 MB download
# the first time, a quick apt check after.
node bin/guru.js kernel add debian:6.1 --debuginfo
# The test matrix's other kernels: bookworm's 6.12, and trixie-backports'
# 7.3 with the trixie build root its gcc-14 toolchain needs (made once,
# about 75 s and 400 MB).
node bin/guru.js kernel add debian:6.12
node bin/guru.js kernel add debian:7.3
NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning" \
  npx jest --ci "$@"
