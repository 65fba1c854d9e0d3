#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS round trip on the build host, for kernels that need not be running:
# install ours for each kernel line, check that depmod now prefers our
# modules (modinfo -k shows our path and version), uninstall, and check
# that the in-tree modules are back. Prints TAP.
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top"
version=$(cat VERSION)
kvers=${KVERS:-$(for k in $(ls /lib/modules); do [ -f "/boot/vmlinuz-$k" ] && [ -d "/lib/modules/$k/build" ] && echo "$k"; done)}
mods="xen-gntcore xen-gntdev xen-gntalloc"
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $*"; }

set -- $kvers
echo "TAP version 13"
echo "1..$(( $# * 5 ))"
for k in $kvers; do
	log=$(mktemp)
	if make -s dkms-install KVER="$k" >"$log" 2>&1; then
		ok "dkms install for $k"
	else
		nok "dkms install for $k"; sed 's/^/# /' "$log" | tail -20
	fi
	bad=""
	for m in $mods; do
		f=$(modinfo -k "$k" -F filename "$m" 2>/dev/null)
		v=$(modinfo -k "$k" -F version "$m" 2>/dev/null)
		case "$f" in */updates/*) ;; *) bad="$bad $m:$f";; esac
		[ "$v" = "$version" ] || bad="$bad $m:version=$v"
	done
	[ -z "$bad" ] && ok "depmod prefers our modules for $k" || nok "depmod prefers our modules for $k #$bad"
	f=$(modinfo -k "$k" -F depends xen-gntdev 2>/dev/null)
	[ "$f" = "xen-gntcore" ] && ok "xen-gntdev depends on xen-gntcore for $k" || nok "xen-gntdev depends on xen-gntcore for $k # depends=$f"
	if make -s dkms-uninstall >"$log" 2>&1; then ok "dkms uninstall for $k"; else nok "dkms uninstall for $k"; fi
	bad=""
	for m in xen-gntdev xen-gntalloc; do
		f=$(modinfo -k "$k" -F filename "$m" 2>/dev/null)
		case "$f" in */kernel/drivers/xen/*) ;; *) bad="$bad $m:$f";; esac
	done
	[ -z "$bad" ] && ok "in-tree modules restored for $k" || nok "in-tree modules restored for $k #$bad"
	rm -f "$log"
done
echo "# dkms: $((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
