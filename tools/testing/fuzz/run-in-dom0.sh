#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-in-dom0.sh DURATION SEED: run gntfuzz for DURATION seconds with SEED
# in a Xen dom0 with the grant modules loaded, then check that the driver
# is clean: leak counters back (live_*, pending_* in
# /sys/kernel/debug/xen-gnt/*/stats, if present) and no kernel problem
# (KERNEL_BAD below) in dmesg since the start.  gntfuzz itself watches
# /dev/kmsg while it runs and stops at the first such line.  Prints TAP;
# exits non-zero on any failure.
#
# GNTFUZZ: the binary (default: <repo>/out/fuzz/gntfuzz, built by
# `make -f tools/testing/fuzz/fuzz.mk gntfuzz`).  FUZZ_THREADS and
# FUZZ_STALL_PERCENT: gntfuzz's --threads and --stall-percent (default:
# its own).  Results and the full op log go to $BENCH_OUT (the VM
# runner's bench folder) if set, else the current directory.  gntfuzz's
# progress lines (every 5 s) are printed as they come, and in the VM
# also on its console, which the host shows.
set -u

DURATION=${1:?usage: run-in-dom0.sh DURATION SEED}
SEED=${2:?usage: run-in-dom0.sh DURATION SEED}
HERE=$(cd "$(dirname "$0")" && pwd)
GNTFUZZ=${GNTFUZZ:-$HERE/../../../out/fuzz/gntfuzz}
RESDIR=${BENCH_OUT:-.}
KERNEL_BAD='BUG:|WARNING:|refcount_t:|KASAN|Oops|list_(add|del) corruption|general protection|UBSAN:|KFENCE:|Call Trace'
opts=()
[ -n "${FUZZ_THREADS:-}" ] && opts+=(--threads "$FUZZ_THREADS")
[ -n "${FUZZ_STALL_PERCENT:-}" ] && opts+=(--stall-percent "$FUZZ_STALL_PERCENT")
console=
[ -n "${BENCH_OUT:-}" ] && [ -w /dev/console ] && console=/dev/console
LOG=$(mktemp /tmp/gntfuzz-ops.XXXXXX)
n=0
failed=0

tap() {	# tap ok|fail NAME [DIAG...]
	local r=$1 name=$2 l
	shift 2
	n=$((n + 1))
	if [ "$r" = ok ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		failed=$((failed + 1))
	fi
	for l in "$@"; do echo "# $l"; done
}

stats_files() { ls /sys/kernel/debug/xen-gnt/*/stats 2>/dev/null; }

# counters FILE...: "file key value" for live_*/pending_*
counters() {
	[ $# -gt 0 ] || return 0
	awk '$1 ~ /^(live_|pending_)/ { print FILENAME, $1, $2 }' "$@"
}

echo "TAP version 13"
echo "# gntfuzz: $GNTFUZZ, $DURATION s, seed $SEED"
if [ ! -x "$GNTFUZZ" ]; then
	echo "1..1"
	tap fail "gntfuzz binary present" "$GNTFUZZ missing: build it first"
	exit 1
fi

mountpoint -q /sys/kernel/debug 2>/dev/null ||
	mount -t debugfs none /sys/kernel/debug 2>/dev/null
# shellcheck disable=SC2046
files=$(stats_files)
# Other dom0 users (xenstored, xenconsoled map the domU's rings through
# gntdev) hold maps while the fuzzer runs: a counter must come back to 0,
# or to its value before the fuzzer started.
# shellcheck disable=SC2086
base=$(counters $files)
dmesg_before=$(dmesg | wc -l)

echo "1..4"
start=$SECONDS
# --seconds bounds the op loop; timeout bounds a hang in the kernel
timeout -k 10 $((DURATION + 120)) "$GNTFUZZ" --seed "$SEED" \
	--seconds "$DURATION" "${opts[@]}" --log "$LOG" 2>&1 |
	tee "$RESDIR/gntfuzz.out" |
	while IFS= read -r l; do
		echo "# $l"
		case $l in
		[0-9]*' s: ops '*|KERNEL*|INVARIANT*|summary:*|stalls:*|'kernel log'*)
			[ -n "$console" ] && echo "@@xen-vm: gntfuzz: $l" > "$console" ;;
		esac
	done
rc=${PIPESTATUS[0]}
summary=$(grep '^summary:' "$RESDIR/gntfuzz.out")
if [ $rc -eq 0 ] && [ -n "$summary" ]; then
	tap ok "gntfuzz seed $SEED ran $((SECONDS - start)) s, no invariant broken"
else
	tap fail "gntfuzz seed $SEED" "exit $rc after $((SECONDS - start)) s" \
		"last ops in $RESDIR/gntfuzz-ops-tail.log"
fi
tail -n 2000 "$LOG" > "$RESDIR/gntfuzz-ops-tail.log"
rm -f "$LOG"

# gntfuzz has closed everything on exit; its children are gone.
if [ -z "$files" ]; then
	tap ok "leak counters back # SKIP no /sys/kernel/debug/xen-gnt/*/stats"
else
	end=$((SECONDS + 10))
	while :; do
		# shellcheck disable=SC2086
		now=$(counters $files)
		bad=$(awk 'NR == FNR { b[$1 " " $2] = $3; next }
			   $3 != 0 && $3 != b[$1 " " $2] {
				print $1 ": " $2 " " $3 " (before: " ($1 " " $2 in b ? b[$1 " " $2] : "none") ")" }' \
			<(echo "$base") <(echo "$now"))
		[ -z "$bad" ] && break
		[ $SECONDS -ge $end ] && break
		sleep 0.5
	done
	# shellcheck disable=SC2086
	for f in $files; do echo "== $f"; cat "$f"; done > "$RESDIR/counters-after.txt"
	echo "$base" > "$RESDIR/counters-before.txt"
	if [ -z "$bad" ]; then
		tap ok "leak counters live_*/pending_* back to 0 (or their value before the run)"
	else
		diag=()
		while IFS= read -r l; do diag+=("$l"); done <<<"$bad"
		tap fail "leak counters live_*/pending_* back to 0 (or their value before the run)" "${diag[@]}"
	fi
fi

dmesg | tail -n +"$((dmesg_before + 1))" > "$RESDIR/dmesg-during.txt"
hits=$(grep -E "$KERNEL_BAD" "$RESDIR/dmesg-during.txt")
if [ -z "$hits" ]; then
	tap ok "dmesg: no BUG:/WARNING:/refcount_t:/KASAN/Oops/list corruption during the run"
else
	diag=()
	while IFS= read -r l; do diag+=("$l"); done <<<"$(head -n 20 <<<"$hits")"
	tap fail "dmesg: no BUG:/WARNING:/refcount_t:/KASAN/Oops/list corruption during the run" "${diag[@]}"
fi

if [ -n "$summary" ]; then
	tap ok "summary: ${summary#summary: }"
else
	tap fail "gntfuzz printed a summary line"
fi
echo "# $failed failed"
[ $failed -eq 0 ]
