#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test sequence in dom0.  Runs as PID 1 in a chroot of the host's root
# file system (read-only 9p, tmpfs over the writable directories), started
# by dom0-stage1.sh.  $1 is this kernel's result folder, the read-write 9p
# share mounted at the same path as on the host; run.sh put this script,
# lib.sh, config.sh and every other input of the boot in its inputs/.  Every step runs under a timeout; whatever happens, the script ends
# by writing its verdict to I/O port 0xf4 (QEMU isa-debug-exit):
# 0 = every check passed, 1 = something failed.
#
# Sequence (MODE=check):
#  1. load xen-evtchn, xen-privcmd, xenfs, then the grant modules
#  2. start xenstored, xenconsoled, xen-init-dom0
#  3. create the PV domU; relay its console to ours; wait until it wrote
#     data/xen-gnt-ready (it has run its own tests and started the peer agent)
#  4. run every selftest program with XEN_GNT_PEER_DOMID=<domU>, and
#     XG_FILE_DIR=<an ext4 file system on a loop device>
#  5. real clients: xenstored/xenconsoled alive, vchan-socket-proxy both
#     ways, qemu's qdisk backend serving the domU's disk; then a second
#     domU that peer_destroy_test destroys while pages are mapped both ways,
#     and a third whose grant modules unload_handoff_test unloads while
#     dom0 maps its pages
#  6. tell the domU to finish (it checks its own counters), collect its
#     output from the console log, xl destroy, stop the daemons, check our
#     leak counters, rmmod the grant modules, save dmesg, verdict.
# MODE=demo and MODE=fuzz reuse 1-3 and 6. MODE=bench: 1, then (unless
# BENCH_PEER=0) 2-3 with a domU that grants dom0 BENCH_PEER_PAGES pages,
# after which the domU is paused and the daemons stopped (nothing may
# hold the grant devices while the benchmark swaps the modules); then
# BENCH_CMD, and 6 without the parts that need xenstore.

set -u
RES=$1
# shellcheck source=/dev/null
. "$RES/inputs/config.sh"
# shellcheck source=lib.sh
. "$VMDIR/lib.sh"

export PATH=$XENBIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LC_ALL=C
umask 022

D0=$RES/dom0
DU=$RES/domU
mkdir -p "$D0" "$DU" /run/xen-vm
exec >>"$D0/init.log" 2>&1
SETUP=$D0/setup.tap
REAL=$D0/real-clients.tap
TEARDOWN=$D0/teardown.tap
DOMU_NAME=gnt-peer
GUESTLOG=/var/log/xen/console/guest-$DOMU_NAME.log
DOMID=
RELAY=
XSD_PID=
XCD_PID=
SEQ=0
T_START=$SECONDS
# vchan transfers: the helpers give up after VCHAN_IDLE s without progress;
# dom0 stops waiting for one after VCHAN_CAP s in all.
VCHAN_IDLE=60
VCHAN_CAP=900

say() {
	echo "@@xen-vm: $*" > /dev/console
	echo "$(date +%T) $*"
}
note_fail() {
	echo "FAIL: $*" >> "$RES/notes.txt"
	say "FAIL: $*"
}

# step NAME SECONDS CMD...: run CMD under a timeout, record a timeout.
step() {
	local name=$1 secs=$2 rc
	shift 2
	echo "$(date +%T) + [$name] $*"
	timeout -k 5 "$secs" "$@"
	rc=$?
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "dom0: $name (limit $secs s)" >> "$RES/timeouts.txt"
		say "TIMEOUT: $name after $secs s"
	fi
	return $rc
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

xs_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }
domain_alive() { [ -n "$1" ] && xl list "$1" >/dev/null 2>&1; }
domu_alive() { domain_alive "$DOMID"; }

# ---------------------------------------------------------------- modules
grant_modules() {
	if [ "$MODULES" = ours ]; then
		echo xen-gntcore xen-gntdev xen-gntalloc
	else
		echo xen-gntdev xen-gntalloc
	fi
}
grant_module_file() {
	if [ "$MODULES" = ours ]; then
		echo "$OURS_DIR/$1.ko"
	else
		ls "/lib/modules/$KVER/kernel/drivers/xen/$1".ko* 2>/dev/null | head -n1
	fi
}

load_modules() {
	local m f
	for m in xen-evtchn xen-privcmd xenfs; do
		if step "modprobe $m" 120 modprobe "$m"; then
			tap_result "$SETUP" ok "dom0: load $m"
		else
			tap_result "$SETUP" fail "dom0: load $m"
			return 1
		fi
	done
	mount -t xenfs xenfs /proc/xen
	for m in $(grant_modules); do
		f=$(grant_module_file "$m")
		if [ -n "$f" ] && step "insmod $m" 120 insmod "$f"; then
			tap_result "$SETUP" ok "dom0: load $m ($MODULES)" "$f"
		else
			tap_result "$SETUP" fail "dom0: load $m ($MODULES)" "file: ${f:-not found}"
			return 1
		fi
	done
	describe_modules > "$D0/modules.txt"
	cat "$D0/modules.txt"
}

