#!/bin/bash
# Sets up what `npm run bench` needs, idempotently (each step is skipped
# when done): a Debian sid root with SystemTap 5.6 and bpftrace 0.27, made
# with debootstrap under guru's cache (nothing is installed on the host, its
# apt sources are left alone), and Debian's 6.1, 7.3 and sid kernels in
# guru's kernel store with their debuginfo. Needs root (debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
exec node dist/bench/setup.js
