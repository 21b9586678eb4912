#!/usr/bin/env bash
# The whole test suite: set-up (idempotent), type-check and compile, then jest
# (unit, golden, build and VM tests). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
# The test matrix (GURU_TEST_KERNELS, unless set): the unit tests run once,
# the build and VM tests on each of these kernels, except the tests of guru's
# own supervision and event channel, which run on the first one only
# (GURU_TEST_MATRIX=full: on all; README, "The kernel matrix").
export GURU_TEST_KERNELS="${GURU_TEST_KERNELS:-debian:6.1,debian:6.12,debian:7.3}"
# Each with its vmlinux with DWARF: statement probes (an example, the spec
# doc, their tests) resolve against it. About 1 GB to download per kernel
# the first time (7.3's takes a minute more to unpack: its vmlinux comes last
# in the package), a quick check after. 7.3 also gets the trixie build root
# its gcc-14 toolchain needs (made once, about 75 s and 400 MB).
IFS=, read -r -a kernels <<< "$GURU_TEST_KERNELS"
for k in "${kernels[@]}"; do
  node bin/guru.js kernel add "$k" --debuginfo
done
# Two jest workers: most of the suite's time is VM tests, and each TCG guest
# runs on one host thread (src/vm/vmPolicy.ts), so two of them use this
# machine's two cores where one worker (jest's default on 2 cores) left one
# idle and took about 56 minutes. --maxWorkers=N on the command line wins.
NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning" \
  npx jest --ci --maxWorkers="${GURU_TEST_WORKERS:-2}" "$@"