# One line per grant module: where it came from and proof it is the one
# running (srcversion of the file == /sys/module/NAME/srcversion).
describe_modules() {
	local m f name ver src live taint
	for m in $(grant_modules); do
		f=$(grant_module_file "$m")
		name=${m//-/_}
		ver=$(modinfo -F version "$f" 2>/dev/null)
		src=$(modinfo -F srcversion "$f" 2>/dev/null)
		live=$(cat "/sys/module/$name/srcversion" 2>/dev/null)
		taint=$(cat "/sys/module/$name/taint" 2>/dev/null)
		echo "$name: file=$f version=${ver:--} srcversion=${src:--}" \
			"loaded_srcversion=${live:--} taint=${taint:--}"
	done
}

# ---------------------------------------------------------------- toolstack
start_toolstack() {
	mkdir -p /run/xen /run/xenstored /run/lock /var/lib/xen /var/log/xen/console
	if step xenstored 60 "$XENBIN/xenstored" --pid-file /run/xenstored.pid &&
	   wait_until 30 test -s /run/xenstored.pid; then
		XSD_PID=$(cat /run/xenstored.pid)
		tap_result "$SETUP" ok "dom0: xenstored started"
	else
		tap_result "$SETUP" fail "dom0: xenstored started"
		return 1
	fi
	if step xenconsoled 60 "$XENBIN/xenconsoled" --pid-file=/run/xenconsoled.pid \
		--log=guest --log-dir=/var/log/xen/console &&
	   wait_until 30 test -s /run/xenconsoled.pid; then
		XCD_PID=$(cat /run/xenconsoled.pid)
		tap_result "$SETUP" ok "dom0: xenconsoled started"
	else
		tap_result "$SETUP" fail "dom0: xenconsoled started"
		return 1
	fi
	if step xen-init-dom0 120 "$XENBIN/xen-init-dom0"; then
		tap_result "$SETUP" ok "dom0: xen-init-dom0"
	else
		tap_result "$SETUP" fail "dom0: xen-init-dom0"
		return 1
	fi
}

# ---------------------------------------------------------------- domU
# domu_cfg NAME MODE MEMORY [DISK]: an xl config for a PV domU that boots
# our domU kernel and initramfs (domU-init.sh, in MODE).
domu_cfg() {
	cat <<-EOF
	name = "$1"
	kernel = "$DOMU_KERNEL"
	ramdisk = "$DOMU_INITRD"
	extra = "console=hvc0 panic=-1 loglevel=5${KERNEL_EXTRA_ARGS:+ $KERNEL_EXTRA_ARGS} xenvm_mode=$2 xenvm_modules=$MODULES xenvm_tt=$TEST_TIMEOUT"
	memory = $3
	vcpus = 1
	on_crash = "destroy"
	on_reboot = "destroy"
	EOF
	# x86: pv (pvh for the PVH extra); Arm has one guest type, no type=.
	[ -n "${DOMU_TYPE:-$GUEST_TYPE}" ] && echo "type = \"${DOMU_TYPE:-$GUEST_TYPE}\""
	[ -n "${4:-}" ] && echo "disk = [ '$4' ]"
	return 0
}

# boot_domu NAME MODE MEMORY [DISK]: xl create, then wait for the domU's
# data/xen-gnt-ready key.  Sets BOOTED_DOMID; TAP results in $SETUP.
boot_domu() {
	local name=$1 t0 cfg=/run/xen-vm/$1.cfg id
	BOOTED_DOMID=
	domu_cfg "$@" > "$cfg"
	t0=$SECONDS
	say "creating domU $name"
	if step "xl create $name" 300 xl create "$cfg"; then
		id=$(xl domid "$name")
		tap_result "$SETUP" ok "dom0: xl create $name (domid $id)"
	else
		tap_result "$SETUP" fail "dom0: xl create $name"
		return 1
	fi
	say "domU $name created (domid $id) in $((SECONDS - t0)) s"
	wait_until "$DOMU_READY_TIMEOUT" domu_ready "$id"
	if xs_is "/local/domain/$id/data/xen-gnt-ready" ready; then
		tap_result "$SETUP" ok "dom0: domU $name ready"
		say "domU $name ready after $((SECONDS - t0)) s"
		BOOTED_DOMID=$id
		return 0
	fi
	if domain_alive "$id"; then
		echo "dom0: waiting for domU $name ready (limit $DOMU_READY_TIMEOUT s)" \
			>> "$RES/timeouts.txt"
		tap_result "$SETUP" fail "dom0: domU $name ready" "timed out"
	else
		tap_result "$SETUP" fail "dom0: domU $name ready" "the domU died"
	fi
	say "domU $name not ready after $((SECONDS - t0)) s"
	return 1
}

create_domu() {
	local disk=
	if [ "$MODE" = check ] && [ "$QDISK" = 1 ]; then
		qdisk_prepare && disk=$QDISK_CFG
	fi
	setsid bash -c 'exec tail -n +1 -F "$1" 2>/dev/null |
		sed -u -e "s/\r//g" -e "s/^/[domU] /" > /dev/console' _ "$GUESTLOG" &
	RELAY=$!
	boot_domu "$DOMU_NAME" "$MODE" 256 $disk
	DOMID=$(xl domid "$DOMU_NAME" 2>/dev/null)
	[ -n "$BOOTED_DOMID" ]
}
domu_ready() { # DOMID
	xs_is "/local/domain/$1/data/xen-gnt-ready" ready && return 0
	domain_alive "$1" || return 0	# gone: stop waiting, the caller sees it
	return 1
}

# domu_cmd VERB ARGS...: post a command to the domU's command loop.
domu_cmd() {
	SEQ=$((SEQ + 1))
	xenstore-write "/local/domain/$DOMID/data/xen-gnt-cmd" "$SEQ $*"
}
# domu_ack SECONDS: wait for the answer to the last command, print it.
domu_ack() {
	local end=$((SECONDS + $1)) a
	while :; do
		a=$(xenstore-read "/local/domain/$DOMID/data/xen-gnt-ack" 2>/dev/null)
		case $a in "$SEQ "*) echo "${a#"$SEQ "}"; return 0 ;; esac
		[ $SECONDS -ge $end ] && return 1
		domu_alive || return 1
		sleep 0.2
	done
}

