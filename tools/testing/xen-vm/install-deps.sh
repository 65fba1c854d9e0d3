#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian 12 packages the VM test runner (run.sh) needs.
# Idempotent; prints nothing when everything is present.  Needs root
# (tools/testing/apt-install.sh does the installing).
set -euo pipefail

pkgs=(
	# Xen, its toolstack (xl, xenstored, xenconsoled, vchan-socket-proxy),
	# the xenstore-read/write/... clients, and QEMU to run it all in
	xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils qemu-system-x86
	# qemu as Xen's device model in dom0: the qdisk block backend test
	qemu-system-xen
	# the kernels booted as dom0 and domU, and their headers for the modules
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# initramfs images: busybox, cpio, module tools and decompressors
	busybox-static cpio kmod zstd xz-utils gzip
	# the vchan check helper (static) and the selftests' build
	gcc libc6-dev make libxen-dev gcc-i686-linux-gnu libc6-dev-i386-cross linux-source-6.12
	# arm64 (tools/arm64): QEMU for Xen/Arm, the cross compilers of the
	# modules and of the selftests (AArch32 for compat_test_32)
	qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	# GNU coreutils timeout/tail --pid, setsid and losetup (util-linux),
	# strace for debugging in dom0
	coreutils util-linux procps strace
	# mkfs.ext4: dom0's ext4 file system on a loop device for the selftests
	e2fsprogs
)

bash "$(dirname "$0")/../apt-install.sh" "${pkgs[@]}"
