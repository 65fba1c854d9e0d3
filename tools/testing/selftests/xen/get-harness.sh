#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# get-harness.sh DIR
#
# Puts the kernel's kselftest_harness.h and kselftest.h into DIR, taken
# from the kernel source Debian ships (package linux-source-6.12), and
# makes sure the other build dependencies of these selftests are present:
#   linux-source-6.12  the harness headers (in its tarball)
#   libxen-dev         xenstore.h and libxenstore, for the 64-bit programs
#   gcc-i686-linux-gnu, libc6-dev-i386-cross
#                      32-bit x86 static builds (compat_test_32, abi-check's
#                      32-bit half); gcc-multilib is not used because Debian
#                      12 cannot install it beside any cross compiler
#   gcc-arm-linux-gnueabihf, libc6-dev-armhf-cross, gcc-aarch64-linux-gnu,
#   libc6-dev-arm64-cross
#                      instead, for ARCH=arm64 (CC32 and CC as the Makefile
#                      passes them)
# Missing packages are installed with apt-get (as root, or through sudo).
# A fresh CI machine has none of them.
#
# Environment: LINUX_SOURCE_TARBALL overrides the tarball's path.

set -eu

dest=${1:?usage: get-harness.sh DIR}
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

need=
[ -f "$tarball" ] || need="$need linux-source-6.12"
[ -f /usr/include/xenstore.h ] || need="$need libxen-dev"
# The 32-bit compiler the Makefile chose (CC32): i686, or armhf for arm64.
case ${CC32:-i686-linux-gnu-gcc} in
arm-linux-gnueabihf-*) t32=arm-linux-gnueabihf d32=armhf ;;
*) t32=i686-linux-gnu d32=i386 ;;
esac
command -v "${CC32:-$t32-gcc}" >/dev/null 2>&1 || need="$need gcc-$t32"
[ -f /usr/$t32/lib/libc.a ] || need="$need libc6-dev-$d32-cross"
# A cross-build for arm64 (CC=aarch64-linux-gnu-gcc) links a static libc too.
case ${CC:-} in
aarch64-linux-gnu-*)
	command -v "$CC" >/dev/null 2>&1 || need="$need gcc-aarch64-linux-gnu"
	[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || need="$need libc6-dev-arm64-cross"
	;;
esac

if [ -n "$need" ]; then
	if [ "$(id -u)" = 0 ]; then
		sudo=
	elif command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "get-harness.sh: need root to install:$need" >&2
		exit 1
	fi
	echo "get-harness.sh: installing:$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Package lists may be missing or stale on a fresh machine.
	# shellcheck disable=SC2086
	$sudo apt-get install -y -q $need >&2 || {
		$sudo apt-get update -q >&2
		$sudo apt-get install -y -q $need >&2
	}
fi

if [ -f "$dest/kselftest_harness.h" ] && [ -f "$dest/kselftest.h" ]; then
	exit 0
fi

[ -f "$tarball" ] || {
	echo "get-harness.sh: $tarball still missing" >&2
	exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp" --wildcards \
	'*/tools/testing/selftests/kselftest_harness.h' \
	'*/tools/testing/selftests/kselftest.h'
mkdir -p "$dest"
for f in kselftest_harness.h kselftest.h; do
	src=$(find "$tmp" -path "*/tools/testing/selftests/$f" | head -n 1)
	[ -n "$src" ] || {
		echo "get-harness.sh: $f not found in $tarball" >&2
		exit 1
	}
	cp "$src" "$dest/$f.tmp"
	mv "$dest/$f.tmp" "$dest/$f"
done