# ---------------------------------------------------------------- ext4
# A file system with write-back for the selftests: a small ext4 on a loop
# device, its image in dom0's tmpfs, mounted before the programs run and
# passed to them as XG_FILE_DIR (regress_test's grant_copy_dirty_file_pages
# needs one: on tmpfs or 9p a page that is never marked dirty still reads
# back right, on ext4 it is dropped from the cache and read from the disk).
FS_IMG=/run/xen-vm/xg-ext4.img
FS_DIR=/run/xen-vm/xg-ext4
FS_MIB=32
FS_LOOP=
fs_setup() {
	local log=/run/xen-vm/xg-ext4.log what
	: > "$log"
	if what="modprobe loop" && step "$what" 60 modprobe loop >> "$log" 2>&1 &&
	   what="modprobe ext4" && step "$what" 60 modprobe ext4 >> "$log" 2>&1 &&
	   what="image" && truncate -s "${FS_MIB}M" "$FS_IMG" >> "$log" 2>&1 &&
	   what="mkfs.ext4" && step "$what" 120 mkfs.ext4 -q -F -b 4096 "$FS_IMG" >> "$log" 2>&1 &&
	   what="losetup" && FS_LOOP=$(losetup -f --show "$FS_IMG" 2>> "$log") &&
	   what="mount" && mkdir -p "$FS_DIR" &&
	   mount -t ext4 "$FS_LOOP" "$FS_DIR" >> "$log" 2>&1; then
		export XG_FILE_DIR=$FS_DIR
		tap_result "$SETUP" ok "dom0: ext4 file system for the selftests" \
			"$FS_MIB MiB on $FS_LOOP at $FS_DIR (XG_FILE_DIR)"
		say "dom0: ext4 on $FS_LOOP at $FS_DIR for the selftests (XG_FILE_DIR)"
		return 0
	fi
	tap_result "$SETUP" fail "dom0: ext4 file system for the selftests" \
		"$what failed: $(grep -v ' + \[' "$log" | tail -n 3 | tr '\n' ' ')"
	fs_cleanup
	return 1
}
fs_cleanup() {
	local res=ok log=/run/xen-vm/xg-ext4.log
	unset XG_FILE_DIR
	if mountpoint -q "$FS_DIR"; then
		step "umount $FS_DIR" 60 umount "$FS_DIR" >> "$log" 2>&1 || res=fail
	fi
	if [ -n "$FS_LOOP" ]; then
		losetup -d "$FS_LOOP" >> "$log" 2>&1 || res=fail
		if [ $res = ok ]; then
			tap_result "$TEARDOWN" ok "dom0: ext4 test file system unmounted, $FS_LOOP detached"
		else
			tap_result "$TEARDOWN" fail "dom0: ext4 test file system unmounted, $FS_LOOP detached" \
				"$(grep -v ' + \[' "$log" | tail -n 3 | tr '\n' ' ')"
		fi
		FS_LOOP=
	fi
	rm -f "$FS_IMG"
}

# ---------------------------------------------------------------- tests
# run_prog PROG VAR=VALUE: run one selftest program in dom0 with VAR set,
# its output to $D0/PROG.tap with the runner's exit/timeout lines.
run_prog() {
	local prog=$1 env=$2 out=$D0/$1.tap rc t0=$SECONDS
	(cd "$SELFTEST_BIN" && env "$env" timeout -k 5 "$TEST_TIMEOUT" "./$prog") \
		> "$out" 2>&1 < /dev/null
	rc=$?
	printf '\n# xen-vm: exit=%d\n' $rc >> "$out"
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "# xen-vm: timeout after $TEST_TIMEOUT s" >> "$out"
	fi
	say "dom0: $prog: $(tap_count "$out" | head -n1 |
		awk '{print $1 " passed, " $2 " failed, " $3 " skipped"}')" \
		"($((SECONDS - t0)) s)"
}

run_programs() {
	local prog n=0
	for prog in $PROGS; do n=$((n + 1)); done
	[ $n = 0 ] && { say "no selftest programs to run in dom0"; return 0; }
	say "dom0: running $n test programs (peer domid $DOMID)"
	for prog in $PROGS; do
		run_prog "$prog" "XEN_GNT_PEER_DOMID=$DOMID"
	done
}

field() { # field NAME LINE
	local w
	for w in $2; do
		case $w in "$1="*) echo "${w#*=}"; return ;; esac
	done
}

# judge_vchan LABEL BYTES DOM0_RC DOM0_LINE DOMU_RC DOMU_LINE
# Two TAP results: dom0->domU and domU->dom0 data.
judge_vchan() {
	local label=$1 bytes=$2 rc0=$3 l0=$4 rcu=$5 lu=$6 res
	local mib=$((bytes / 1048576))
	res=fail
	if [ "$rc0" = 0 ] && [ "$rcu" = 0 ] &&
	   [ "$(field sent "$l0")" = "$bytes" ] &&
	   [ "$(field received "$lu")" = "$bytes" ] &&
	   [ "$(field rx_ok "$lu")" = yes ] &&
	   [ "$(field tx_sum "$l0")" = "$(field rx_sum "$lu")" ]; then
		res=ok
	fi
	tap_result "$REAL" $res "vchan $label: dom0->domU $mib MiB, checksum equal on both sides" \
		"dom0 (exit $rc0): $l0" "domU (exit $rcu): $lu"
	say "vchan $label: dom0->domU $mib MiB: $res, sum $(field tx_sum "$l0") / $(field rx_sum "$lu")," \
		"$(field secs "$lu") s in the domU"
	res=fail
	if [ "$rc0" = 0 ] && [ "$rcu" = 0 ] &&
	   [ "$(field sent "$lu")" = "$bytes" ] &&
	   [ "$(field received "$l0")" = "$bytes" ] &&
	   [ "$(field rx_ok "$l0")" = yes ] &&
	   [ "$(field tx_sum "$lu")" = "$(field rx_sum "$l0")" ]; then
		res=ok
	fi
	tap_result "$REAL" $res "vchan $label: domU->dom0 $mib MiB, checksum equal on both sides"
	say "vchan $label: domU->dom0 $mib MiB: $res, sum $(field tx_sum "$lu") / $(field rx_sum "$l0")," \
		"both ways $(field 'MiB/s' "$l0") MiB/s in dom0"
}

# wait_pid PID SECONDS: wait for a background child with a time limit.
wait_pid() {
	local pid=$1 end=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		if [ $SECONDS -ge $end ]; then
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 124
		fi
		sleep 0.2
	done
	wait "$pid"
}

