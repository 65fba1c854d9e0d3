#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side runner: boots Xen + a PV dom0 + a PV domU under QEMU (TCG) for
# each kernel (on arm64: Xen/arm64, dom0 and domU auto-translated), loads
# the grant modules (ours or the kernel's own), runs the selftests in both
# domains and the real-client tests, and collects the results through a 9p
# share.  See README.md beside this file.
#
# Settings, from the environment or as NAME=VALUE arguments:
#   KVERS          kernel releases (default: every one with /boot/vmlinuz-K
#                  and /lib/modules/K/build); an arm64 one (…-arm64) boots
#                  Xen/arm64 under qemu-system-aarch64, its dom0's root a
#                  tree of Debian's arm64 packages (tools/arm64/fetch.sh
#                  --root), every domain auto-translated
#   MODULES        ours (default) | intree
#   MODE           check (default) | demo | bench
#   OUT            result folder (default <repo>/out/vm)
#   BENCH_CMD      MODE=bench: command run in dom0 (bash -c), with
#                  BENCH_OUT, XEN_GNT_PEER_DOMID and KVER set, and
#                  XEN_GNT_PEER_REFS naming the domU's grants (BENCH_PEER)
#   BENCH_PEER     MODE=bench: 1 (default) boots a domU that grants dom0
#                  BENCH_PEER_PAGES (default 4096) pages, then pauses it
#                  and stops the toolstack before BENCH_CMD; 0: no domU
#   TEST_TIMEOUT   seconds per test program (default 300)
#   BOOT_TIMEOUT   hard limit per boot in seconds (default 900 + 180 per
#                  test program)
#   VCHAN_BYTES    bytes each way per vchan test (default 1 MiB; demo 4 MiB)
#   SELFTESTS_DIR  selftest sources (default tools/testing/selftests/xen)
#   TESTS          only these selftest programs (space-separated names from
#                  'make print-progs', peer_destroy_test, unload_handoff_test);
#                  default: all of them
#   ALLOW_NO_SELFTESTS=1  do not fail a run that has no selftest program
#   VM_SMP         CPUs of the emulated machine (default 2, 1 on a busy host)
#   DOM0_UP_LIMIT  seconds until dom0 must be up, else one more boot with
#                  1 CPU (default 420); a dom0 kernel that dies before it
#                  is up (before any module of ours is loaded) gets that
#                  second boot too, and the summary names the first one
#   FUZZ_BIN, FUZZ_SECONDS, FUZZ_SEED  MODE=fuzz: the static gntfuzz
#                  binary, put into the domU, which runs it for FUZZ_SECONDS
#                  with seed FUZZ_SEED while dom0 runs BENCH_CMD
#   FUZZ_THREADS, FUZZ_STALL_PERCENT  the domU's gntfuzz --threads and
#                  --stall-percent (default 3 and 10)
#   PVH            experimental, MODE=check: 1 gives the CPU SVM+NPT and
#                  also runs the domU tests in a PVH domU (skipped if it
#                  never boots); 0 (default): neither
#   KERNEL_ROOT    boot a kernel not installed on the host (make check-debug):
#                  DIR/boot/vmlinuz-K, DIR/lib/modules/K and its build/ stand
#                  for /boot/vmlinuz-K, /lib/modules/K and /lib/modules/K/build
set -euo pipefail

VMDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VMDIR/../../.." && pwd)
# shellcheck source=lib.sh
. "$VMDIR/lib.sh"

# karch K: the architecture kernel release K runs on, arm64 or x86_64.
karch() { case $1 in *-arm64) echo arm64 ;; *) echo x86_64 ;; esac; }

usage() {
	sed -n '3,47p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
for arg in "$@"; do
	case $arg in
	-h|--help) usage ;;
	KVERS=*|MODULES=*|MODE=*|OUT=*|BENCH_CMD=*|BENCH_TIMEOUT=*|TEST_TIMEOUT=*|\
	BOOT_TIMEOUT=*|VCHAN_BYTES=*|SELFTESTS_DIR=*|TESTS=*|ALLOW_NO_SELFTESTS=*|VM_SMP=*|DOM0_UP_LIMIT=*|\
	PVH=*|FUZZ_BIN=*|FUZZ_SECONDS=*|FUZZ_SEED=*|FUZZ_THREADS=*|FUZZ_STALL_PERCENT=*|KERNEL_ROOT=*|BENCH_PEER=*|BENCH_PEER_PAGES=*)
		export "${arg?}" ;;
	*) echo "run.sh: unknown argument '$arg'" >&2; usage 2 ;;
	esac
done

MODE=${MODE:-check}
# Benchmarks count guest instructions instead of host time, so that other
# load on the host does not skew the numbers (-icount; sleep=on keeps the
# guest clock sane while it waits for I/O).
if [ "$MODE" = bench ]; then QEMU_EXTRA=${QEMU_EXTRA:--icount shift=1,sleep=on}; fi
QEMU_EXTRA=${QEMU_EXTRA:-}
MODULES=${MODULES:-ours}
OUT=${OUT:-$REPO/out/vm}
CACHE=$REPO/out/vm-cache
SELFTESTS_DIR=${SELFTESTS_DIR:-$REPO/tools/testing/selftests/xen}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
BENCH_CMD=${BENCH_CMD:-}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}
BENCH_PEER=${BENCH_PEER:-1}
BENCH_PEER_PAGES=${BENCH_PEER_PAGES:-4096}
ALLOW_NO_SELFTESTS=${ALLOW_NO_SELFTESTS:-0}
# Seconds from QEMU's start until dom0's stage 1 must have said so (the
# boot watchdog in run_kernel).
DOM0_UP_LIMIT=${DOM0_UP_LIMIT:-420}
# PVH=1 (MODE=check; experimental, see README.md): the emulated CPU offers
# SVM with nested paging, so that Xen has HAP and can run a PVH domU, the
# auto-translated guest.
PVH=${PVH:-0}
[ "$MODE" = check ] || PVH=0
QEMU_CPU=qemu64,+rdrand
[ "$PVH" = 1 ] && QEMU_CPU+=,+svm,+npt
XENBIN=/usr/lib/xen-4.17/bin
# Two CPUs give the drivers real parallelism, but under TCG on a busy host
# (load above the host's CPU count) two vCPU threads lose far more time to
# preempted lock holders than they gain: use one then.
if [ -z "${VM_SMP:-}" ]; then
	VM_SMP=2
	if [ "$(cut -d. -f1 /proc/loadavg)" -ge "$(nproc)" ]; then VM_SMP=1; fi
