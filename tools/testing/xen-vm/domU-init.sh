#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the PV domU (busybox).  Everything it reports goes to its
# console, which xenconsoled in dom0 logs to guest-NAME.log; a report is
# framed by "@@BEGIN domU/FILE" and "@@END domU/FILE" lines so that dom0 can
# cut it out exactly.  Lines starting "@@xen-vm: " are progress for the host.
#
#  1. load the modules listed in /etc/xen-vm/modules  -> setup.tap
#  2. MODE=check: run every program in /selftests/progs, no peer -> PROG.tap
#  3. start /selftests/xen_gnt_peer if present, with XEN_GNT_PEER_RELOAD
#     naming /tmp/reload-grant-modules (loads the grant modules of step 1
#     that are not loaded: the agent's "reload" verb, after its "unload");
#     write data/xen-gnt-ready
#  4. serve dom0's commands from data/xen-gnt-cmd ("SEQ VERB ARGS"),
#     answering in data/xen-gnt-ack ("SEQ RC TEXT"):
#       vchan-client PEER PATH BYTES TXSEED RXSEED LIMIT
#       vchan-server PEER PATH STATEPATH BYTES TXSEED RXSEED LIMIT
#       qdisk DEV BYTES MD5 WOFF_MIB WLEN_MIB
#       fuzz SECONDS SEED
#       finish: stop the peer agent, check the leak counters and (debug
#               kernels) kmemleak, rmmod, print real-clients.tap,
#               teardown.tap, kmemleak.txt, dmesg.txt
#
# From the kernel command line: xenvm_mode, xenvm_modules, xenvm_tt.

/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/lib/xen-4.17/bin
mode=${xenvm_mode:-check}
modules=${xenvm_modules:-intree}
tt=${xenvm_tt:-120}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug

say() { echo "@@xen-vm: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

# tap FILE ok|fail|skip DESCRIPTION [DIAGNOSTIC]
tap() {
	n=$(( $(cat "$1.n" 2>/dev/null || echo 0) + 1 ))
	echo $n > "$1.n"
	[ -n "${4:-}" ] && echo "# $4" >> "$1"
	case $2 in
	ok) echo "ok $n $3" ;;
	skip) echo "ok $n $3 # SKIP" ;;
	*) echo "not ok $n $3" ;;
	esac >> "$1"
}
tap_end() {
	n=$(cat "$1.n" 2>/dev/null || echo 0)
	[ "$n" -gt 0 ] && echo "1..$n" >> "$1"
	return 0
}
frame() { # NAME FILE
	echo "@@BEGIN domU/$1"
	cat "$2"
	echo "@@END domU/$1"
}

SETUP=/tmp/setup.tap
REAL=/tmp/real-clients.tap
TEARDOWN=/tmp/teardown.tap
say "init running at $(uptime_s) s (mode $mode, $modules grant modules)"

# 1. modules
while read -r m; do
	[ -n "$m" ] || continue
	if insmod "/lib/modules/$m"; then
		tap $SETUP ok "domU: insmod $m"
	else
		tap $SETUP fail "domU: insmod $m"
	fi
done < /etc/xen-vm/modules
for d in gntdev gntalloc evtchn privcmd xenbus; do
	if [ -c /dev/xen/$d ]; then
		tap $SETUP ok "domU: /dev/xen/$d exists"
	else
		tap $SETUP fail "domU: /dev/xen/$d exists"
	fi
done
tap_end $SETUP
frame setup.tap $SETUP

# 2. selftests without a peer
if [ "$mode" = check ]; then
	progs=$(cat /selftests/progs 2>/dev/null)
	set -- $progs
	say "running $# test programs"
	for p in $progs; do
		t0=$(cut -d. -f1 /proc/uptime)
		echo "@@BEGIN domU/$p.tap"
		(cd /selftests && timeout -k 5 "$tt" "./$p" 2>&1 < /dev/null)
		rc=$?
		t1=$(cut -d. -f1 /proc/uptime)
		printf '\n# xen-vm: exit=%d\n' $rc
		if [ $rc -ge 128 ] && [ $((t1 - t0)) -ge "$tt" ]; then
			echo "# xen-vm: timeout after $tt s"
		fi
		echo "@@END domU/$p.tap"
		say "$p exit $rc ($((t1 - t0)) s)"
	done