# vchan_finish TAG LABEL DOMU_CMD XPID PPID BYTES: the end of a vchan
# transfer in either direction: wait for dom0's side (XPID), stop the
# proxy (PPID), collect the domU's answer to DOMU_CMD, and judge both.
vchan_finish() {
	local tag=$1 label=$2 cmd=$3 xpid=$4 ppid=$5 bytes=$6
	local rc0 rcu ack l0 lu

	wait_pid "$xpid" $VCHAN_CAP
	rc0=$?
	[ $rc0 = 124 ] && echo "dom0: vchan transfer, $label (limit $VCHAN_CAP s)" >> "$RES/timeouts.txt"
	kill "$ppid" 2>/dev/null
	wait "$ppid" 2>/dev/null
	if ack=$(domu_ack 120); then
		rcu=${ack%% *}
		lu=${ack#* }
	else
		rcu=timeout
		lu="no answer from the domU"
		echo "dom0: domU answer to $cmd (limit 120 s)" >> "$RES/timeouts.txt"
	fi
	l0=$(tail -n1 "/run/xen-vm/$tag.out")
	[ -s "/run/xen-vm/$tag.err" ] && cat "/run/xen-vm/$tag.err" "/run/xen-vm/$tag.proxy"
	judge_vchan "$label" "$bytes" "$rc0" "$l0" "$rcu" "$lu"
}

# dom0 is the vchan server (gntalloc side in dom0), the domU the client.
vchan_dom0_server() {
	local bytes=$1 path=/local/domain/0/data/xen-vm-vchan-a
	local state=/local/domain/$DOMID/data/vchan-a-state sock=/run/xen-vm/a.sock
	local xpid ppid
	local limit=$VCHAN_IDLE

	xenstore-rm "$state" 2>/dev/null
	rm -f "$sock"
	"$VCHAN_XFER" listen "$sock" "$bytes" 0xa1 0xa2 --timeout "$limit" \
		> /run/xen-vm/a.out 2> /run/xen-vm/a.err &
	xpid=$!
	wait_until 10 test -S "$sock"
	"$XENBIN/vchan-socket-proxy" -m server -s "$state" "$DOMID" "$path" "$sock" \
		> /run/xen-vm/a.proxy 2>&1 &
	ppid=$!
	if ! wait_until 120 xs_is "$state" running; then
		echo "dom0: vchan-socket-proxy server start (limit 120 s)" >> "$RES/timeouts.txt"
	fi
	domu_cmd vchan-client 0 "$path" "$bytes" 0xa2 0xa1 "$limit"
	vchan_finish a "dom0 server/domU client" vchan-client $xpid $ppid "$bytes"
}

# The domU is the vchan server, dom0 the client (gntdev side in dom0).
vchan_domu_server() {
	local bytes=$1 path=/local/domain/$DOMID/data/xen-vm-vchan-b
	local state=/local/domain/$DOMID/data/vchan-b-state sock=/run/xen-vm/b.sock
	local xpid ppid
	local limit=$VCHAN_IDLE

	xenstore-rm "$state" 2>/dev/null
	rm -f "$sock"
	domu_cmd vchan-server 0 "$path" "$state" "$bytes" 0xb2 0xb1 "$limit"
	if ! wait_until 180 xs_is "$state" running; then
		echo "dom0: domU vchan server start (limit 180 s)" >> "$RES/timeouts.txt"
	fi
	"$XENBIN/vchan-socket-proxy" -m client "$DOMID" "$path" "$sock" \
		> /run/xen-vm/b.proxy 2>&1 &
	ppid=$!
	"$VCHAN_XFER" connect "$sock" "$bytes" 0xb1 0xb2 --closer --timeout "$limit" \
		> /run/xen-vm/b.out 2> /run/xen-vm/b.err &
	xpid=$!
	vchan_finish b "domU server/dom0 client" vchan-server $xpid $ppid "$bytes"
}

daemons_alive() { # LABEL
	if [ -n "$XSD_PID" ] && kill -0 "$XSD_PID" 2>/dev/null &&
	   step "xenstore-read ($1)" 60 xenstore-read /local/domain/0/name >/dev/null; then
		tap_result "$REAL" ok "xenstored alive and answering $1"
	else
		tap_result "$REAL" fail "xenstored alive and answering $1"
	fi
	if [ -n "$XCD_PID" ] && kill -0 "$XCD_PID" 2>/dev/null; then
		tap_result "$REAL" ok "xenconsoled alive $1"
	else
		tap_result "$REAL" fail "xenconsoled alive $1"
	fi
}

# ---------------------------------------------------------------- qdisk
# qemu's qdisk backend (the Xen PV block backend inside QEMU, started by xl
# for the domU) serves a raw image from dom0's tmpfs; it maps the domU's
# ring and copies the data with GRANT_COPY through our gntdev.  dom0 fills
# the image with random data; the domU reads all of it and writes a random
# region; both sides compare checksums.
QDISK_IMG=/var/lib/xen/xen-vm-disk.img
QDISK_MIB=16
QDISK_WOFF=8	# MiB: the domU writes QDISK_WLEN MiB at this offset
QDISK_WLEN=4
QDISK_CFG=
QDISK_SUM=
QDISK_HEAD_SUM=
QDISK_TAIL_SUM=

img_sum() { # SKIP_MIB COUNT_MIB: md5 of a region of the image
	dd if="$QDISK_IMG" bs=1M skip="$1" count="$2" 2>/dev/null | md5sum | cut -d' ' -f1
}

qdisk_prepare() {
	local tail_off=$((QDISK_WOFF + QDISK_WLEN))
	if ! head -c $((QDISK_MIB << 20)) /dev/urandom > "$QDISK_IMG"; then
		tap_result "$REAL" fail "qdisk: image of $QDISK_MIB MiB created in dom0"
		return 1
	fi
	QDISK_SUM=$(md5sum < "$QDISK_IMG" | cut -d' ' -f1)
	QDISK_HEAD_SUM=$(img_sum 0 "$QDISK_WOFF")
	QDISK_TAIL_SUM=$(img_sum "$tail_off" $((QDISK_MIB - tail_off)))
	QDISK_CFG="format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$QDISK_IMG"
}

# Sum of one counter over our debugfs stats files (0 if there are none).
our_stat() {
	cat /sys/kernel/debug/xen-gnt/*/stats 2>/dev/null |
		awk -v k="$1" '$1 == k { s += $2 } END { print s + 0 }'
}

qdisk_test() {
	local ack rc line copies0 copies dom0_w res tail_off=$((QDISK_WOFF + QDISK_WLEN))
	if [ "$QDISK" != 1 ]; then
		tap_result "$REAL" skip "qdisk: no qemu-system-xen in the $ARCH dom0's root (not packaged into it)"
		return 0
	fi
	[ -n "$QDISK_CFG" ] || return 0
	if pgrep -f "qemu-system-i386.*-xen-domid $DOMID" >/dev/null; then
		tap_result "$REAL" ok "qdisk: qemu runs as the domU's block backend"
	else
		tap_result "$REAL" fail "qdisk: qemu runs as the domU's block backend" \
			"$(ps -eo pid,args | grep '[q]emu' | head -n 3)"
	fi
	copies0=$(our_stat copy_ops)
	say "qdisk: the domU reads $QDISK_MIB MiB and writes $QDISK_WLEN MiB through qemu"
	domu_cmd qdisk xvda $((QDISK_MIB << 20)) "$QDISK_SUM" "$QDISK_WOFF" "$QDISK_WLEN"
	if ack=$(domu_ack 300); then
		rc=${ack%% *}
		line=${ack#* }
	else
		rc=timeout
		line="no answer from the domU"
		echo "dom0: domU answer to qdisk (limit 300 s)" >> "$RES/timeouts.txt"
	fi
	res=fail
	[ "$rc" = 0 ] && [ "$(field read_sum "$line")" = "$QDISK_SUM" ] && res=ok
	tap_result "$REAL" $res "qdisk: domU read $QDISK_MIB MiB, checksum equal to dom0's image" \
		"dom0 image: $QDISK_SUM" "domU (exit $rc): $line"
	dom0_w=$(img_sum "$QDISK_WOFF" "$QDISK_WLEN")
	res=fail
	[ "$rc" = 0 ] && [ "$(field written_sum "$line")" = "$dom0_w" ] &&
		[ "$(field readback_sum "$line")" = "$dom0_w" ] && res=ok
	tap_result "$REAL" $res "qdisk: domU wrote $QDISK_WLEN MiB, dom0's image and the domU's read-back have its checksum" \
		"dom0 image region: $dom0_w"
	res=fail
	[ "$(img_sum 0 "$QDISK_WOFF")" = "$QDISK_HEAD_SUM" ] &&
		[ "$(img_sum "$tail_off" $((QDISK_MIB - tail_off)))" = "$QDISK_TAIL_SUM" ] && res=ok
	tap_result "$REAL" $res "qdisk: the rest of the image is unchanged"
	if [ "$MODULES" = ours ]; then
		copies=$(( $(our_stat copy_ops) - copies0 ))
		res=fail
		[ "$copies" -gt 0 ] && res=ok
		tap_result "$REAL" $res "qdisk: the data went through our gntdev (GRANT_COPY ops: $copies)"
	fi
	say "qdisk: domU $line; dom0 region $dom0_w${copies:+; $copies GRANT_COPY ops in our gntdev}"
}

# ---------------------------------------------------------------- peer destroyed
# peer_destroy_test destroys the domain it works with: a second, throw-away
# domU running only the peer agent.
VICTIM_NAME=gnt-victim
destroy_test() {
	local vid log=/var/log/xen/console/guest-$VICTIM_NAME.log
	[ -n "$DESTROY_TEST" ] || return 0
	say "peer destroy: booting a second domU to destroy (free memory $(xl info free_memory 2>/dev/null) MiB)"
	if boot_domu "$VICTIM_NAME" victim "$SMALL_DOMU_MIB"; then
		run_prog "$DESTROY_TEST" "XEN_GNT_VICTIM_DOMID=$BOOTED_DOMID"
	fi
	vid=$(xl domid "$VICTIM_NAME" 2>/dev/null)
	[ -n "$vid" ] && step "xl destroy $VICTIM_NAME" 120 xl destroy "$vid"
	[ -f "$log" ] && tr -d '\r' < "$log" > "$DU/victim-console.log"
	return 0
}

# ---------------------------------------------------------------- unload hand-off
# unload_handoff_test unloads the grant modules of the domain it works
# with while dom0 maps pages that domain deallocated, then loads them again:
# a throw-away domU running only the peer agent, so that the main domU's
# counters and modules stay as its own tests left them.  It is told to
# finish afterwards like the main domU (leak counters, rmmod, reports);
# its reports and console go to domU-handoff/.
HANDOFF_NAME=gnt-handoff
handoff_test() {
	local hid main=$DOMID dir=$RES/domU-handoff
	[ -n "$HANDOFF_TEST" ] || return 0
	mkdir -p "$dir"
	say "unload hand-off: booting a domU whose grant modules are unloaded under dom0's mappings"
	if boot_domu "$HANDOFF_NAME" handoff "$SMALL_DOMU_MIB"; then
		run_prog "$HANDOFF_TEST" "XEN_GNT_HANDOFF_DOMID=$BOOTED_DOMID"
	fi
	hid=$(xl domid "$HANDOFF_NAME" 2>/dev/null)
	if [ -n "$hid" ] && domain_alive "$hid" &&
	   xs_is "/local/domain/$hid/data/xen-gnt-ready" ready; then
		DOMID=$hid
		domu_cmd finish
		domu_ack 300 > /dev/null ||
			echo "dom0: handoff domU finish (limit 300 s)" >> "$RES/timeouts.txt"
		DOMID=$main
	fi
	collect_domu_output "/var/log/xen/console/guest-$HANDOFF_NAME.log" "$dir" "$hid" ""
	[ -n "$hid" ] && step "xl destroy $HANDOFF_NAME" 120 xl destroy "$hid"
	return 0
}

# ---------------------------------------------------------------- PVH domU
# An auto-translated guest: a PVH domU runs the selftests of the domU (self
# grants, no peer), which take gntdev's auto-translated mapping path.  Under
# TCG a PVH guest often triple-faults while booting (QEMU's SVM lacks
# nrip-save): up to PVH_TRIES boots; one that never reached init is a
# SKIP, never a failure; a domU that reached init and then died or hung is a
# failure.  Only when the machine offers HAP (run.sh PVH=1).
PVH_NAME=gnt-pvh
PVH_TRIES=3
pvh_test() {
	local try id log=/var/log/xen/console/guest-$PVH_NAME.log dir=$RES/domU-pvh
	local cfg=/run/xen-vm/$PVH_NAME.cfg booted= tap=$D0/pvh.tap main=$DOMID
	[ "${PVH:-0}" = 1 ] || return 0
	mkdir -p "$dir"
	if ! xl info virt_caps 2>/dev/null | grep -q hap; then
		tap_result "$tap" skip "PVH domU: Xen offers no HAP here ($(xl info virt_caps 2>&1))"
		return 0
	fi
	DOMU_TYPE=pvh domu_cfg "$PVH_NAME" check 256 > "$cfg"
	for try in $(seq 1 $PVH_TRIES); do
		rm -f "$log"
		say "PVH domU: boot $try of $PVH_TRIES"
		step "xl create $PVH_NAME" 300 xl create "$cfg" || continue
		id=$(xl domid "$PVH_NAME" 2>/dev/null)
		wait_until "$DOMU_READY_TIMEOUT" domu_ready "$id"
		if xs_is "/local/domain/$id/data/xen-gnt-ready" ready; then
			booted=$id
			break
		fi
		if grep -q '@@xen-vm: init running' "$log" 2>/dev/null; then
			# It booted: what went wrong is the test's business.
			booted=$id
			break
		fi
		cp "$log" "$dir/boot-failure-$try.log" 2>/dev/null
		domain_alive "$id" && step "xl destroy $PVH_NAME" 120 xl destroy "$id"
	done
	if [ -z "$booted" ]; then
		tap_result "$tap" skip "PVH domU: did not reach init in $PVH_TRIES boots (TCG; see domU-pvh/boot-failure-*.log)"
		say "PVH domU: no boot reached init: SKIP"
		return 0
	fi
	tap_result "$tap" ok "PVH domU: booted (boot $try of $PVH_TRIES, domid $booted)"
	DOMID=$booted
	if domain_alive "$booted" && xs_is "/local/domain/$booted/data/xen-gnt-ready" ready; then
		domu_cmd finish
		domu_ack 300 > /dev/null ||
			echo "dom0: PVH domU finish (limit 300 s)" >> "$RES/timeouts.txt"
	else
		tap_result "$tap" fail "PVH domU: ready after its tests" \
			"it reached init, then died or hung: see domU-pvh/console.log"
	fi
	collect_domu_output "$log" "$dir" "$booted"
	DOMID=$main
	domain_alive "$booted" && step "xl destroy $PVH_NAME" 120 xl destroy "$booted"
	say "PVH domU: done"
}

# ---------------------------------------------------------------- teardown
# Split the domU console log into the files it framed with
# "@@BEGIN domU/NAME" ... "@@END domU/NAME".
# collect_domu_output [LOG DIR ID [PROGS]]: split a domU console log
# (default: the main domU's) into DIR (default $DU); each of PROGS
# (default $PROGS; "" for a domU that runs no test program) must have
# left its report.
collect_domu_output() {
	local log=${1:-$GUESTLOG} dir=${2:-$DU} id=${3:-$DOMID} want=${4-$PROGS} prog
	[ -f "$log" ] || return 0
	tr -d '\r' < "$log" > "$dir/console.log"
	awk -v dir="$dir" '
	/@@BEGIN domU\// {
		name = $0; sub(/.*@@BEGIN domU\//, "", name); sub(/[ \t].*/, "", name)
		out = dir "/" name; printf "" > out; open = 1; next
	}
	/@@END domU\// { if (open) close(out); open = 0; next }
	open { print >> out }
	END {
		if (open) print "not ok 9999 xen-vm: output ended without its END marker" >> out
	}' "$dir/console.log"
	# A program whose output never showed up still counts, as a failure.
	if [ "$MODE" = check ] && [ -n "$id" ]; then
		for prog in $want; do
			[ -f "$dir/$prog.tap" ] && continue
			printf 'TAP version 13\nnot ok 1 %s: no output from the domU\n1..1\n' \
				"$prog" > "$dir/$prog.tap"
		done
		[ -f "$dir/setup.tap" ] || printf 'not ok 1 domU: no setup report\n1..1\n' > "$dir/setup.tap"
	fi
}