fi
XEN_GZ=/boot/xen-4.17-amd64.gz
# Where the kernels' images and module trees are: the host's own (empty),
# or a private tree with KERNEL_ROOT (paths below read "$KROOT/boot/...").
KROOT=${KERNEL_ROOT:-}
KROOT=${KROOT%/}
if [ -n "$KROOT" ] && [[ "$KROOT" != /* ]]; then KROOT=$PWD/$KROOT; fi
DOMU_BINS="$XENBIN/vchan-socket-proxy /usr/bin/xenstore"

case $MODE in check|demo|bench|fuzz) ;; *) echo "run.sh: MODE must be check, demo, bench or fuzz" >&2; exit 2 ;; esac
FUZZ_BIN=${FUZZ_BIN:-}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_THREADS=${FUZZ_THREADS:-3}
FUZZ_STALL_PERCENT=${FUZZ_STALL_PERCENT:-10}
if [ "$MODE" = fuzz ] && [ ! -x "$FUZZ_BIN" ]; then
	echo "run.sh: MODE=fuzz needs FUZZ_BIN (the static gntfuzz)" >&2
	exit 2
fi
case $MODULES in ours|intree) ;; *) echo "run.sh: MODULES must be ours or intree" >&2; exit 2 ;; esac
if { [ "$MODE" = bench ] || [ "$MODE" = fuzz ]; } && [ -z "$BENCH_CMD" ]; then
	echo "run.sh: MODE=$MODE needs BENCH_CMD" >&2
	exit 2
fi
if [ "$MODE" = demo ]; then
	VCHAN_BYTES=${VCHAN_BYTES:-4194304}
else
	VCHAN_BYTES=${VCHAN_BYTES:-1048576}
fi
if [[ "$OUT" != /* ]]; then OUT=$PWD/$OUT; fi
# dom0 mounts tmpfs over these folders of the host root it sees: the
# commands of MODE=bench/fuzz run from the host's tree and would not be
# there (MODE=check stages everything into the result share; make check
# runs from a copy).
case "$REPO/" in
/tmp/* | /run/* | /var/tmp/* | /var/lib/xen/* | /var/log/xen/*)
	if [ "$MODE" = bench ] || [ "$MODE" = fuzz ]; then
		echo "run.sh: MODE=$MODE: $REPO is hidden from dom0 (tmpfs over it there); use a clone outside /tmp, /run, /var/tmp, /var/lib/xen, /var/log/xen" >&2
		exit 2
	fi
	;;
esac

T_RUN=$SECONDS
say() { echo "$*"; }

# ---------------------------------------------------------------- checks
missing=""
for c in qemu-system-x86_64 busybox cpio gzip xz zstd modprobe modinfo gcc make \
	 timeout setsid /usr/bin/xenstore "$XENBIN/xl" "$XENBIN/xenstored" \
	 "$XENBIN/xenconsoled" "$XENBIN/xen-init-dom0" "$XENBIN/vchan-socket-proxy"; do
	command -v "$c" >/dev/null 2>&1 || missing+=" $c"
done
[ -f "$XEN_GZ" ] || missing+=" $XEN_GZ"
case " ${KVERS:-} " in
*-arm64\ *)
	for c in qemu-system-aarch64 aarch64-linux-gnu-gcc readelf; do
		command -v "$c" >/dev/null 2>&1 || missing+=" $c"
	done
	;;
esac
if [ -n "$missing" ]; then
	echo "run.sh: missing:$missing" >&2
	echo "run.sh: run 'bash $VMDIR/install-deps.sh' first" >&2
	exit 2
fi

if [ -z "${KVERS:-}" ]; then
	KVERS=""
	for f in "$KROOT"/boot/vmlinuz-*; do
		k=${f#"$KROOT"/boot/vmlinuz-}
		[ -d "$KROOT/lib/modules/$k/build" ] && KVERS+="$k "
	done
	KVERS=$(tr ' ' '\n' <<<"$KVERS" | sed '/^$/d' | sort -V | tr '\n' ' ')
	# demo: the newest kernel only
	if [ "$MODE" = demo ]; then KVERS=$(tr ' ' '\n' <<<"$KVERS" | sed '/^$/d' | tail -n1); fi
elif [ "$MODE" = demo ]; then
	KVERS=${KVERS%% *}
fi
KVERS=$(echo $KVERS)
if [ -z "$KVERS" ]; then
	echo "run.sh: no kernel with both $KROOT/boot/vmlinuz-K and $KROOT/lib/modules/K/build" >&2
	exit 2
fi
for k in $KVERS; do
	[ "$(karch "$k")" = arm64 ] && continue	# its root is fetched in run_kernel
	if [ ! -f "$KROOT/boot/vmlinuz-$k" ] || [ ! -d "$KROOT/lib/modules/$k" ]; then
		echo "run.sh: kernel $k: $KROOT/boot/vmlinuz-$k or $KROOT/lib/modules/$k missing" >&2
		exit 2
	fi
done

# "6.12.117+deb12-amd64" -> "6.12"; an arm64 release: "6.12-arm64"
kshort() {
	sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$1" | tr -d '\n'
	[ "$(karch "$1")" = arm64 ] && printf -- -arm64
	echo
}

# ---------------------------------------------------------------- arches
# What differs per architecture, set for each kernel by use_kernel K:
#   ARCH       karch K
#   KR         the tree holding K's boot/vmlinuz-K and lib/modules/K
#   SYSROOT    the root file system dom0 boots into ("" = the host's own,
#              read-only over 9p), where the Xen tools and busybox come from
#   MULTIARCH  the Debian multiarch triplet of its libraries
#   XEN_BIN    the hypervisor QEMU boots
#   CC_ARCH    the C compiler of the helpers run in the guests
# x86_64: the host's root, the host's kernels (or KERNEL_ROOT's), PV guests.
# arm64: a tree of Debian's arm64 packages (tools/arm64/fetch.sh --root):
# the toolstack, the tools dom0-init.sh runs, busybox and the kernel K.
# On the kernel command lines of dom0 and the domUs on arm64: Xen/arm64
# under TCG on a loaded host leaves a vCPU unscheduled for half a minute
# (an idle dom0 reported "soft lockup - CPU#1 stuck for 27s! [swapper/1:0]"
# in arch_cpu_idle, a stolen-time artifact): the soft-lockup detector
# fires after 120 s instead of 20 s, and still fires.
ARM64_KERNEL_ARGS="watchdog_thresh=60"
ARM64_ROOT_PKGS="bash coreutils grep sed mawk findutils kmod procps util-linux
	mount e2fsprogs xen-utils-4.17 xen-utils-common xenstore-utils
	busybox-static libc6 libgcc-s1 zlib1g xz-utils gzip xen-hypervisor-4.17-arm64"
use_kernel() { # K
	ARCH=$(karch "$1")
	if [ "$ARCH" = arm64 ]; then
		# shellcheck disable=SC2086 # one word per package
		SYSROOT=$("$REPO/tools/arm64/fetch.sh" --root "root-$1" $ARM64_ROOT_PKGS \
			"linux-image-$1") || return 1
		KR=$SYSROOT
		MULTIARCH=aarch64-linux-gnu
		XEN_BIN=$SYSROOT/boot/xen-4.17-arm64
		CC_ARCH=aarch64-linux-gnu-gcc
		# Mount points dom0-stage1.sh needs in the read-only tree.
		mkdir -p "$SYSROOT"/{proc,sys,dev,run,tmp,root,newroot,var/lib/xen,var/log/xen,var/tmp}
		[ -e "$SYSROOT/var/run" ] || ln -s ../run "$SYSROOT/var/run"
		# What maintainer scripts would have made (dpkg -x runs none).
		[ -e "$SYSROOT/usr/bin/awk" ] || ln -s mawk "$SYSROOT/usr/bin/awk"
	else
		SYSROOT=
		KR=$KROOT
		MULTIARCH=x86_64-linux-gnu
		XEN_BIN=$CACHE/xen-4.17-amd64
		CC_ARCH=gcc
		if [ ! -f "$XEN_BIN" ] || [ "$XEN_GZ" -nt "$XEN_BIN" ]; then
			gzip -dc "$XEN_GZ" > "$XEN_BIN.$$"
			mv "$XEN_BIN.$$" "$XEN_BIN"
		fi
	fi
}

mkdir -p "$OUT" "$CACHE"
GLOBAL_PROBLEMS=()
# QEMU runs under timeout(1), in its own process group: stop it with us.
QEMU_PID=
on_exit() {
	if [ -n "$QEMU_PID" ]; then
		kill "$QEMU_PID" 2>/dev/null || true
	fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
SELFTEST_BIN=$OUT/selftests-bin

# One run at a time per result folder.
exec 9> "$OUT/.lock"
if ! flock -n 9; then
	echo "run.sh: another run is using $OUT; waiting for it"
	flock 9
fi

# ---------------------------------------------------------------- helpers
# The cache under out/vm-cache is shared by concurrent runs (other OUT
# folders): its files are named after their content or source and are
# written under a temporary name, then renamed.
# build_helpers: vchan-xfer for ARCH (static, with CC_ARCH).
build_helpers() {
	local src=$VMDIR/vchan-xfer.c bin
	bin=$CACHE/bin/vchan-xfer-$ARCH-$(md5sum < "$src" | cut -c1-12)
	mkdir -p "$CACHE/bin"
	if [ ! -x "$bin" ]; then
		"$CC_ARCH" -O2 -Wall -static -o "$bin.$$" "$src" 2>/dev/null ||
			"$CC_ARCH" -O2 -Wall -o "$bin.$$" "$src"
		mv "$bin.$$" "$bin"
	fi
	VCHAN_XFER=$bin
}

# Selftest programs: PROGS (names), SELFTEST_BIN (folder), PEER_BIN.
# wanted NAME: NAME is to run (TESTS unset, or NAME is one of TESTS)
wanted() {
	[ -z "${TESTS:-}" ] && return 0
	case " $TESTS " in *" $1 "*) return 0 ;; esac
	return 1
}

# build_selftests: the programs for ARCH, into SELFTEST_BIN (per arch).
build_selftests() {
	local p names mk=()
	PROGS=""
	PEER_BIN=""
	DESTROY_TEST=""
	HANDOFF_TEST=""
	SELFTEST_BIN=$OUT/selftests-bin
	if [ "$ARCH" = arm64 ]; then
		SELFTEST_BIN+=-arm64
		mk=(ARCH=arm64)
	fi
	rm -rf "$SELFTEST_BIN"
	mkdir -p "$SELFTEST_BIN"
	if [ ! -f "$SELFTESTS_DIR/Makefile" ]; then
		say "selftests: no Makefile in $SELFTESTS_DIR: no test programs"
		return 0
	fi
	say "selftests: building for $ARCH in $SELFTEST_BIN"
	if ! make -C "$SELFTESTS_DIR" "${mk[@]}" OUTPUT="$SELFTEST_BIN" > "$OUT/selftests-build-$ARCH.log" 2>&1; then
		GLOBAL_PROBLEMS+=("selftests: $ARCH build failed, see $OUT/selftests-build-$ARCH.log")
		say "selftests: $ARCH build FAILED (see $OUT/selftests-build-$ARCH.log)"
		return 0
	fi
	if ! names=$(make -s -C "$SELFTESTS_DIR" "${mk[@]}" OUTPUT="$SELFTEST_BIN" print-progs 2>>"$OUT/selftests-build-$ARCH.log"); then
		GLOBAL_PROBLEMS+=("selftests: 'make print-progs' failed")
		return 0
	fi
	for p in $names; do
		p=${p##*/}
		[ "$p" = xen_gnt_peer ] && continue
		wanted "$p" || continue
		if [ -x "$SELFTEST_BIN/$p" ]; then
			PROGS+="$p "
		else
			GLOBAL_PROBLEMS+=("selftests: $p listed by print-progs but not built")
		fi
	done
	PROGS=$(echo $PROGS)
	[ -x "$SELFTEST_BIN/xen_gnt_peer" ] && PEER_BIN=$SELFTEST_BIN/xen_gnt_peer
	# Run by dom0 alone, after the rest, each against a domU of its own:
	# one it destroys, one whose grant modules it unloads.
	[ -x "$SELFTEST_BIN/peer_destroy_test" ] && wanted peer_destroy_test &&
		DESTROY_TEST=peer_destroy_test
	[ -x "$SELFTEST_BIN/unload_handoff_test" ] && wanted unload_handoff_test &&
		HANDOFF_TEST=unload_handoff_test
	[ -n "${TESTS:-}" ] && say "selftests: TESTS=$TESTS: only these"
	say "selftests: programs: ${PROGS:-none}${PEER_BIN:+ (+ peer agent xen_gnt_peer)}"
}

