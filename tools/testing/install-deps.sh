#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package xen-gnt needs to build and to run its
# tests (root, Debian 12): the build and host tools here, the VM runner's
# packages through xen-vm/install-deps.sh.  Idempotent and quiet when all
# is present.
set -euo pipefail
here=$(dirname "$0")

pkgs=(
	# build: both kernel lines (the VM's packages add their images)
	build-essential make gcc kmod dkms sparse
	linux-headers-amd64 linux-headers-6.12-amd64
	# uapi test headers, 32-bit test binaries, xenstore client library;
	# kselftest harness and checkpatch come from the kernel source
	linux-libc-dev gcc-i686-linux-gnu libc6-dev-i386-cross libxen-dev linux-source-6.12 xz-utils
	# arm64: the modules and tests cross-built (make KVER=...-arm64, whose
	# headers tools/arm64/fetch.sh downloads), AArch32 compat test binaries;
	# these co-install with gcc-i686-linux-gnu, unlike gcc-multilib
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	# make check-debug: a kernel built from that source
	flex bison bc libelf-dev libssl-dev
	# make bench: the plot and the report
	gnuplot-nox python3
	# make style
	clang-format
)
bash "$here/apt-install.sh" "${pkgs[@]}"
bash "$here/xen-vm/install-deps.sh"