# check_counters: our driver's leak counters must be zero.
check_counters() {
	local files bad end=$((SECONDS + 10))
	files=$(ls /sys/kernel/debug/xen-gnt/*/stats 2>/dev/null)
	if [ -z "$files" ]; then
		tap_result "$TEARDOWN" fail "dom0: leak counters zero" \
			"no /sys/kernel/debug/xen-gnt/*/stats file"
		return
	fi
	while :; do
		# shellcheck disable=SC2086
		bad=$(awk '$1 ~ /^(live_|pending_)/ && $2 != 0 { print FILENAME ": " $1 " " $2 }' $files)
		[ -z "$bad" ] && break
		[ $SECONDS -ge $end ] && break
		sleep 0.5
	done
	# shellcheck disable=SC2086
	for f in $files; do echo "== $f"; cat "$f"; done > "$D0/counters.txt"
	if [ -z "$bad" ]; then
		tap_result "$TEARDOWN" ok "dom0: leak counters zero (live_*, pending_*)"
	else
		local diag=()
		while IFS= read -r l; do diag+=("$l"); done <<<"$bad"
		tap_result "$TEARDOWN" fail "dom0: leak counters zero (live_*, pending_*)" "${diag[@]}"
	fi
}

# ---------------------------------------------------------------- kmemleak
# Debug kernels only (make check-debug: CONFIG_DEBUG_KMEMLEAK, the file
# below exists); a no-op on the distribution kernels.  Called in teardown
# once everything that used the devices is gone (domU destroyed, daemons
# stopped, test programs ended) but before rmmod.  kmemleak.sh (shared
# with the domU) scans twice; every unreferenced object whose backtrace
# has a frame in a grant module fails the run; other leaks (the kernel's
# own, at boot, ...) are information.  Full report: dom0/kmemleak.txt.
KMEMLEAK=/sys/kernel/debug/kmemleak
check_kmemleak() {
	local rep=$D0/kmemleak.txt sum=/run/xen-vm/kmemleak.sum rc l diag=()
	local name="dom0: kmemleak: no leak in the grant modules"
	[ -e "$KMEMLEAK" ] || return 0
	rm -f "$sum"
	step kmemleak 1300 sh "$VMDIR/kmemleak.sh" "$rep" "$sum"
	rc=$?
	case $rc in
	0)
		tap_result "$TEARDOWN" ok "$name" \
			"$(cat "$sum") unreferenced object(s) elsewhere in the kernel, see dom0/kmemleak.txt"
		say "kmemleak: no leak in the grant modules; $(cat "$sum") other unreferenced object(s) (dom0/kmemleak.txt)"
		;;
	1)
		while IFS= read -r l; do diag+=("$l"); done < <(head -n 40 "$sum")
		tap_result "$TEARDOWN" fail "$name" "${diag[@]}"
		say "FAIL: kmemleak: leaked objects allocated by the grant modules (dom0/kmemleak.txt)"
		;;
	*)
		tap_result "$TEARDOWN" fail "$name" \
			"kmemleak.sh exit $rc: $(cat "$sum" 2>/dev/null || echo 'timed out?')"
		;;
	esac
}

