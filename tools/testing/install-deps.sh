#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package xen-gnt needs to build and to run its
# tests (root, Debian 12). Idempotent and quiet when all is present.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(
	# build: both kernel lines, images too (the VM boots them)
	build-essential make gcc kmod dkms sparse
	linux-headers-amd64 linux-image-amd64
	linux-headers-6.12-amd64 linux-image-6.12-amd64
	# kselftest harness and checkpatch come from the kernel source
	linux-source-6.12 xz-utils
	# uapi test headers, 32-bit test binaries, xenstore client library
	linux-libc-dev gcc-multilib libxen-dev
	# the VM: Xen, its toolstack, QEMU, initramfs tools
	xen-hypervisor-4.17-amd64 xen-utils-4.17 qemu-system-x86
	busybox-static cpio zstd gzip strace
	# make bench: the plot
	gnuplot-nox python3
	# make style
	clang-format
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	[ -n "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ] ||
		apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
fi
# Component scripts may add their own needs.
here=$(dirname "$0")
for s in "$here/xen-vm/install-deps.sh" "$here/selftests/xen/get-harness.sh"; do
	[ -x "$s" ] || [ -f "$s" ] || continue
	case "$s" in *get-harness.sh) ;; *) bash "$s" ;; esac
done
exit 0
