#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 or 13 machine, run as root.
# Installs the system packages guru needs, Node.js from Debian where Debian's
# is new enough (13: 20.19; 12 ships 18, too old for guru's packages), the
# headers of Debian's current kernel (resolved through the linux-headers-amd64
# metapackage, so the exact release moves with Debian: 6.1 on 12, 6.12 on
# 13) and of the running kernel, and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential gcc make bc bison flex libelf-dev   # kbuild
  linux-headers-amd64                                  # headers of Debian's kernel (metapackage: 6.1 on 12, 6.12 on 13)
  dwarves                                              # pahole (6.12 headers, BTF test fixtures), pfunct (BTF oracle)
  qemu-system-x86 busybox-static cpio kmod             # disposable VMs
  xz-utils zstd util-linux                             # kernel store: unpack Debian's vmlinuz (xz, zstd) and .ko.xz; setpriv ties QEMU to guru; unshare enters build roots
  debootstrap debian-archive-keyring gpgv              # kernel store: build roots (trixie's gcc-14 and glibc for kernels from trixie on), verified archives
  gdb                                                  # oracle for the DWARF reader tests
  golang-go                                            # the Go programs of the uprobe tests (seed 003's main.go)
  shellcheck ruby                                      # CI lints the provisioning script and the Vagrantfile
)
# On a machine that runs a Debian kernel (e.g. the Vagrant box), patches can
# apply in place: add the headers of the running kernel too.
running_headers="linux-headers-$(uname -r)"
if apt-cache show "$running_headers" >/dev/null 2>&1; then
  packages+=("$running_headers")
elif [[ "$(uname -r)" == *-amd64 ]] && [ ! -d "/lib/modules/$(uname -r)/build" ]; then
  echo "setup: Debian's archive no longer has headers for the running kernel $(uname -r); to apply patches in place, upgrade it (apt-get full-upgrade) and reboot; --vm works meanwhile"
fi

# Node.js >= 20.19 (guru's packages need it): Debian's own where it is new
# enough (Debian 13), otherwise the one already installed.
node_new_enough() {
  command -v node >/dev/null 2>&1 && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
if ! node_new_enough; then
  candidate=$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && dpkg --compare-versions "$candidate" ge 20.19; then
    packages+=(nodejs npm)
  else
    echo "setup: guru needs Node.js >= 20.19; this Debian offers ${candidate:-none} (Debian 13 ships 20.19, Debian 12 only 18): install Node 20 or newer, then run this again" >&2
    exit 2
  fi
elif ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "$(id -u)" -ne 0 ] && [ ${#missing[@]} -gt 0 ]; then
  echo "setup: missing packages ${missing[*]}; run as root: sudo $0" >&2
  exit 2
fi
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The metapackage depends on exactly one linux-headers-<release>; tell the user which.
release=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | sed -E 's/.*linux-headers-([^ ,]+).*/\1/')
echo "setup: headers of Debian's kernel ${release} in /usr/src/linux-headers-${release}"

# npm packages exactly as package-lock.json pins them (`npm ci`), again only
# when the lock or package.json changed since the last install (a stamp in
# node_modules records their hash). A node_modules that is a symbolic link
# belongs to another checkout (a git worktree sharing its install): left alone.
# The lock must list every platform's optional bindings (test/project/lockFile
# checks): an `npm install` run with node_modules present writes only the
# ones installed here (npm/cli#4828), and `npm ci` refuses such a lock.
lock_hash=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
stamp=node_modules/.guru-npm-ci
if [ ! -L node_modules ] && [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi
echo "setup: done"