stop_daemon() { # NAME PID
	local end=$((SECONDS + 30))
	[ -n "$2" ] || return 0
	kill "$2" 2>/dev/null
	while kill -0 "$2" 2>/dev/null; do
		if [ $SECONDS -ge $end ]; then
			echo "dom0: stopping $1 (limit 30 s)" >> "$RES/timeouts.txt"
			kill -9 "$2" 2>/dev/null
			sleep 0.5
			break
		fi
		sleep 0.2
	done
}

teardown() {
	local m a lim
	if [ -n "$DOMID" ] && domu_alive; then
		say "asking the domU to finish"
		domu_cmd finish
		# The domU checks kmemleak too on debug kernels (two scans).
		lim=300
		[ -e "$KMEMLEAK" ] && lim=900
		if ! a=$(domu_ack $lim); then
			echo "dom0: domU finish (limit $lim s)" >> "$RES/timeouts.txt"
		fi
	fi
	collect_domu_output
	if [ -n "$DOMID" ] && domu_alive; then
		if step "xl destroy" 120 xl destroy "$DOMID"; then
			tap_result "$TEARDOWN" ok "dom0: xl destroy"
		else
			tap_result "$TEARDOWN" fail "dom0: xl destroy"
		fi
	fi
	[ -n "$RELAY" ] && kill -- -"$RELAY" 2>/dev/null
	cp /var/log/xen/qemu-dm-*.log "$D0/" 2>/dev/null
	[ "$MODE" = check ] && [ -n "$DOMID" ] && pvh_test
	if [ "$MODE" = check ] && [ -n "$DOMID" ]; then
		sleep 1
		daemons_alive "after the domU was destroyed"
	fi
	stop_daemon xenconsoled "$XCD_PID"
	stop_daemon xenstored "$XSD_PID"
	fs_cleanup
	if [ "$MODULES" = ours ]; then
		check_counters
	else
		tap_result "$TEARDOWN" skip "dom0: leak counters zero (in-tree modules have none)"
	fi
	check_kmemleak	# debug kernels only
	for m in $(grant_modules | tr ' ' '\n' | tac); do
		[ -d "/sys/module/${m//-/_}" ] || continue
		if step "rmmod $m" 60 rmmod "$m"; then
			tap_result "$TEARDOWN" ok "dom0: rmmod $m"
		else
			tap_result "$TEARDOWN" fail "dom0: rmmod $m"
		fi
	done
}