fi

# 3. peer agent, then ready
# The agent's "reload": the grant modules again, in the order of step 1.
cat > /tmp/reload-grant-modules <<'EOF'
#!/bin/sh
rc=0
while read -r m; do
	n=$(basename "$m" .ko | tr - _)
	grep -qx "$n" /etc/xen-vm/grant-modules || continue
	[ -e "/sys/module/$n/initstate" ] && continue
	insmod "/lib/modules/$m" || rc=1
done < /etc/xen-vm/modules
exit $rc
EOF
chmod 755 /tmp/reload-grant-modules
# MODE=bench: dom0 asks the agent for 4096 pages (gntalloc's default
# limit is 1024).
if [ "$mode" = bench ]; then
	echo 65536 > /sys/module/xen_gntalloc/parameters/limit ||
		say "cannot raise xen_gntalloc's page limit"
fi
PEER=
if [ "$mode" != demo ] && [ -x /selftests/xen_gnt_peer ]; then
	XEN_GNT_PEER_RELOAD=/tmp/reload-grant-modules \
		/selftests/xen_gnt_peer > /tmp/peer.log 2>&1 < /dev/null &
	PEER=$!
	say "peer agent started (pid $PEER)"
fi
xenstore-write data/xen-gnt-ready ready || say "cannot write data/xen-gnt-ready"

# 4. commands
field() { # NAME LINE
	for w in $2; do
		case $w in "$1="*) echo "${w#*=}"; return ;; esac
	done
}

vchan_client() { # PEER PATH BYTES TXSEED RXSEED LIMIT
	rm -f /tmp/c.sock
	vchan-socket-proxy -m client "$1" "$2" /tmp/c.sock > /tmp/c.proxy 2>&1 &
	pp=$!
	vchan-xfer connect /tmp/c.sock "$3" "$4" "$5" --closer --timeout "$6" \
		> /tmp/c.out 2> /tmp/c.err
	vchan_done $? c "vchan client" "of dom0's server, $3 bytes each way"
}

# vchan_done RC TAG NAME WHAT: the end of either side: stop the proxy ($pp),
# record the helper's last line (/tmp/TAG.out) as a TAP result and the ack.
vchan_done() {
	rc=$1
	kill $pp 2>/dev/null
	wait $pp 2>/dev/null
	line=$(tail -n1 "/tmp/$2.out")
	[ -n "$line" ] || line="no result: $(tr '\n' ' ' < "/tmp/$2.err") $(tr '\n' ' ' < "/tmp/$2.proxy")"
	if [ "$rc" = 0 ]; then r=ok; else r=fail; fi
	tap $REAL $r "domU: $3 $4" "$line"
	say "$3: exit $rc: $line"
	ack="$rc $line"
}

