#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the arm64 dom0-only boot (dom0-smoke.sh): busybox, the Xen
# device modules and the grant modules from /modules.order, then every
# program of /selftests/progs; each program's TAP goes to the console with
# a "@@tap PROG: " prefix, and dom0 powers off (QEMU ends) when done.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /dev/pts /tmp /run /proc/xen
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
while read -r m; do
	insmod "/lib/modules/$m" || echo "@@a64: insmod $m failed"
done </modules.order
mount -t xenfs xenfs /proc/xen 2>/dev/null
echo "@@a64: dom0 up: $(uname -r) $(uname -m) $(cat /sys/hypervisor/guest_type 2>/dev/null)"
for p in $(cat /selftests/progs); do
	echo "@@a64: BEGIN $p"
	timeout 300 "/selftests/$p" >/tmp/tap 2>&1
	rc=$?
	sed "s|^|@@tap $p: |" /tmp/tap
	echo "@@a64: END $p rc=$rc"
done
dmesg | grep -i -E 'bug|warn|oops|leak|call trace' | sed 's/^/@@dmesg: /'
echo "@@a64: done"
poweroff -f
