#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb-roundtrip.sh [DEB]: the Debian package, end to end, on this machine
# (root, Debian 12, kernels need not be running):
#
#  1. build it with "make deb" (or take DEB), check its control data and
#     that it carries every kernel source file of the tree;
#  2. apt-get install it: DKMS must build and install our three modules
#     for every kernel with headers (a kernel the package's postinst left
#     out, as DKMS does on a real host for all but the running and the
#     newest kernel, is installed with "dkms install" and said so), and
#     depmod must prefer them: modinfo -k K points into updates/, with our
#     version, and xen-gntdev depends on xen-gntcore;
#  3. apt-get remove (and purge): DKMS forgets xen-gnt, nothing of ours is
#     left under /lib/modules/*/updates or /usr/src, and modinfo -k K
#     points at the in-tree xen-gntdev and xen-gntalloc again.
#
# Prints TAP; exits non-zero if a test failed or it could not run. The
# package is purged on the way out whatever happens. It refuses to run
# ("Bail out!") when xen-gnt is already registered with DKMS by other
# means (make dkms-install): it would take that installation away.
#
# Environment: KVERS  kernels to check (default: every release with
#                     /lib/modules/K/kernel and /lib/modules/K/build)
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
version=$(cat VERSION)
pkg=xen-gnt-dkms
src=/usr/src/xen-gnt-$version
mods="xen-gntcore xen-gntdev xen-gntalloc"
deb_arg=${1:-}
log=$(mktemp)
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $*"; }
# check COND-STATUS DESCRIPTION [DIAGNOSTIC...]
check() {
	local rc=$1 desc=$2 d
	shift 2
	if [ "$rc" = 0 ]; then ok "$desc"; else nok "$desc"; fi
	if [ "$rc" != 0 ]; then for d in "$@"; do echo "# $d"; done; fi
}
diag_log() { tail -n "${1:-20}" "$log" | sed 's/^/# /'; }
bail() { echo "Bail out! $*"; exit 2; }
installed() { dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; }
registered() { [ -n "$(dkms status -m xen-gnt 2>/dev/null)" ]; }

cleanup() {
	if dpkg-query -W "$pkg" >/dev/null 2>&1; then
		apt-get purge -y -q "$pkg" >/dev/null 2>&1 || dpkg --purge "$pkg" >/dev/null 2>&1
	fi
	rm -f "$log"
}

echo "TAP version 13"
[ "$(id -u)" = 0 ] || bail "needs root (apt-get, dkms)"
for c in apt-get dpkg-deb dpkg-query modinfo make; do
	command -v "$c" >/dev/null || bail "missing $c"
