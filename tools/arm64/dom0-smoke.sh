#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dom0-smoke.sh KVER=REL [MODULES=ours|intree] [TESTS="prog ..."] [OUT=DIR]
#
# The first step of the arm64 VM bed: Xen 4.17 arm64 and Debian's arm64
# kernel REL under qemu-system-aarch64 (TCG), dom0 only, no toolstack and
# no domU; the selftest programs (cross-built, ARCH=arm64) run in dom0
# against themselves (self-grants), every domain on Arm being
# auto-translated.  Everything arm64 comes from Debian's packages fetched
# into .cache/arm64 (tools/arm64/fetch.sh); the initramfs holds busybox,
# the modules and the programs with their library closure (readelf NEEDED).
# Not yet folded into tools/testing/xen-vm/run.sh (which boots x86 with the
# host's root over 9p and a domU); prefix it with the machine's VM slot
# wrapper like every VM run.  Prints "N passed, N failed, N skipped".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
KVER= MODULES=ours TESTS="gntalloc_test gntdev_test compat_test_32" OUT=
for a in "$@"; do
	case $a in
	KVER=* | MODULES=* | TESTS=* | OUT=*) eval "${a%%=*}=\${a#*=}" ;;
	*) echo "dom0-smoke.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done
[ -n "$KVER" ] || { echo "dom0-smoke.sh: KVER= (an arm64 release) is required" >&2; exit 2; }
OUT=${OUT:-$top/out/arm64-smoke/$KVER-$MODULES}
mkdir -p "$OUT"

bash "$top/tools/testing/apt-install.sh" qemu-system-arm gcc-aarch64-linux-gnu \
	libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross cpio kmod
boot=$("$top/tools/arm64/fetch.sh" --pkgs "boot-$KVER" xen-hypervisor-4.17-arm64 \
	"linux-image-$KVER" busybox-static libc6 libgcc-s1)
libxen=$("$top/tools/arm64/fetch.sh" --libxen)
make -s -C "$top/tools/testing/selftests/xen" ARCH=arm64 >"$OUT/selftests-build.log" 2>&1
bin=$top/tools/testing/selftests/xen/build-arm64
if [ "$MODULES" = ours ]; then
	make -s -C "$top" stage KVER="$KVER" >"$OUT/stage.log" 2>&1
fi

d=$(mktemp -d "$OUT/initrd.XXXXXX")
trap 'rm -rf "$d"' EXIT
mkdir -p "$d"/{bin,lib/modules,lib/aarch64-linux-gnu,selftests,proc,sys,dev}
cp "$boot/bin/busybox" "$d/bin/"
ln -s busybox "$d/bin/sh"
install -m 755 "$here/dom0-init.sh" "$d/init"
: >"$d/modules.order"
add_mod() { # FILE
	local b
	b=$(basename "$1")
	b=${b%.xz}
	[ -f "$d/lib/modules/$b" ] && return
	case $1 in *.xz) xz -dc "$1" >"$d/lib/modules/$b" ;; *) cp "$1" "$d/lib/modules/$b" ;; esac
	echo "$b" >>"$d/modules.order"
}
mods() { # NAME...: insmod paths, dependencies first
	local m
	for m in "$@"; do
		modprobe -d "$boot" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done
}
for f in $(mods xen-evtchn xenfs xen-privcmd); do add_mod "$f"; done
if [ "$MODULES" = ours ]; then
	for m in xen-gntcore xen-gntdev xen-gntalloc; do add_mod "$top/out/$KVER/modules/$m.ko"; done
else
	for f in $(mods xen-gntdev xen-gntalloc); do add_mod "$f"; done
fi
echo "$TESTS" >"$d/selftests/progs"
todo=()
for p in $TESTS; do
	cp "$bin/$p" "$d/selftests/"
	todo+=("$d/selftests/$p")
done
# The library closure: every NEEDED, found in the fetched trees.
seen=" "
while [ ${#todo[@]} -gt 0 ]; do
	f=${todo[0]}
	todo=("${todo[@]:1}")
	for n in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		case $seen in *" $n "*) continue ;; esac
		seen+="$n "
		src=$(ls "$libxen/usr/lib/aarch64-linux-gnu/$n" "$boot/lib/aarch64-linux-gnu/$n" \
			"$boot/usr/lib/aarch64-linux-gnu/$n" 2>/dev/null | head -n1 || true)
		[ -n "$src" ] || { echo "dom0-smoke.sh: no $n for arm64" >&2; exit 1; }
		cp -L "$src" "$d/lib/aarch64-linux-gnu/$n"
		todo+=("$d/lib/aarch64-linux-gnu/$n")
	done
done
cp -L "$boot/lib/ld-linux-aarch64.so.1" "$d/lib/"
(cd "$d" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$OUT/dom0.cpio.gz"

t0=$SECONDS
rc=0
timeout -k 10 1200 qemu-system-aarch64 -machine virt,virtualization=on,gic-version=3 \
	-cpu cortex-a57 -smp 2 -m 2048 -nographic -no-reboot -monitor none -nic none \
	-serial stdio -kernel "$boot/boot/xen-4.17-arm64" \
	-append "console=dtuart dom0_mem=768M dom0_max_vcpus=1 loglvl=all guest_loglvl=all${XEN_EXTRA:+ $XEN_EXTRA}" \
	-device "guest-loader,addr=0x50000000,kernel=$boot/boot/vmlinuz-$KVER,bootargs=console=hvc0 earlycon=xen rdinit=/init" \
	-device "guest-loader,addr=0x58000000,initrd=$OUT/dom0.cpio.gz" \
	</dev/null >"$OUT/serial.log" 2>&1 || rc=$?
tr -d '\r' <"$OUT/serial.log" | sed -n 's/^@@tap \([^:]*\): /\1 /p' >"$OUT/tap.txt"
pass=$(grep -E '^[^ ]+ ok [0-9]+ ' "$OUT/tap.txt" | grep -vc '# SKIP' || true)
skip=$(grep -E '^[^ ]+ ok [0-9]+ .*# SKIP' "$OUT/tap.txt" | wc -l)
fail=$(grep -cE '^[^ ]+ not ok [0-9]+ ' "$OUT/tap.txt" || true)
other=0
tr -d '\r' <"$OUT/serial.log" | grep -q '^@@a64: done' || { echo "dom0 did not finish (qemu exit $rc), see $OUT/serial.log"; other=1; }
for p in $TESTS; do
	tr -d '\r' <"$OUT/serial.log" | grep -q "^@@a64: END $p rc=0" ||
		{ echo "$p: did not exit 0"; other=$((other + 1)); }
done
if tr -d '\r' <"$OUT/serial.log" | grep -q '^@@dmesg: '; then
	echo "kernel warnings:"; tr -d '\r' <"$OUT/serial.log" | grep '^@@dmesg: '
	other=$((other + 1))
fi
grep -E ' not ok ' "$OUT/tap.txt" || true
echo "arm64 $KVER $MODULES: dom0 only, $((SECONDS - t0)) s in QEMU"
echo "$pass passed, $((fail + other)) failed, $skip skipped"
[ $((fail + other)) = 0 ]
