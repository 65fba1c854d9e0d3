#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kmemleak.sh REPORT SUMMARY: the kmemleak check of the grant modules,
# shared by dom0 (dom0-init.sh) and the domU (domU-init.sh, busybox), so
# plain sh and awk.
#
# Debug kernels only (CONFIG_DEBUG_KMEMLEAK, make check-debug): without
# /sys/kernel/debug/kmemleak it does nothing and exits 3.  To be run once
# everything that used the grant devices is gone, but before rmmod: a
# leaked object's backtrace names a module only while it is loaded.  Two
# scans, each once kmemleak's minimum object age (5 s) has passed
# (kmemleak's advice against transient false positives); then the whole
# report goes to REPORT and a summary to SUMMARY.
#
# Exit 0: no unreferenced object has a frame in xen_gntcore, xen_gntdev or
#         xen_gntalloc; SUMMARY holds the number of other unreferenced
#         objects (the kernel's own, from boot, ...: information only).
# Exit 1: such objects exist; SUMMARY lists each ("unreferenced object
#         0x... (size N)"), followed by its frames in those modules,
#         indented.
# Exit 2: a scan failed (kmemleak disables itself after an internal
#         error); SUMMARY says which.
# Exit 3: this kernel has no kmemleak.

KMEMLEAK=/sys/kernel/debug/kmemleak
rep=$1
sum=$2

[ -e $KMEMLEAK ] || exit 3
for i in 1 2; do
	sleep 6
	if ! echo scan > $KMEMLEAK; then
		echo "scan $i: 'echo scan > $KMEMLEAK' failed: kmemleak disabled? (see the kernel log)" > "$sum"
		exit 2
	fi
done
cat $KMEMLEAK > "$rep" 2>&1
awk '
	/^unreferenced object/ { obj = $0; sub(/:$/, "", obj); hit = 0; next }
	/\[xen_gnt(core|dev|alloc)\]/ {
		f = $0; sub(/^ *\[<[0-9a-f]+>\] */, "", f)
		if (!hit) { print obj; hit = 1 }
		print "    " f
	}' "$rep" > "$sum"
[ -s "$sum" ] && exit 1
grep -c '^unreferenced object' "$rep" > "$sum"
exit 0
