#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-64k.sh: the three modules built (W=1, C=2) for an arm64 kernel
# with 64 KiB pages, where PAGE_SIZE != XEN_PAGE_SIZE, so that the frame
# arithmetic of that case at least compiles clean.  Debian ships no such
# kernel: linux-source-6.12 is configured (arm64 defconfig, 64K pages, the
# Xen options) and prepared (modules_prepare) once in .cache/arm64/k64.
# No Module.symvers exists there, so modpost only warns of the kernel's
# symbols.  Output: out/arm64-64k/.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
k64=$top/.cache/arm64/k64
src=$k64/linux-source-6.12
obj=$k64/build64
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
kb=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)

bash "$top/tools/testing/apt-install.sh" linux-source-6.12 gcc-aarch64-linux-gnu \
	flex bison bc sparse
if [ ! -f "$obj/.prepared" ]; then
	rm -rf "$k64" && mkdir -p "$k64" "$obj"
	tar -xJf "$tarball" -C "$k64"
	cat >"$k64/64k.config" <<'CFG'
CONFIG_ARM64_64K_PAGES=y
# CONFIG_ARM64_4K_PAGES is not set
CONFIG_XEN=y
CONFIG_XEN_DOM0=y
CONFIG_XEN_GNTDEV=m
CONFIG_XEN_GRANT_DEV_ALLOC=m
CONFIG_XEN_UNPOPULATED_ALLOC=y
CONFIG_ZONE_DEVICE=y
CONFIG_DMA_SHARED_BUFFER=y
CONFIG_MODVERSIONS=y
CFG
	make -s -C "$src" O="$obj" "${kb[@]}" defconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$k64/64k.config" >/dev/null
	make -s -C "$src" O="$obj" "${kb[@]}" olddefconfig
	grep -qx CONFIG_ARM64_64K_PAGES=y "$obj/.config"
	make -s -C "$src" O="$obj" "${kb[@]}" -j"$(nproc)" modules_prepare
	touch "$obj/.prepared"
fi
out=$top/out/arm64-64k
rm -rf "$out" && mkdir -p "$out"
(cd "$top" && tar -cf - Kbuild VERSION compat drivers include) | tar -xf - -C "$out"
make -s -C "$obj" M="$out" "${kb[@]}" W=1 C=2 KBUILD_MODPOST_WARN=1 modules 2>&1 |
	grep -v -e 'Skipping BTF' -e 'undefined!$' -e 'Module.symvers' \
		-e 'Modules may not' -e 'unresolved symbol' -e 'KBUILD_MODPOST_WARN' \
		-e 'at your own risk' || true
ls "$out"/xen-gntcore.ko "$out"/xen-gntdev.ko "$out"/xen-gntalloc.ko >/dev/null
echo "build-64k: modules for a 64K-page arm64 6.12 kernel in $out"
