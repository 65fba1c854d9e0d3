#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the debug kernel of "make check-debug": Debian's
# linux-source-6.12 with x86_64_defconfig + kernel/configs/xen.config +
# arch/x86/configs/xen.config + debug.config (lockdep, atomic-sleep and
# list checks, KFENCE, kmemleak), the grant devices and the Xen helpers as
# modules.
#
# The result is a private "kernel root" that the VM runner boots with
# KERNEL_ROOT=DIR (tools/testing/xen-vm/README.md):
#   DIR/boot/vmlinuz-REL
#   DIR/lib/modules/REL/          modules_install, build -> the kernel tree
# Nothing is installed into the host's /boot or /lib/modules, so a plain
# "make check" never sees this kernel.
#
# Cache: <repo>/.cache/debug-kernel/<source version>-<key>/, key = hash of
# the source package version, debug.config and RECIPE below; an existing
# complete build is reused.  Settings (environment):
#   DEBUG_KERNEL_CACHE  cache folder (default <repo>/.cache/debug-kernel)
#   JOBS                make -j (default: number of CPUs)
#   NICE                nice level of the build (default 10)
# Last line of output: "KERNEL_ROOT=DIR KVER=REL".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
CACHE=${DEBUG_KERNEL_CACHE:-$REPO/.cache/debug-kernel}
JOBS=${JOBS:-$(nproc)}
NICE=${NICE:-10}
PKG=linux-source-6.12
TARBALL=/usr/src/$PKG.tar.xz
FRAGMENT=$HERE/debug.config
# Bump when the way the kernel is built changes (not the config).
RECIPE=1

log() { echo "debug-kernel: $*" >&2; }

ver=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || true)
if [ -z "$ver" ] || [ ! -f "$TARBALL" ]; then
	log "$PKG is not installed ($TARBALL): run tools/testing/install-deps.sh"
	exit 2
fi
for c in flex bison bc make gcc; do
	command -v "$c" >/dev/null || { log "missing $c: run tools/testing/install-deps.sh"; exit 2; }
done
key=$( { echo "$ver"; echo "recipe $RECIPE"; cat "$FRAGMENT"; } | sha256sum | cut -c1-10)
dir=$CACHE/${ver//[^A-Za-z0-9.+-]/_}-$key
mkdir -p "$CACHE"

# One build per key at a time; a second caller waits and reuses it.
exec 8>"$CACHE/.lock-$key"
flock 8

if [ -f "$dir/complete" ]; then
	rel=$(cat "$dir/complete")
	log "reusing $dir ($rel)"
	touch "$dir"
	echo "KERNEL_ROOT=$dir/root KVER=$rel"
	exit 0
fi

t0=$SECONDS
src=$dir/src
# A build that was interrupted after its configuration resumes (make is
# incremental); anything earlier starts from scratch.
if [ -f "$dir/configured" ]; then
	log "resuming the build in $dir"
	cd "$src"
else
	rm -rf "$dir"
	mkdir -p "$dir"
	log "extracting $TARBALL ($ver)"
	tar -C "$dir" -xf "$TARBALL"
	mv "$dir/$PKG" "$dir/src"
	cd "$src"

	# The release names the key, so that images the runner caches per release
	# never mix two configurations.
	log "configuring: x86_64_defconfig + xen.config x2 + $(basename "$FRAGMENT")"
	make -s x86_64_defconfig >/dev/null
	KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m .config \
		kernel/configs/xen.config arch/x86/configs/xen.config "$FRAGMENT" > "$dir/config.log"
	scripts/config --set-str LOCALVERSION "-gntdebug-${key:0:8}" --disable LOCALVERSION_AUTO
	make -s olddefconfig >> "$dir/config.log" 2>&1
	# Every option of the fragment must have survived olddefconfig.
	missing=0
	while IFS= read -r line; do
		name=${line#\# }; name=${name%%[= ]*}
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" .config && continue ;;
		"# CONFIG_"*" is not set")
			grep -qE "^$name=[ym]" .config || continue ;;
		*) continue ;;
		esac
		log "config: '$line' did not survive: $(grep -E "^(# )?${name}[= ]" .config || echo unset)"
		missing=1
	done < "$FRAGMENT"
	[ $missing = 0 ] || { log "the configuration lost options of $FRAGMENT (see $dir/config.log)"; exit 1; }
	touch "$dir/configured"
fi

log "building with -j$JOBS (nice $NICE); log in $dir/build.log"
if ! nice -n "$NICE" make -j"$JOBS" bzImage modules >> "$dir/build.log" 2>&1; then
	tail -n 30 "$dir/build.log" >&2
	log "build failed, see $dir/build.log"
	exit 1
fi
rel=$(cat include/config/kernel.release)
rm -rf "$dir/root" && mkdir -p "$dir/root/boot"
make -s INSTALL_MOD_PATH="$dir/root" modules_install > "$dir/install.log" 2>&1
cp arch/x86/boot/bzImage "$dir/root/boot/vmlinuz-$rel"
cp .config "$dir/root/boot/config-$rel"
ln -sfn "$src" "$dir/root/lib/modules/$rel/build"
echo "$rel" > "$dir/complete"
log "built $rel in $((SECONDS - t0)) s"
# Other keys of the same cache: builds of older sources or configs.
find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -path "$dir" -mtime +7 -exec rm -rf {} +
echo "KERNEL_ROOT=$dir/root KVER=$rel"