vchan_server() { # PEER PATH STATEPATH BYTES TXSEED RXSEED LIMIT
	rm -f /tmp/s.sock
	vchan-xfer listen /tmp/s.sock "$4" "$5" "$6" --timeout "$7" \
		> /tmp/s.out 2> /tmp/s.err &
	xp=$!
	i=0
	while [ ! -S /tmp/s.sock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	vchan-socket-proxy -m server -s "$3" "$1" "$2" /tmp/s.sock > /tmp/s.proxy 2>&1 &
	pp=$!
	wait $xp
	vchan_done $? s "vchan server" "for dom0's client, $4 bytes each way"
}

# The disk qemu's qdisk backend serves: read all of it, write a random
# region, read that back past the page cache.  The checksums go back to
# dom0, which compares them with its image.
qdisk() { # DEV BYTES SUM WOFF_MIB WLEN_MIB
	dev=/dev/$1
	i=0
	while [ ! -b "$dev" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	if [ ! -b "$dev" ]; then
		tap $REAL fail "domU: qdisk: $dev appears"
		ack="1 no $dev after 60 s"
		return
	fi
	size=$(( $(cat "/sys/block/$1/size") * 512 ))
	rsum=$(md5sum < "$dev" | cut -d' ' -f1)
	head -c $(($5 << 20)) /dev/urandom > /tmp/qdisk.w
	wsum=$(md5sum < /tmp/qdisk.w | cut -d' ' -f1)
	dd if=/tmp/qdisk.w of="$dev" bs=1M seek="$4" conv=fsync 2> /tmp/qdisk.err
	wrc=$?
	rm -f /tmp/qdisk.w
	sync
	echo 3 > /proc/sys/vm/drop_caches
	blockdev --flushbufs "$dev"
	bsum=$(dd if="$dev" bs=1M skip="$4" count="$5" 2>/dev/null | md5sum | cut -d' ' -f1)
	rc=0
	if [ "$size" = "$2" ] && [ "$rsum" = "$3" ]; then
		tap $REAL ok "domU: qdisk: read $size bytes, checksum equal to dom0's"
	else
		tap $REAL fail "domU: qdisk: read $size bytes, checksum equal to dom0's" \
			"size $size (want $2), sum $rsum (want $3)"
		rc=1
	fi
	if [ $wrc = 0 ] && [ "$bsum" = "$wsum" ]; then
		tap $REAL ok "domU: qdisk: wrote $5 MiB at $4 MiB, read back equal"
	else
		tap $REAL fail "domU: qdisk: wrote $5 MiB at $4 MiB, read back equal" \
			"dd exit $wrc: $(tr '\n' ' ' < /tmp/qdisk.err); wrote $wsum, read back $bsum"
		rc=1
	fi
	ack="$rc size=$size read_sum=$rsum written_sum=$wsum readback_sum=$bsum"
	say "qdisk: $ack"
}

# gntfuzz on this domain's own devices (self grants to our domid).
fuzz() { # SECONDS SEED [THREADS [STALL_PERCENT]]
	self=$(xenstore-read domid 2>/dev/null)
	start=$(cut -d. -f1 /proc/uptime)
	timeout -k 10 $(($1 + 120)) gntfuzz --seed "$2" --seconds "$1" \
		--threads "${3:-3}" --stall-percent "${4:-10}" \
		--domid "${self:-0}" --log /tmp/gntfuzz.log > /tmp/gntfuzz.out 2>&1
	rc=$?
	secs=$(( $(cut -d. -f1 /proc/uptime) - start ))
	summary=$(grep '^summary:' /tmp/gntfuzz.out | tail -n1)
	tail -n 200 /tmp/gntfuzz.log > /tmp/gntfuzz-ops-tail.log
	rm -f /tmp/gntfuzz.log
	if [ $rc = 0 ] && [ -n "$summary" ]; then
		tap $REAL ok "domU: gntfuzz seed $2 ran $secs s, no invariant broken" "$summary"
	else
		tap $REAL fail "domU: gntfuzz seed $2 (exit $rc after $secs s)" "${summary:-no summary line}"
		frame gntfuzz-ops-tail.log /tmp/gntfuzz-ops-tail.log
	fi
	frame gntfuzz.out /tmp/gntfuzz.out
	ack="$rc ${summary:-no summary} ($secs s)"
}

check_counters() {
	files=$(ls /sys/kernel/debug/xen-gnt/*/stats 2>/dev/null)
	if [ -z "$files" ]; then
		tap $TEARDOWN fail "domU: leak counters zero" "no /sys/kernel/debug/xen-gnt/*/stats file"
		return
	fi
	end=$(( $(cut -d. -f1 /proc/uptime) + 10 ))
	while :; do
		bad=$(awk '$1 ~ /^(live_|pending_)/ && $2 != 0 { print FILENAME ": " $1 " " $2 }' $files)
		[ -z "$bad" ] && break
		[ "$(cut -d. -f1 /proc/uptime)" -ge $end ] && break
		sleep 0.5
	done
	for f in $files; do echo "== $f"; cat "$f"; done > /tmp/counters.txt
	if [ -z "$bad" ]; then
		tap $TEARDOWN ok "domU: leak counters zero (live_*, pending_*)"
	else
		echo "$bad" | sed 's/^/# /' >> $TEARDOWN
		tap $TEARDOWN fail "domU: leak counters zero (live_*, pending_*)"
	fi
	frame counters.txt /tmp/counters.txt
}

# Debug kernels only (CONFIG_DEBUG_KMEMLEAK): unreferenced objects with a
# frame in a grant module fail teardown.tap; the check is kmemleak.sh,
# shared with dom0.  The whole report: domU/kmemleak.txt.
check_kmemleak() {
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	name="domU: kmemleak: no leak in the grant modules"
	timeout -k 5 600 sh /etc/xen-vm/kmemleak.sh /tmp/kmemleak.txt /tmp/kmemleak.sum
	rc=$?
	case $rc in
	0)
		tap $TEARDOWN ok "$name" \
			"$(cat /tmp/kmemleak.sum) unreferenced object(s) elsewhere in the kernel, see domU/kmemleak.txt"
		;;
	1)
		head -n 40 /tmp/kmemleak.sum | sed 's/^/# /' >> $TEARDOWN
		tap $TEARDOWN fail "$name"
		;;
	*)
		tap $TEARDOWN fail "$name" \
			"kmemleak.sh exit $rc: $(cat /tmp/kmemleak.sum 2>/dev/null || echo 'timed out?')"
		;;
	esac
	if [ -f /tmp/kmemleak.txt ]; then
		head -n 2000 /tmp/kmemleak.txt > /tmp/kmemleak.out
		[ "$(wc -l < /tmp/kmemleak.txt)" -gt 2000 ] &&
			echo "(cut at 2000 lines)" >> /tmp/kmemleak.out
		frame kmemleak.txt /tmp/kmemleak.out
	fi
}

