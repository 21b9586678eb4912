// /init of the guest's initramfs: busybox sh as PID 1 (the virtme-ng
// approach). It loads the kernel's own modules for virtio/9p/overlayfs,
// mounts the host root read-only over 9p under a tmpfs overlay, gives that
// root its own proc/sys/dev/run and the stored kernel's /lib/modules, and runs
// the command there with stdout/stderr on two virtio console ports.
//
// How results travel back (the host side is runInVm.ts):
//  - ports guru.stdout / guru.stderr carry the command's bytes;
//  - port guru.status gets one line when it is over:
//      guru-exit CODE STDOUT_BYTES STDERR_BYTES
//    where the byte counts are the kernel's own per-port bytes_sent
//    (debugfs), so the host knows when it has received everything and only
//    then kills QEMU; nothing depends on QEMU flushing at shutdown;
//  - a setup failure is `guru-error MESSAGE` on the status port (or on the
//    serial console if the ports never appeared).
// Everything else the kernel or init prints goes to the serial console.
/**
 * /guru/modprobe: the guest root's modprobe for the kernel's autoloader,
 * which starts it in the initramfs (chroot only changes the command's root).
 */
export const GUEST_MODPROBE = String.raw`#!/bin/busybox sh
exec /bin/busybox chroot /newroot /sbin/modprobe "$@"
`;

export const GUEST_INIT = String.raw`#!/bin/busybox sh
export PATH=/bin
STATUS=/dev/console

say() { echo "guru-init: $*" > /dev/console; }
die() {
	say "$*"
	echo "guru-error $*" > "$STATUS"
	sleep 1
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug

while read -r m; do
	insmod "/guru/modules/$m" || die "insmod $m failed"
done < /guru/modules.load

# virtio_console creates its ports from control messages it handles in a
# workqueue, so they show up a little after the driver binds.
tries=0
while :; do
	for p in /sys/class/virtio-ports/*; do
		[ -e "$p/name" ] || continue
		case "$(cat "$p/name")" in
			guru.stdout) OUT=/dev/$(basename "$p") ;;
			guru.stderr) ERR=/dev/$(basename "$p") ;;
			guru.status) STATUS=/dev/$(basename "$p") ;;
		esac
	done
	[ -c "$OUT" ] && [ -c "$ERR" ] && [ -c "$STATUS" ] && break
	tries=$((tries + 1))
	[ $tries -lt 1000 ] || die "the virtio console ports did not appear"
	usleep 5000
done

for w in $(cat /proc/cmdline); do
	case "$w" in guru.run=*) RUN=$(echo "$w" | cut -d= -f2-) ;; esac
done
[ -n "$RUN" ] || die "no guru.run= on the kernel command line"

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host || die "cannot mount the host root over 9p"
[ -r "/host$RUN/vm.env" ] || die "cannot read $RUN/vm.env through 9p"
. "/host$RUN/vm.env"

mount -t tmpfs -o mode=0755 guru-rw /rw || die "cannot mount the tmpfs for the overlay"
mkdir /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work guru-root /newroot || die "cannot mount the overlay root"

N=/newroot
mount -t proc proc $N/proc || die "cannot mount /proc in the guest root"
mount -t sysfs sysfs $N/sys
mount -t devtmpfs devtmpfs $N/dev
mkdir -p $N/dev/pts $N/dev/shm
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts $N/dev/pts
mount -t tmpfs -o mode=1777 shm $N/dev/shm
mount -t tmpfs -o mode=0755 run $N/run
mount -t debugfs debugfs $N/sys/kernel/debug
mount -t tracefs tracefs $N/sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 $N/sys/fs/cgroup 2>/dev/null
# Resolve /lib/modules/RELEASE inside the new root, where its symlinks
# (/lib -> usr/lib) point the way the guest will see them; take the source
# from the host view, which no guest mount (/run, /dev, ...) can hide.
target=$(chroot $N /bin/sh -c 'mkdir -p "$1" && readlink -f "$1"' sh "/lib/modules/$GURU_RELEASE") \
	&& mount --bind "/host$GURU_MODULES_DIR" "$N$target" \
	|| die "cannot mount $GURU_MODULES_DIR at /lib/modules/$GURU_RELEASE"
mkdir -p $N/run/guru
cp "/host$RUN/command.sh" $N/run/guru/command.sh || die "cannot copy the command script"
hostname guru-vm
ip link set lo up 2>/dev/null
# The kernel's module autoloader (request_module: a socket family, a
# filesystem type, a crypto template) runs /proc/sys/kernel/modprobe in
# init's root, which is this initramfs: without this, every autoload fails.
echo /guru/modprobe > /proc/sys/kernel/modprobe

env -i /bin/busybox chroot $N /bin/sh /run/guru/command.sh < /dev/null > "$OUT" 2> "$ERR"
code=$?

# The session is the command: stop whatever it left behind, so the counts are final.
kill -KILL -1 2>/dev/null
sent() { sed -n 's/^bytes_sent: //p' "/sys/kernel/debug/virtio-ports/$(basename "$1")"; }
echo "guru-exit $code $(sent "$OUT") $(sent "$ERR")" > "$STATUS"

# The host powers the VM off (kills QEMU) once it has every byte; powering
# off here could race with output still in flight. This is only a fallback.
sleep 60
poweroff -f
`;
