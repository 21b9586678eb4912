#!/usr/bin/env bash
# Provisions the Vagrant box (Debian 13, see the Vagrantfile), as root, in
# the synced checkout: the project's own set-up (system packages, Node.js
# from Debian, npm packages), a build, and `guru` on PATH, so that
#   vagrant ssh -c 'sudo guru apply examples/echo-one-byte.yaml --as vagrant --run "/bin/echo hello"'
# applies the patch to the box's own kernel. test/vagrant/trixieBox.test.ts
# runs this very script in a Debian 13 root to check it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build
ln -sf "$PWD/bin/guru.js" /usr/local/bin/guru
echo "provision: guru is /usr/local/bin/guru, node $(node --version), kernel $(uname -r)"