finish() {
	if [ -n "$PEER" ]; then
		kill "$PEER" 2>/dev/null
		i=0
		while kill -0 "$PEER" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		if kill -0 "$PEER" 2>/dev/null; then
			kill -9 "$PEER"
			tap $TEARDOWN fail "domU: peer agent exits on SIGTERM within 10 s"
		else
			tap $TEARDOWN ok "domU: peer agent exits on SIGTERM within 10 s"
		fi
		wait "$PEER" 2>/dev/null
		frame xen_gnt_peer.log /tmp/peer.log
	fi
	if [ "$modules" = ours ]; then
		check_counters
	else
		tap $TEARDOWN skip "domU: leak counters zero (in-tree modules have none)"
	fi
	check_kmemleak	# debug kernels only, before rmmod
	for m in $(tac /etc/xen-vm/grant-modules); do
		if rmmod "$m"; then
			tap $TEARDOWN ok "domU: rmmod $m"
		else
			tap $TEARDOWN fail "domU: rmmod $m"
		fi
	done
	tap_end $REAL
	tap_end $TEARDOWN
	[ -f $REAL ] && frame real-clients.tap $REAL
	frame teardown.tap $TEARDOWN
	# The whole log is slow to print on the console: only warnings and
	# worse, unless something went wrong.
	if dmesg | grep -qE 'BUG:|WARNING:|Oops|general protection|Call Trace' ||
	   grep -q '^not ok' /tmp/*.tap 2>/dev/null; then
		dmesg > /tmp/dmesg.txt
	else
		echo "(kernel messages of level warning and above only)" > /tmp/dmesg.txt
		dmesg -r | grep '^<[0-4]>' >> /tmp/dmesg.txt
	fi
	frame dmesg.txt /tmp/dmesg.txt
	ack="0 finished"
}

last=
while :; do
	cmd=$(xenstore-read data/xen-gnt-cmd 2>/dev/null)
	if [ -n "$cmd" ] && [ "$cmd" != "$last" ]; then
		last=$cmd
		set -- $cmd
		seq=$1
		verb=$2
		shift 2
		ack="1 unknown command $verb"
		case $verb in
		vchan-client) vchan_client "$@" ;;
		vchan-server) vchan_server "$@" ;;
		qdisk) qdisk "$@" ;;
		fuzz) fuzz "$@" ;;
		finish) finish ;;
		esac
		xenstore-write data/xen-gnt-ack "$seq $ack"
		[ "$verb" = finish ] && break
	fi
	sleep 0.2
done
say "finished"
while :; do sleep 60; done
