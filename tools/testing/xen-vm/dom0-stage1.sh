#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of dom0's tiny initramfs (busybox).  Mounts the host's root file
# system read-only over 9p, puts tmpfs over the directories the Xen
# toolstack writes, mounts the read-write results share at its host path
# and hands over to dom0-init.sh in a chroot.
#
# From the kernel command line (passed to init as environment):
#   xenvm_init=PATH     dom0-init.sh on the host
#   xenvm_results=PATH  this kernel's result folder on the host
#   xenvm_moddir=PATH   optional: the kernel's module tree on the host, when
#                       it is not /lib/modules/<release> there
#   xenvm_repo=PATH     optional: the project's tree on the host, a third
#                       share (read-only) mounted at PATH, where the root
#                       is not the host's own (arm64: a tree of arm64
#                       packages) and MODE=bench/fuzz run its scripts

/bin/busybox --install -s /bin
export PATH=/bin

fatal() {
	echo "@@xen-vm: dom0 stage 1 failed: $*"
	# Verdict 2: the run itself broke (QEMU exits 5).
	printf '\002' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "@@xen-vm: dom0 kernel up, mounting the host root"

while read -r m; do
	insmod "/lib/modules/$m" || fatal "insmod $m"
done < /modules.order

R=/newroot
mkdir -p $R
opts=trans=virtio,version=9p2000.L,msize=262144
i=0
until mount -t 9p -o "$opts,ro,cache=loose" hostroot $R 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 50 ] && fatal "cannot mount the host root over 9p"
	sleep 0.1
done

# A kernel not installed on the host (run.sh KERNEL_ROOT=, e.g. the debug
# kernel of make check-debug): its module tree, xenvm_moddir= on the command
# line, appears at /lib/modules/<release> for modprobe in dom0.  tmpfs over
# /lib/modules (read-only 9p: no mount point to make there), then a bind.
if [ -n "$xenvm_moddir" ]; then
	[ -d "$R$xenvm_moddir" ] || fatal "no module tree at '$xenvm_moddir'"
	mkdir -p /kmods && mount -o bind "$R$xenvm_moddir" /kmods &&
		mount -t tmpfs -o mode=0755 tmpfs $R/lib/modules &&
		mkdir -p "$R/lib/modules/$(uname -r)" &&
		mount -o bind /kmods "$R/lib/modules/$(uname -r)" ||
		fatal "cannot mount the module tree '$xenvm_moddir'"
fi

mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
ln -s /proc/self/fd $R/dev/fd
ln -s /proc/self/fd/0 $R/dev/stdin
ln -s /proc/self/fd/1 $R/dev/stdout
ln -s /proc/self/fd/2 $R/dev/stderr
mount -t devpts -o ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t debugfs debugfs $R/sys/kernel/debug
for d in run tmp var/lib/xen var/log/xen var/tmp; do
	mount -t tmpfs -o mode=0755 tmpfs "$R/$d" || fatal "tmpfs on /$d"
done
chmod 1777 $R/tmp $R/var/tmp
# The repo before the results: they may lie in it.
if [ -n "$xenvm_repo" ]; then
	mount -t 9p -o "$opts,ro" repo "$R$xenvm_repo" || fatal "cannot mount the repo share"
fi
# The result folder may lie under one of the tmpfs: make its mount point.
[ -n "$xenvm_results" ] || fatal "no xenvm_results= on the command line"
mkdir -p "$R$xenvm_results"
mount -t 9p -o "$opts" results "$R$xenvm_results" || fatal "cannot mount the results share"
[ -f "$R$xenvm_init" ] || fatal "no dom0-init.sh at '$xenvm_init'"

exec chroot $R /bin/bash "$xenvm_init" "$xenvm_results"
fatal "chroot failed"