finish() {
	local v=1 sum f p s x
	for f in "$SETUP" "$REAL" "$TEARDOWN" "$D0/demo.tap" "$D0/bench.tap" "$D0/pvh.tap"; do
		tap_finish "$f"
	done
	dmesg > "$D0/dmesg.txt"
	sum=$(summarize_results "$RES")
	read -r p f s x <<<"$(head -n1 <<<"$sum")"
	if [ "$f" = 0 ] && [ "$x" = 0 ]; then
		v=0
	fi
	{
		[ $v = 0 ] && echo pass || echo fail
		echo "$p passed, $f failed, $s skipped, $x other problems"
		tail -n +2 <<<"$sum"
	} > "$RES/verdict.txt"
	say "dom0 verdict: $(head -n1 "$RES/verdict.txt") ($p passed, $f failed," \
		"$s skipped, $x other problems) after $((SECONDS - T_START)) s"
	sync
	printf "\\$(printf '%03o' $v)" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	sleep 2
	$POWEROFF
}

# ---------------------------------------------------------------- modes
mode_check() {
	fs_setup
	run_programs
	daemons_alive "with the domU running"
	vchan_dom0_server "$VCHAN_BYTES"
	vchan_domu_server "$VCHAN_BYTES"
	qdisk_test
	destroy_test
	handoff_test
}

mode_demo() {
	local l
	say "grant modules in dom0:"
	while IFS= read -r l; do say "  $l"; done < "$D0/modules.txt"
	REAL=$D0/demo.tap
	vchan_dom0_server "$VCHAN_BYTES"
	vchan_domu_server "$VCHAN_BYTES"
}

mode_bench() {
	local rc t0=$SECONDS
	mkdir -p "$RES/bench"
	say "bench: $BENCH_CMD"
	(cd "$RES/bench" &&
	 XEN_GNT_PEER_DOMID=$DOMID BENCH_OUT=$RES/bench KVER=$KVER \
		timeout -k 5 "$BENCH_TIMEOUT" bash -c "$BENCH_CMD") \
		> "$RES/bench/bench.log" 2>&1 < /dev/null
	rc=$?
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "dom0: BENCH_CMD (limit $BENCH_TIMEOUT s)" >> "$RES/timeouts.txt"
	fi
	if [ $rc = 0 ]; then
		tap_result "$D0/bench.tap" ok "bench command"
	else
		tap_result "$D0/bench.tap" fail "bench command" "exit $rc, see bench/bench.log"
	fi
	say "bench: exit $rc after $((SECONDS - t0)) s"
}