# resolve_mods K FILE-OR-NAME...: insmod paths, dependencies first, once each.
resolve_mods() {
	local k=$1 m d
	shift
	for m in "$@"; do
		if [ -f "$m" ]; then
			for d in $(modinfo -F depends "$m" | tr ',' ' '); do
				case $d in xen_gntcore|xen_gntdev|xen_gntalloc) continue ;; esac
				modprobe ${KR:+-d "$KR"} -S "$k" --show-depends "$d" | awk '$1 == "insmod" { print $2 }'
			done
			echo "$m"
		else
			modprobe ${KR:+-d "$KR"} -S "$k" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
		fi
	done | awk '!seen[$0]++'
}

# copy_mod SRC DESTDIR: copy a module, uncompressed, prints its new name.
copy_mod() {
	local src=$1 name
	name=$(basename "$src")
	case $src in
	*.ko.xz) name=${name%.xz}; xz -dc "$src" > "$2/$name" ;;
	*.ko.zst) name=${name%.zst}; zstd -dcq "$src" > "$2/$name" ;;
	*.ko.gz) name=${name%.gz}; gzip -dc "$src" > "$2/$name" ;;
	*) cp "$src" "$2/$name" ;;
	esac
	echo "$name"
}

# elf_libs FILE: the paths (in SYSROOT's view) of FILE's interpreter and
# shared libraries, recursively.  The host's own binaries ask ldd; another
# architecture's (SYSROOT set) are resolved from readelf in SYSROOT.
elf_libs() {
	local todo=("$1") f n d seen=" "
	if [ -z "$SYSROOT" ]; then
		{ ldd "$1" 2>/dev/null || true; } | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
		return 0
	fi
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for n in $(readelf -l "$f" 2>/dev/null | sed -n 's/.*interpreter: \(.*\)\]/\1/p') \
			 $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $n in
			/*) d=$n ;;
			*) d=
			   for d in /lib/$MULTIARCH/$n /usr/lib/$MULTIARCH/$n ""; do
				[ -e "$SYSROOT$d" ] && break
			   done ;;
			esac
			[ -n "$d" ] || { echo "elf_libs: $n (for $f) not in $SYSROOT" >&2; return 1; }
			case $seen in *" $d "*) continue ;; esac
			seen+="$d "
			echo "$d"
			todo+=("$SYSROOT$d")
		done
	done
}

# add_elf ROOT FILE [DEST]: copy FILE and its shared libraries into ROOT.
add_elf() {
	local root=$1 f=$2 dest=${3:-$2} lib libs
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$f" "$root$dest"
	libs=$(elf_libs "$f") || return 1
	for lib in $libs; do
		[ -f "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$SYSROOT$lib" "$root$lib"
	done
}

# make_cpio DIR OUTFILE
make_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1 > "$2.$$"
	mv "$2.$$" "$2"
}

initramfs_base() { # DIR
	mkdir -p "$1"/{bin,dev,proc,sys,tmp,etc,lib/modules}
	cp "$SYSROOT/bin/busybox" "$1/bin/busybox"
	ln -s busybox "$1/bin/sh"
	if [ "$(id -u)" = 0 ]; then
		mknod -m 600 "$1/dev/console" c 5 1
		mknod -m 666 "$1/dev/null" c 1 3
	fi
}

# dom0's initramfs: busybox, the 9p modules, dom0-stage1.sh.  Cached.
build_dom0_initrd() { # K; sets DOM0_INITRD
	local k=$1 out dir key mods m
	local virtio=virtio_pci
	[ "$ARCH" = arm64 ] && virtio=virtio_mmio
	mods=$(resolve_mods "$k" 9p 9pnet_virtio $virtio)
	key=$( { cat "$VMDIR/dom0-stage1.sh" "$VMDIR/run.sh"; echo "$mods"; md5sum < "$SYSROOT/bin/busybox"; } |
		md5sum | cut -c1-12)
	out=$CACHE/$k/dom0-initrd-$key.gz
	DOM0_INITRD=$out
	[ -f "$out" ] && return 0
	dir=$(mktemp -d "$CACHE/$k/dom0.XXXXXX")
	initramfs_base "$dir"
	mkdir -p "$dir/newroot"
	for m in $mods; do
		copy_mod "$m" "$dir/lib/modules"
	done > "$dir/modules.order"
	install -m 755 "$VMDIR/dom0-stage1.sh" "$dir/init"
	make_cpio "$dir" "$out"
	rm -rf "$dir"
	# Images of other versions of the scripts, unused for a day.
	find "$CACHE/$k" -maxdepth 1 -name 'dom0-initrd-*.gz' -mmin +1440 -delete
}

# extract_vmlinux BZIMAGE OUT: the ELF kernel inside a bzImage.
extract_vmlinux() {
	local bz=$1 out=$2 magic tool off
	for magic_tool in '\x28\xb5\x2f\xfd:zstd -dcq' '\xfd\x37\x7a\x58\x5a\x00:xz -dcq' \
			  '\x1f\x8b\x08:gzip -dcq' '\x42\x5a\x68:bzip2 -dcq' \
			  '\x5d\x00\x00\x00:xz -dcq --format=lzma'; do
		magic=${magic_tool%%:*}
		tool=${magic_tool#*:}
		for off in $( { LC_ALL=C grep -obUaP "$magic" "$bz" || true; } | cut -d: -f1 | head -n 8); do
			tail -c +$((off + 1)) "$bz" | $tool > "$out" 2>/dev/null || true
			if [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

# build_domu_kernel K: DOMU_KERNEL_FILE, the image xl boots the domUs from:
# the ELF kernel inside x86's bzImage (gzipped); arm64's vmlinuz, an
# uncompressed Image, as it is.
build_domu_kernel() { # K
	local k=$1 out=$CACHE/$1/vmlinux.gz
	if [ "$ARCH" = arm64 ]; then
		DOMU_KERNEL_FILE=$KR/boot/vmlinuz-$k
		return 0
	fi
	DOMU_KERNEL_FILE=$out
	if [ -f "$out" ] && [ "$out" -nt "$KR/boot/vmlinuz-$k" ]; then
		return 0
	fi
	extract_vmlinux "$KR/boot/vmlinuz-$k" "$CACHE/$k/vmlinux.$$" || {
		echo "cannot extract the ELF kernel from $KR/boot/vmlinuz-$k"
		return 1
	}
	gzip -1 < "$CACHE/$k/vmlinux.$$" > "$CACHE/$k/vmlinux.gz.$$"
	rm -f "$CACHE/$k/vmlinux.$$"
	mv "$CACHE/$k/vmlinux.gz.$$" "$out"
}

# The domU's initramfs: busybox, modules, test programs, Xen tools.
# Built for every run into INPUTS (not shared).
build_domu_initrd() { # K INPUTS
	local k=$1 out=$2/domU-initrd.gz dir mods m f p
	local grant=()
	dir=$(mktemp -d "$2/domU.XXXXXX")
	initramfs_base "$dir"
	mkdir -p "$dir/etc/xen-vm" "$dir/selftests" "$dir/usr/bin"
	if [ "$MODULES" = ours ]; then
		for m in xen-gntcore xen-gntdev xen-gntalloc; do
			grant+=("$2/modules/$m.ko")
		done
	else
		for m in xen-gntdev xen-gntalloc; do
			f=$( (ls "$KR/lib/modules/$k/kernel/drivers/xen/$m".ko* 2>/dev/null || true) | head -n1)
			[ -n "$f" ] || { echo "no $m module for $k"; return 1; }
			grant+=("$f")
		done
	fi
	mods=$(resolve_mods "$k" xen-evtchn xen-privcmd xen-blkfront "${grant[@]}")
	for m in $mods; do
		copy_mod "$m" "$dir/lib/modules"
	done > "$dir/etc/xen-vm/modules"
	for m in "${grant[@]}"; do
		m=$(basename "$m"); m=${m%%.ko*}; echo "${m//-/_}"
	done > "$dir/etc/xen-vm/grant-modules"

	for f in $DOMU_BINS; do add_elf "$dir" "$SYSROOT$f" "$f"; done
	for m in read write watch rm ls exists list; do
		ln -s xenstore "$dir/usr/bin/xenstore-$m"
	done
	add_elf "$dir" "$VCHAN_XFER" /usr/bin/vchan-xfer
	for p in $PROGS; do add_elf "$dir" "$SELFTEST_BIN/$p" "/selftests/$p"; done
	[ -n "$PEER_BIN" ] && add_elf "$dir" "$PEER_BIN" /selftests/xen_gnt_peer
	[ -n "$FUZZ_BIN" ] && add_elf "$dir" "$FUZZ_BIN" /usr/bin/gntfuzz
	echo "$PROGS" > "$dir/selftests/progs"
	f=$(ls "$SYSROOT/lib/$MULTIARCH/libgcc_s.so.1" 2>/dev/null || true)
	if [ -n "$f" ]; then
		mkdir -p "$dir/lib/$MULTIARCH"
		cp -L "$f" "$dir/lib/$MULTIARCH/"
	fi
	install -m 755 "$VMDIR/domU-init.sh" "$dir/init"
	install -m 755 "$VMDIR/kmemleak.sh" "$dir/etc/xen-vm/kmemleak.sh"
	make_cpio "$dir" "$out"
	rm -rf "$dir"
}

# stage_inputs K INPUTS: everything of the project that dom0 reads goes into
# the result share (INPUTS is K's result folder/inputs).  dom0 has tmpfs
# over /tmp, /run, /var/tmp, ..., so a repository or OUT under one of those
# would be hidden on its view of the host root; the share is not.
stage_inputs() { # K INPUTS
	local k=$1 in=$2 p
	mkdir -p "$in/selftests"
	cp "$VMDIR/dom0-init.sh" "$VMDIR/lib.sh" "$VMDIR/kmemleak.sh" "$in/"
	cp "$VCHAN_XFER" "$in/vchan-xfer"
	for p in $PROGS ${PEER_BIN:+xen_gnt_peer} $DESTROY_TEST $HANDOFF_TEST; do
		cp "$SELFTEST_BIN/$p" "$in/selftests/"
	done
	if [ "$MODULES" = ours ]; then
		mkdir -p "$in/modules"
		cp "$REPO/out/$k/modules/"xen-gnt{core,dev,alloc}.ko "$in/modules/"
	fi
	build_domu_kernel "$k"
	ln -f "$DOMU_KERNEL_FILE" "$in/domU-kernel" 2>/dev/null ||
		cp "$DOMU_KERNEL_FILE" "$in/domU-kernel"
	build_domu_initrd "$k" "$in"
}

# Prints progress lines ("@@xen-vm: ...") from the serial log while QEMU runs.
relay_progress() { # SHORT SERIAL QEMU_PID T0
	local short=$1 t0=$4 line
	tail -n +1 -F --pid="$3" "$2" 2>/dev/null |
		sed -u -n -e 's/\r//g' -e 's/.*\[domU\] @@xen-vm: /domU: /p' -e 's/.*@@xen-vm: //p' |
		while IFS= read -r line; do
			printf '[%s] %4ds %s\n' "$short" $((SECONDS - t0)) "$line"
		done
}

# start_qemu K KOUT SMP TIMEOUT DOM0_ARGS: Xen, dom0's kernel (DOM0_ARGS
# on its command line) and initramfs under QEMU, in the background ($!),
# with 9p shares: SYSROOT (read-only) as dom0's root, KOUT as the results,
# on arm64 the project's tree (read-only).  x86: the isa-debug-exit device
# carries dom0's verdict.
start_qemu() {
	local k=$1 kout=$2 smp=$3 lim=$4 args=$5
	if [ "$ARCH" = arm64 ]; then
		# gnttab_max_maptrack_frames=256 (Xen's default is 1024): on 6.1
		# placeholder pages are dom0's RAM, and a full map-track table
		# (kaccess_test) must fit in it.
		timeout -k 10 "$lim" qemu-system-aarch64 $QEMU_EXTRA \
			-nodefaults -machine virt,virtualization=on,gic-version=3 -accel tcg \
			-cpu cortex-a57 -smp "$smp" -m 2048 -display none -monitor none -no-reboot \
			-serial "file:$kout/serial.log" \
			-kernel "$XEN_BIN" \
			-append "console=dtuart dom0_mem=768M dom0_max_vcpus=$smp gnttab_max_maptrack_frames=256" \
			-device "guest-loader,addr=0x50000000,kernel=$KR/boot/vmlinuz-$k,bootargs=earlycon=xen $args" \
			-device "guest-loader,addr=0x58000000,initrd=$DOM0_INITRD" \
			-fsdev "local,id=hostroot,path=$SYSROOT,security_model=none,readonly=on,multidevs=remap" \
			-device virtio-9p-device,fsdev=hostroot,mount_tag=hostroot \
			-fsdev "local,id=results,path=$kout,security_model=none,multidevs=remap" \
			-device virtio-9p-device,fsdev=results,mount_tag=results \
			-fsdev "local,id=repo,path=$REPO,security_model=none,readonly=on,multidevs=remap" \
			-device virtio-9p-device,fsdev=repo,mount_tag=repo \
			< /dev/null > "$kout/qemu.log" 2>&1 &
		return
	fi
	timeout -k 10 "$lim" qemu-system-x86_64 $QEMU_EXTRA \
		-nodefaults -machine pc -accel tcg -cpu "$QEMU_CPU" \
		-smp "$smp" -m 1024 -display none -vga none -monitor none -no-reboot \
		-serial "file:$kout/serial.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$XEN_BIN" \
		-append "console=com1 com1=115200 dom0_mem=512M,max:512M" \
		-initrd "$KR/boot/vmlinuz-$k earlyprintk=xen $args,$DOM0_INITRD" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap,id=hostroot \
		-virtfs "local,path=$kout,mount_tag=results,security_model=none,multidevs=remap,id=results" \
		< /dev/null > "$kout/qemu.log" 2>&1 &
}

# arm64_exit KOUT RC: the exit code x86's isa-debug-exit would have given
# (1 pass, 3 fail, 5 stage 1 failed), from what dom0 left; QEMU's own RC
# when it left nothing (a timeout, a crash).
arm64_exit() {
	if [ "$2" != 0 ]; then
		echo "$2"
	elif tr -d '\r' < "$1/serial.log" | grep -q '@@xen-vm: dom0 stage 1 failed'; then
		echo 5
	elif [ "$(head -n1 "$1/verdict.txt" 2>/dev/null)" = pass ]; then
		echo 1
	elif [ -f "$1/verdict.txt" ]; then
		echo 3
	else
		echo 0
	fi
}

TOTAL_P=0
TOTAL_F=0
TOTAL_S=0
FAILED_KERNELS=""

# ---------------------------------------------------------------- one kernel
run_kernel() { # K
	local k=$1 short kout t0 qrc="" qpid rpid sum p f s x nprogs boot_timeout
	local problems=() line dom0_args in smp attempt tb up
	short=$(kshort "$k")
	kout=$OUT/$k
	in=$kout/inputs
	rm -rf "$kout"
	mkdir -p "$kout/dom0" "$kout/domU" "$in" "$CACHE/$k"
	t0=$SECONDS

	say "[$short] preparing images for $k ($MODULES modules)"
	if ! use_kernel "$k" > "$kout/arch.log" 2>&1; then
		problems+=("the $ARCH root of $k could not be made, see $kout/arch.log")
	elif ! build_for_arch 2>> "$kout/arch.log"; then
		problems+=("the $ARCH helpers could not be built, see $kout/arch.log")
	fi
	# Cross-built arm64 modules find their headers themselves (Makefile).
	local kdir=()
	[ "$ARCH" = arm64 ] || kdir=(KDIR="$KR/lib/modules/$k/build")
	if [ ${#problems[@]} != 0 ]; then
		:
	elif [ "$MODULES" = ours ]; then
		if ! make -C "$REPO" KVER="$k" "${kdir[@]}" OUT="$REPO/out" \
			stage > "$kout/stage.log" 2>&1; then
			problems+=("'make KVER=$k stage' failed, see $kout/stage.log")
		else
			for m in xen-gntcore xen-gntdev xen-gntalloc; do
				[ -f "$REPO/out/$k/modules/$m.ko" ] ||
					problems+=("'make stage' left no out/$k/modules/$m.ko")
			done
		fi
	fi
	if [ ${#problems[@]} = 0 ]; then
		# In the background so that set -e applies inside (it does not
		# in a function called from a condition).
		( build_dom0_initrd "$k"; stage_inputs "$k" "$in" ) > "$kout/images.log" 2>&1 &
		if wait $!; then
			build_dom0_initrd "$k"	# cached now: sets DOM0_INITRD here
		else
			problems+=("building the boot images failed, see $kout/images.log")
		fi
	fi

	if [ ${#problems[@]} = 0 ]; then
		nprogs=$(wc -w <<<"$PROGS")
		# Long enough for a passing run on a busy host (a hung program is
		# stopped at TEST_TIMEOUT anyway); only a hung machine reaches it.
		# 900 s for booting, the toolstack, the real clients and the
		# extra domUs, 180 s per program (it runs in both domains).
		boot_timeout=${BOOT_TIMEOUT:-$((900 + nprogs * 180))}
		case $MODE in bench|fuzz) boot_timeout=${BOOT_TIMEOUT:-$((BENCH_TIMEOUT + 600))} ;; esac
		{
			for v in MODE MODULES XENBIN PROGS DESTROY_TEST HANDOFF_TEST TEST_TIMEOUT \
				 VCHAN_BYTES BENCH_CMD BENCH_TIMEOUT PVH FUZZ_SECONDS \
				 FUZZ_SEED FUZZ_THREADS FUZZ_STALL_PERCENT BENCH_PEER \
				 BENCH_PEER_PAGES; do
				printf '%s=%q\n' "$v" "${!v}"
			done
			printf 'KVER=%q\n' "$k"
			printf 'VMDIR=%q\n' "$in"
			printf 'OURS_DIR=%q\n' "$in/modules"
			printf 'SELFTEST_BIN=%q\n' "$in/selftests"
			printf 'VCHAN_XFER=%q\n' "$in/vchan-xfer"
			printf 'DOMU_KERNEL=%q\n' "$in/domU-kernel"
			printf 'DOMU_INITRD=%q\n' "$in/domU-initrd.gz"
			printf 'DOMU_READY_TIMEOUT=%q\n' $((300 + nprogs * (TEST_TIMEOUT + 10)))
			printf 'ARCH=%q\n' "$ARCH"
			if [ "$ARCH" = arm64 ]; then
				# One guest type on Arm (no type= in xl's config);
				# no systemd in the arm64 root: busybox powers off;
				# no qemu-system-xen there (yet): no qdisk test;
				# the extra domUs hold a 44 MB Image: 256 MiB.
				echo "GUEST_TYPE= POWEROFF='busybox poweroff -f' QDISK=0 SMALL_DOMU_MIB=256"
				printf 'KERNEL_EXTRA_ARGS=%q\n' "$ARM64_KERNEL_ARGS"
			else
				echo "GUEST_TYPE=pv POWEROFF='poweroff -f' QDISK=1 SMALL_DOMU_MIB=128"
				echo "KERNEL_EXTRA_ARGS="
			fi
		} > "$in/config.sh"

		dom0_args="console=hvc0 panic=-1 loglevel=5"
		[ "$ARCH" = arm64 ] && dom0_args+=" $ARM64_KERNEL_ARGS"
		dom0_args+=" xenvm_init=$in/dom0-init.sh xenvm_results=$kout"
		[ -n "$KROOT" ] && [ "$ARCH" = x86_64 ] && dom0_args+=" xenvm_moddir=$KROOT/lib/modules/$k"
		# The results share is mounted at its host path in the read-only
		# root: on arm64 the mount point must exist in SYSROOT.
		# The project's tree too (MODE=bench/fuzz run its scripts), as
		# a third share at its host path.
		if [ -n "$SYSROOT" ]; then
			mkdir -p "$SYSROOT$kout" "$SYSROOT$REPO"
			dom0_args+=" xenvm_repo=$REPO"
		fi
		smp=$VM_SMP
		for attempt in 1 2; do
			say "[$short] booting Xen+dom0 with $smp CPUs (limit $boot_timeout s) ..."
			tb=$SECONDS
			: > "$kout/serial.log"
			start_qemu "$k" "$kout" "$smp" "$boot_timeout" "$dom0_args"
			qpid=$!
			QEMU_PID=$qpid
			relay_progress "$short" "$kout/serial.log" $qpid "$t0" &
			rpid=$!
			# Boot watchdog. Until dom0's stage 1 is reached only
			# Xen and Debian's kernel have run: no module of ours is
			# loaded and no test has started. A boot that stalls
			# there (seen under TCG with 2 CPUs on a loaded host) or
			# whose kernel dies there (seen once: 6.12 PV dom0,
			# "Oops: int3" in enqueue_timer at 3 s, a text-patching
			# race under TCG) is booted once more, with one CPU, and
			# the first boot is kept and named in the summary.
			local up_mark='@@xen-vm: dom0 kernel up'
			up=
			while kill -0 $qpid 2>/dev/null; do
				grep -q "$up_mark" "$kout/serial.log" && { up=1; break; }
				[ $((SECONDS - tb)) -ge "$DOM0_UP_LIMIT" ] && break
				sleep 2
			done
			qrc=
			if [ -z "$up" ] && [ "$attempt" = 1 ]; then
				local why=
				if kill -0 $qpid 2>/dev/null; then
					kill $qpid 2>/dev/null
					why="dom0 did not reach stage 1 in $DOM0_UP_LIMIT s with $smp CPUs"
				fi
				qrc=0
				wait $qpid 2>/dev/null || qrc=$?
				wait $rpid 2>/dev/null
				if [ -z "$why" ] && ! grep -q "$up_mark" "$kout/serial.log"; then
					why="dom0's kernel stopped before stage 1 with $smp CPUs ($(grep -m1 -aE 'Oops|BUG:|Kernel panic|crashed' "$kout/serial.log" | tr -d '\r' | cut -c1-120))"
				fi
				if [ -n "$why" ]; then
					mv "$kout/serial.log" "$kout/serial-failed-boot.log"
					echo "$why: booted again with 1 CPU (serial-failed-boot.log)" \
						>> "$kout/retries.txt"
					say "[$short] $why: trying again with 1 CPU"
					smp=1
					continue
				fi
				# It got up just before it stopped: a normal end.
			fi
			if [ -z "$qrc" ]; then
				qrc=0
				wait $qpid || qrc=$?
			fi
			QEMU_PID=
			wait $rpid || true
			[ "$ARCH" = arm64 ] && qrc=$(arm64_exit "$kout" "$qrc")
			break
		done
		case $qrc in
		1) ;;
		3) [ -f "$kout/verdict.txt" ] || problems+=("dom0 reported failure but wrote no verdict.txt") ;;
		5) problems+=("dom0 stage 1 failed (see serial.log)") ;;
		124|137) problems+=("hard timeout: no verdict after $boot_timeout s (hang?), see $kout/serial.log") ;;
		*) problems+=("QEMU exited $qrc without a verdict (dom0 crashed or rebooted?), see $kout/serial.log") ;;
		esac
		echo "$qrc" > "$kout/qemu-exit"
	fi

	sum=$(summarize_results "$kout")
	read -r p f s x <<<"$(head -n1 <<<"$sum")"
	if [ "$qrc" = 3 ] && [ "$f" = 0 ] && [ "$x" = 0 ] && [ ${#problems[@]} = 0 ]; then
		problems+=("dom0 verdict was fail, see $kout/verdict.txt")
	fi
	x=$((x + ${#problems[@]}))
	{
		echo "kernel: $k"
		echo "modules: $MODULES"
		echo "mode: $MODE"
		echo "qemu exit: ${qrc:-not started} (1 = dom0 verdict pass, 3 = dom0 verdict fail)"
		echo "time: $((SECONDS - t0)) s"
		echo "tests: $p passed, $f failed, $s skipped; other problems: $x"
		[ -f "$kout/retries.txt" ] && sed 's/^/retry: /' "$kout/retries.txt"
		for line in "${problems[@]}"; do echo "run: $line"; done
		tail -n +2 <<<"$sum"
	} > "$kout/summary.txt"

	TOTAL_P=$((TOTAL_P + p))
	TOTAL_F=$((TOTAL_F + f + x))
	TOTAL_S=$((TOTAL_S + s))
	if [ "$f" != 0 ] || [ "$x" != 0 ]; then
		FAILED_KERNELS+="$short "
		say "[$short] FAILED: $p passed, $f failed, $s skipped, $x other problems in $((SECONDS - t0)) s"
		tail -n +7 "$kout/summary.txt" | head -n 40 | sed "s/^/[$short]   /"
		say "[$short] details: $kout/summary.txt"
	else
		say "[$short] ok: $p passed, $f failed, $s skipped in $((SECONDS - t0)) s"
	fi
}

# ---------------------------------------------------------------- main
say "xen-vm: mode $MODE, $MODULES modules, $VM_SMP CPUs, kernels: $KVERS"
PROGS=""
PEER_BIN=""
DESTROY_TEST=""
HANDOFF_TEST=""
BUILT_ARCH=
# build_for_arch: the helpers and selftests of ARCH, when it changes.
build_for_arch() {
	[ "$BUILT_ARCH" = "$ARCH" ] && return 0
	BUILT_ARCH=$ARCH
	build_helpers
	if [ "$MODE" = check ] || [ "$MODE" = bench ]; then
		build_selftests
	fi
	if [ "$MODE" = check ] && [ -z "$PROGS$DESTROY_TEST$HANDOFF_TEST" ] &&
		[ "$ALLOW_NO_SELFTESTS" != 1 ]; then
		GLOBAL_PROBLEMS+=("$ARCH: no selftest program to run: zero selftests executed is not a pass (ALLOW_NO_SELFTESTS=1 to accept)")
	fi
}

for k in $KVERS; do
	run_kernel "$k"
done

for line in "${GLOBAL_PROBLEMS[@]}"; do
	say "problem: $line"
	TOTAL_F=$((TOTAL_F + 1))
done
if [ $((TOTAL_P + TOTAL_F)) = 0 ]; then
	say "problem: no test was executed"
	TOTAL_F=$((TOTAL_F + 1))
fi
say "xen-vm: $MODE finished in $((SECONDS - T_RUN)) s; results in $OUT"
echo "$TOTAL_P passed, $TOTAL_F failed, $TOTAL_S skipped"
[ "$TOTAL_F" = 0 ]
