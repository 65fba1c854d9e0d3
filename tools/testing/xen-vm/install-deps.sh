#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian 12 packages the VM test runner (run.sh) needs.
# Idempotent; prints nothing when everything is present.  Needs root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(
	# Xen, its toolstack (xl, xenstored, xenconsoled, vchan-socket-proxy),
	# the xenstore-read/write/... clients, and QEMU to run it all in
	xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils qemu-system-x86
	# the kernels booted as dom0 and domU, and their headers for the modules
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# initramfs images: busybox, cpio, module tools and decompressors
	busybox-static cpio kmod zstd xz-utils gzip
	# the vchan check helper (static) and the selftests' build
	gcc libc6-dev make libxen-dev gcc-multilib linux-source-6.12
	# GNU coreutils timeout/tail --pid, setsid (util-linux), strace for
	# debugging in dom0
	coreutils util-linux strace
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "xen-vm/install-deps.sh: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "xen-vm/install-deps.sh: installing ${missing[*]}"
# A fresh machine may have no package lists, or stale ones.
if [ -z "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ]; then
	apt-get update -q >/dev/null
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