# BENCH_PEER=1: grants of the domU for gntbench's peer_* workloads. The
# domU's agent allocates BENCH_PEER_PAGES writable pages for dom0 (256 a
# request); their references go to $RES/bench/peer-refs.txt ("DOMID
# REF..."), named by XEN_GNT_PEER_REFS. Then the domU is paused (its
# grants stay valid and it takes no CPU time from the benchmark), and
# xenconsoled and xenstored are stopped: both keep gntdev open, and the
# benchmark unloads it. From then on nothing may use xenstore (it would
# wait forever): DOMID is cleared so that the teardown leaves the domU
# alone; the machine is powered off with it.
BENCH_PEER_PAGES=${BENCH_PEER_PAGES:-4096}
PEER_SEQ=0
# peer_req ARGS...: one request to the agent of the domU; the answer
# after "ok" or "err" in PEER_ANSWER; fails on "err" or after 60 s. Not
# in a subshell: every request needs a new id (PEER_SEQ), the agent
# answers an id once.
peer_req() {
	local dir=/local/domain/$DOMID/data/xen-gnt-peer a end=$((SECONDS + 60))
	PEER_SEQ=$((PEER_SEQ + 1))
	PEER_ANSWER="no answer in 60 s"
	xenstore-write "$dir/req" "$PEER_SEQ $*" || return 1
	while [ $SECONDS -lt $end ]; do
		a=$(xenstore-read "$dir/resp" 2>/dev/null)
		case $a in
		"$PEER_SEQ ok"*) PEER_ANSWER=${a#"$PEER_SEQ ok"}; return 0 ;;
		"$PEER_SEQ err"*) PEER_ANSWER=${a#"$PEER_SEQ err"}; return 1 ;;
		esac
		sleep 0.2
	done
	return 1
}
bench_peer_setup() {
	local refs=$RES/bench/peer-refs.txt got=0 n
	mkdir -p "$RES/bench"
	start_toolstack && create_domu || return 1
	if ! wait_until 60 xenstore-read "/local/domain/$DOMID/data/xen-gnt-peer/ready"; then
		tap_result "$D0/bench.tap" fail "bench: the domU's peer agent is ready"
		return 1
	fi
	echo "$DOMID" > "$refs.tmp"
	while [ $got -lt "$BENCH_PEER_PAGES" ]; do
		n=$((BENCH_PEER_PAGES - got))
		[ $n -gt 256 ] && n=256
		if ! peer_req alloc 0 "$n" 7 1; then
			tap_result "$D0/bench.tap" fail "bench: $BENCH_PEER_PAGES pages granted by the domU" \
				"alloc after $got pages:$PEER_ANSWER"
			return 1
		fi
		# "H REF...": the handle, then the references.
		set -- $PEER_ANSWER
		if [ $# != $((n + 1)) ]; then
			tap_result "$D0/bench.tap" fail "bench: $BENCH_PEER_PAGES pages granted by the domU" \
				"alloc of $n: $(($# - 1)) references in the answer"
			return 1
		fi
		shift
		echo "$*" >> "$refs.tmp"
		got=$((got + n))
	done
	mv "$refs.tmp" "$refs"
	tap_result "$D0/bench.tap" ok "bench: $BENCH_PEER_PAGES pages granted by the domU" \
		"domid $DOMID, references in bench/peer-refs.txt"
	if step "xl pause" 60 xl pause "$DOMID"; then
		tap_result "$D0/bench.tap" ok "bench: domU paused"
	else
		tap_result "$D0/bench.tap" fail "bench: domU paused"
	fi
	say "bench: $BENCH_PEER_PAGES pages granted by domU $DOMID; stopping xenconsoled and xenstored"
	bench_peer_detach
	export XEN_GNT_PEER_REFS=$refs
}
# Stop what holds the grant devices; forget the domU (see above).
bench_peer_detach() {
	[ -n "$RELAY" ] && kill -- -"$RELAY" 2>/dev/null
	RELAY=
	stop_daemon xenconsoled "$XCD_PID"
	stop_daemon xenstored "$XSD_PID"
	XCD_PID= XSD_PID= DOMID=
}
# A set-up that failed half-way: destroy the domU while xenstore still
# answers, then detach; the benchmark runs without the peer_* workloads.
bench_peer_abandon() {
	if [ -n "$DOMID" ] && [ -n "$XSD_PID" ] && domu_alive; then
		step "xl destroy" 120 xl destroy "$DOMID"
	fi
	bench_peer_detach
}

# MODE=fuzz: the domU fuzzes its own devices (seed FUZZ_SEED) while dom0
# runs BENCH_CMD (the fuzzer's dom0 script, seed FUZZ_SEED - 1); the
# teardown then checks both domains' counters and kernel logs.
mode_fuzz() {
	local ack rc line
	say "fuzz: the domU runs gntfuzz for $FUZZ_SECONDS s, seed $FUZZ_SEED, threads ${FUZZ_THREADS:-3}, stall-percent ${FUZZ_STALL_PERCENT:-10}"
	domu_cmd fuzz "$FUZZ_SECONDS" "$FUZZ_SEED" "${FUZZ_THREADS:-3}" "${FUZZ_STALL_PERCENT:-10}"
	mode_bench
	if ack=$(domu_ack $((FUZZ_SECONDS + 300))); then
		rc=${ack%% *}
		line=${ack#* }
	else
		rc=timeout
		line="no answer from the domU"
		echo "dom0: domU fuzz (limit $((FUZZ_SECONDS + 300)) s)" >> "$RES/timeouts.txt"
	fi
	say "fuzz: domU: exit $rc: $line"
}

# ---------------------------------------------------------------- main
say "dom0 up: Linux $(uname -r), $MODULES grant modules, mode $MODE"
if [ "$MODE" = bench ]; then
	# Benchmarks swap the grant modules between runs: nothing may hold
	# the devices, so no toolstack while they run (xenstored keeps gntdev
	# open); a domU only long enough to collect its grants.
	if load_modules; then
		if [ "${BENCH_PEER:-1}" = 1 ] && ! bench_peer_setup; then
			say "bench: no grants from a domU; the peer_* workloads are left out"
			bench_peer_abandon
		fi
		mode_bench
	fi
elif load_modules && start_toolstack; then
	say "modules loaded, xenstored/xenconsoled/xen-init-dom0 up after $((SECONDS - T_START)) s"
	if create_domu; then
		case $MODE in
		check) mode_check ;;
		demo) mode_demo ;;
		bench) mode_bench ;;
		fuzz) mode_fuzz ;;
		esac
	fi
fi
teardown
finish