done
if [ -z "${KVERS:-}" ]; then
	KVERS=""
	for d in /lib/modules/*/; do
		k=$(basename "$d")
		[ -d "$d/kernel" ] && [ -e "$d/build" ] && KVERS+="$k "
	done
fi
# One line, single spaces.
read -r -a kvers <<<"$KVERS"
KVERS="${kvers[*]}"
[ -n "$KVERS" ] || bail "no kernel with both /lib/modules/K/kernel and /lib/modules/K/build"
if command -v dkms >/dev/null && registered && ! installed; then
	bail "xen-gnt is registered with DKMS already (make dkms-install?): run 'make dkms-uninstall' first"
fi
if [ -e "$src" ] && ! installed; then
	bail "$src exists and belongs to no package: run 'make dkms-uninstall' first"
fi
trap cleanup EXIT
# A leftover of an earlier run: start from nothing.
if installed; then
	apt-get purge -y -q "$pkg" >/dev/null 2>&1 || bail "cannot purge the installed $pkg"
fi

echo "1..$((8 + 4 * ${#kvers[@]}))"
echo "# kernels: $KVERS"

# ---------------------------------------------------------------- build
deb=$deb_arg
if [ -z "$deb" ]; then
	if make -n deb >/dev/null 2>&1; then
		make -s deb >"$log" 2>&1
	else
		make -s -f Documentation/docs.mk deb >"$log" 2>&1
	fi
	rc=$?
	deb=$top/out/deb/${pkg}_${version}_all.deb
	[ $rc = 0 ] && [ -f "$deb" ]
	check $? "make deb builds $(basename "$deb")" "exit $rc" "$(diag_log 15)"
else
	[ -f "$deb" ]
	check $? "package given: $deb"
fi
case $deb in /*) ;; *) deb=$PWD/$deb ;; esac

# ---------------------------------------------------------------- contents
arch=$(dpkg-deb -f "$deb" Architecture 2>/dev/null)
dep=$(dpkg-deb -f "$deb" Depends 2>/dev/null)
ver=$(dpkg-deb -f "$deb" Version 2>/dev/null)
[ "$arch" = all ] && [[ "$dep" == *dkms* ]] && [ "$ver" = "$version" ]
check $? "control: Architecture all, depends on dkms, version $version (native)" \
	"Architecture: $arch" "Depends: $dep" "Version: $ver"

missing=""
files=$(dpkg-deb -c "$deb" 2>/dev/null | awk '{ print $NF }' | sed 's|^\./|/|')
for f in dkms.conf Kbuild VERSION $(find compat drivers include -type f \
		\( -name '*.[ch]' -o -name 'Kbuild*' \) ! -name '*.mod.c' | sort); do
	grep -qx "$src/$f" <<<"$files" || missing+=" $f"
done
[ -z "$missing" ]
check $? "$src holds dkms.conf and every kernel source file of the tree" "missing:$missing"

# ---------------------------------------------------------------- install
apt-get install -y -q "$deb" >"$log" 2>&1
rc=$?
installed && [ $rc = 0 ]
check $? "apt-get install $(basename "$deb")" "exit $rc" "$(diag_log 25)"
grep -E '^(Building for|Building initial module|It is likely)' "$log" | sed 's/^/# postinst: /'

registered
check $? "dkms status lists xen-gnt" "$(dkms status 2>&1)"

for k in "${kvers[@]}"; do
	if dkms status -m xen-gnt -v "$version" -k "$k" 2>/dev/null | grep -q ': installed'; then
		ok "DKMS built and installed xen-gnt for $k"
	else
		echo "# the package's postinst did not install for $k: dkms install"
		dkms install -m xen-gnt -v "$version" -k "$k" >"$log" 2>&1
		rc=$?
		dkms status -m xen-gnt -v "$version" -k "$k" 2>/dev/null | grep -q ': installed'
		check $? "DKMS built and installed xen-gnt for $k (dkms install)" "exit $rc" "$(diag_log 25)"
	fi
	bad=""
	for m in $mods; do
		f=$(modinfo -k "$k" -F filename "$m" 2>/dev/null)
		v=$(modinfo -k "$k" -F version "$m" 2>/dev/null)
		case $f in */updates/*) ;; *) bad+=" $m:${f:-not found}" ;; esac
		[ "$v" = "$version" ] || bad+=" $m:version=${v:-none}"
		echo "# $k: $m -> $f ($v)"
	done
	[ -z "$bad" ]
	check $? "depmod prefers our modules for $k (updates/, version $version)" "$bad"
	f=$(modinfo -k "$k" -F depends xen-gntdev 2>/dev/null)
	g=$(modinfo -k "$k" -F depends xen-gntalloc 2>/dev/null)
	[ "$f" = xen-gntcore ] && [ "$g" = xen-gntcore ]
	check $? "xen-gntdev and xen-gntalloc depend on xen-gntcore for $k" \
		"xen-gntdev: $f" "xen-gntalloc: $g"
done

# ---------------------------------------------------------------- remove
apt-get remove -y -q "$pkg" >"$log" 2>&1
rc=$?
[ $rc = 0 ] && ! installed
check $? "apt-get remove $pkg" "exit $rc" "$(diag_log 25)"

left=$(ls /lib/modules/*/updates/dkms/xen-gnt* /lib/modules/*/updates/xen-gnt* 2>/dev/null)
! registered && [ -z "$left" ]
check $? "DKMS forgot xen-gnt, no module of ours left in updates/" \
	"dkms: $(dkms status -m xen-gnt 2>&1)" "files: $left"

for k in "${kvers[@]}"; do
	bad=""
	for m in xen-gntdev xen-gntalloc; do
		f=$(modinfo -k "$k" -F filename "$m" 2>/dev/null)
		case $f in */kernel/drivers/xen/*) ;; *) bad+=" $m:${f:-not found}" ;; esac
		echo "# $k: $m -> $f"
	done
	modinfo -k "$k" -F filename xen-gntcore >/dev/null 2>&1 && bad+=" xen-gntcore still found"
	[ -z "$bad" ]
	check $? "in-tree modules restored for $k" "$bad"
done

# The package has no conffiles, so "remove" normally leaves nothing for
# "purge"; purge whatever is left all the same.
rc=0
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q config-files; then
	dpkg --purge "$pkg" >"$log" 2>&1
	rc=$?
fi
st=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
[ $rc = 0 ] && { [ -z "$st" ] || [[ "$st" == *not-installed ]]; } && [ ! -e "$src" ]
check $? "package purged, $src gone" "dpkg --purge exit $rc" "status: $st" \
	"$(ls -d "$src" 2>&1)"

echo "# deb-roundtrip: $((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
