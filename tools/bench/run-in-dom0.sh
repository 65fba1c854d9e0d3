#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs IN dom0 (as root): the benchmark rounds, ours against in-tree, in
# one boot. For round r = 1..R it unloads the grant modules, loads one
# set, raises gntalloc's page limit, runs gntbench, then does the same
# with the other set. The order alternates (A B, B A, A B, ...) so that a
# slow drift of the machine falls on both sets alike. At the end the set
# that was loaded at the start (if any) is loaded again.
#
# usage: run-in-dom0.sh [options] OUTDIR
#   --rounds N      rounds (default 3)
#   --ours DIR      folder with xen-gntcore.ko, xen-gntdev.ko, xen-gntalloc.ko
#                   (default $OURS_DIR, else $BENCH_OUT/../inputs/modules,
#                   the VM runner's copy, else <repo>/out/$KVER/modules)
#   --sets "A B"    sets to compare, in round-1 order (default "ours intree")
#   --bench PATH    the gntbench binary (default <repo>/out/bench/bin/gntbench)
#   --limit N       gntalloc page limit written for both sets (default 65536)
#   --run-timeout S limit per gntbench run (default 600)
#   --aslr          run gntbench with its address space randomized, as
#                   processes normally are. By default it runs without
#                   (setarch -R), so that every run has the same layout:
#                   whether a 1-page mapping shares its page table with
#                   another mapping decides whether each cycle also
#                   allocates and frees a page table (in a PV guest, a
#                   pin and an unpin in Xen), which made small workloads
#                   bimodal from run to run (both drivers alike)
#   --perf          profile each run: perf record (cpu-clock, call graphs)
#                   around gntbench, then r<round>-<set>.perf.txt (self
#                   time per symbol, with callers) and .perf-children.txt
#                   (time per symbol with its callees); the times measured
#                   under perf are not comparable with a plain run
#   -- ARGS...      passed to gntbench (e.g. --reps 5 --only map_cycle)
# $XEN_GNT_PEER_REFS, when it names a file: passed to gntbench as
# --peer-refs (the grants of a domU, "DOMID REF...", for the peer_*
# workloads; the VM runner's bench mode collects them).
#
# OUTDIR receives r<round>-<set>.json and .txt per run, the debugfs stats
# of ours after each of its runs (r<round>-ours.stats), modules.txt and
# run-info.json. Exit status: 0 when every run completed with every
# workload measured; 1 when some run or workload failed (the others are
# still there); 2 for a usage error; 3 when the grant modules could not
# be unloaded (something holds the devices open: see the message).
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
KVER=${KVER:-$(uname -r)}
ROUNDS=3
OURS_ENV=${OURS_DIR:-}
OURS_DIR=
SETS="ours intree"
BENCH=
LIMIT=65536
RUN_TIMEOUT=600
ASLR=0
EXTRA=()
OUTDIR=
PERF=0

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	--ours) OURS_DIR=$2; shift 2 ;;
	--sets) SETS=$2; shift 2 ;;
	--bench) BENCH=$2; shift 2 ;;
	--limit) LIMIT=$2; shift 2 ;;
	--run-timeout) RUN_TIMEOUT=$2; shift 2 ;;
	--aslr) ASLR=1; shift ;;
	--perf) PERF=1; shift ;;
	--) shift; EXTRA=("$@"); break ;;
	-h|--help) sed -n '4,43p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run-in-dom0: unknown option $1" >&2; exit 2 ;;
	*) [ -z "$OUTDIR" ] || { echo "run-in-dom0: one OUTDIR only" >&2; exit 2; }
	   OUTDIR=$1; shift ;;
	esac
done
[ -n "$OUTDIR" ] || { echo "run-in-dom0: OUTDIR missing (see --help)" >&2; exit 2; }
# Ours: --ours, else $OURS_DIR from the environment, else the copy the
# VM runner stages beside the results ($BENCH_OUT/../inputs/modules: what
# it built for this boot), else what "make stage" left in the repository.
if [ -z "$OURS_DIR" ]; then
	OURS_DIR=$OURS_ENV
	if [ -z "$OURS_DIR" ] && [ -n "${BENCH_OUT:-}" ] &&
	   [ -f "$BENCH_OUT/../inputs/modules/xen-gntcore.ko" ]; then
		OURS_DIR=$(cd "$BENCH_OUT/../inputs/modules" && pwd)
	fi
	OURS_DIR=${OURS_DIR:-$REPO/out/$KVER/modules}
fi
BENCH=${BENCH:-$REPO/out/bench/bin/gntbench}
case $ROUNDS in ''|*[!0-9]*|0) echo "run-in-dom0: --rounds wants a positive number" >&2; exit 2 ;; esac
for s in $SETS; do
	case $s in ours|intree) ;; *) echo "run-in-dom0: unknown set '$s'" >&2; exit 2 ;; esac
done
[ -x "$BENCH" ] || { echo "run-in-dom0: no gntbench at $BENCH" >&2; exit 2; }
NORAND=()
[ "$ASLR" = 1 ] || NORAND=(setarch "$(uname -m)" -R)
if [ "$PERF" = 1 ] && ! perf --version >/dev/null 2>&1; then
	echo "run-in-dom0: --perf needs perf (Debian package linux-perf)" >&2
	exit 2
fi
PERF_DATA=${TMPDIR:-/tmp}/gntbench.perf.data
PEER_ARGS=()
if [ -n "${XEN_GNT_PEER_REFS:-}" ]; then
	[ -s "$XEN_GNT_PEER_REFS" ] || { echo "run-in-dom0: no grant list at $XEN_GNT_PEER_REFS" >&2; exit 2; }
	PEER_ARGS=(--peer-refs "$XEN_GNT_PEER_REFS")
fi
mkdir -p "$OUTDIR" || exit 2

log() { echo "$(date +%T) run-in-dom0: $*"; }

GRANT_MODS="xen_gntalloc xen_gntdev xen_gntcore"	# unload order
HELD_BY=

loaded_set() {
	if [ -d /sys/module/xen_gntcore ]; then echo ours
	elif [ -d /sys/module/xen_gntdev ] || [ -d /sys/module/xen_gntalloc ]; then echo intree
	else echo none
	fi
}

# Processes with a grant device open (what keeps the modules in use).
holders() {
	local fd t
	for fd in /proc/[0-9]*/fd/*; do
		t=$(readlink "$fd" 2>/dev/null) || continue
		case $t in /dev/xen/gntdev|/dev/xen/gntalloc)
			fd=${fd#/proc/}; fd=${fd%%/*}
			echo "$fd($(cat "/proc/$fd/comm" 2>/dev/null)):$t" ;;
		esac
	done | sort -u | tr '\n' ' '
}

unload_all() {
	local m
	for m in $GRANT_MODS; do
		[ -d "/sys/module/$m" ] || continue
		if ! rmmod "$m" 2>"$OUTDIR/rmmod.err"; then
			HELD_BY=$(holders)
			log "cannot unload $m: $(cat "$OUTDIR/rmmod.err")"
			log "grant devices held by: ${HELD_BY:-no process}"
			return 1
		fi
	done
	rm -f "$OUTDIR/rmmod.err"
	return 0
}

intree_file() { # NAME
	local f
	for f in "/lib/modules/$KVER/kernel/drivers/xen/$1".ko*; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
}

# Copy both sets' modules once to a tmpfs folder, uncompressed, so that switching sets does not read them
# over 9p and decompress them every round. Dependencies outside the grant
# modules are loaded here, once.
STAGE=$(mktemp -d /tmp/gntbench-mods.XXXXXX) || exit 2
trap 'rm -rf "$STAGE"' EXIT
stage_modules() {
	local m f d
	mkdir -p "$STAGE/ours" "$STAGE/intree"
	for m in xen-gntcore xen-gntdev xen-gntalloc; do
		f=$OURS_DIR/$m.ko
		[ -f "$f" ] || { log "no $f: ours cannot be run"; rm -rf "$STAGE/ours"; break; }
		for d in $(modinfo -F depends "$f" 2>/dev/null | tr ',' ' '); do
			case $d in xen_gntcore|xen-gntcore) ;; *) modprobe "$d" ;; esac
		done
		cp "$f" "$STAGE/ours/$m.ko"
	done
	for m in xen-gntdev xen-gntalloc; do
		f=$(intree_file "$m")
		[ -n "$f" ] || { log "no in-tree $m for $KVER"; rm -rf "$STAGE/intree"; break; }
		case $f in
		*.xz) xz -dc "$f" > "$STAGE/intree/$m.ko" ;;
		*.zst) zstd -dcq "$f" > "$STAGE/intree/$m.ko" ;;
		*.gz) gzip -dc "$f" > "$STAGE/intree/$m.ko" ;;
		*) cp "$f" "$STAGE/intree/$m.ko" ;;
		esac
	done
	return 0
}

load_set() { # SET
	local m f mods
	case $1 in
	ours) mods="xen-gntcore xen-gntdev xen-gntalloc" ;;
	intree) mods="xen-gntdev xen-gntalloc" ;;
	esac
	for m in $mods; do
		# By path, never by name: a "make install"ed copy of ours in
		# updates/ would win over the kernel's own with modprobe.
		f=$STAGE/$1/$m.ko
		[ -f "$f" ] || { log "no $m for set $1"; return 1; }
		insmod "$f" || { log "insmod $f failed"; return 1; }
	done
	[ "$(loaded_set)" = "$1" ] || { log "loaded $1 but found $(loaded_set)"; return 1; }
	# Both sets get the same gntalloc page limit (in-tree's default of
	# 1024 is too small for the 1024-page and 4096-page workloads).
	if ! echo "$LIMIT" > /sys/module/xen_gntalloc/parameters/limit; then
		log "cannot set xen_gntalloc limit to $LIMIT"
		return 1
	fi
	return 0
}

describe() { # SET
	local m f
	for m in xen_gntcore xen_gntdev xen_gntalloc; do
		[ -d "/sys/module/$m" ] || continue
		echo "$1 $m srcversion=$(cat /sys/module/$m/srcversion 2>/dev/null || echo -)" \
			"limit=$(cat /sys/module/$m/parameters/limit 2>/dev/null || echo -)"
	done
}

START_SET=$(loaded_set)
log "kernel $KVER, $ROUNDS rounds of: $SETS; loaded at start: $START_SET; ours from $OURS_DIR"
log "gntbench $BENCH ${PEER_ARGS[*]} ${EXTRA[*]} (randomized layout: $ASLR)"
: > "$OUTDIR/modules.txt"

# A set that cannot be loaded is dropped, once, with a note; the other
# set still runs.
BROKEN=""
status=0
if ! unload_all; then
	echo "held by: ${HELD_BY:-no process}" > "$OUTDIR/unload-failed.txt"
	log "the grant modules are in use: the benchmark needs a dom0 where nothing"
	log "holds /dev/xen/gntdev or /dev/xen/gntalloc (no xenstored/xenconsoled)"
	exit 3
fi

t0=$SECONDS
stage_modules
log "modules staged in $((SECONDS - t0)) s"
read -r -a order <<<"$SETS"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 0 ]; then
		seq_sets=$(printf '%s\n' "${order[@]}" | tac | tr '\n' ' ')
	else
		seq_sets=${order[*]}
	fi
	for s in $seq_sets; do
		case " $BROKEN " in *" $s "*) continue ;; esac
		t0=$SECONDS
		if ! unload_all; then
			log "round $r: cannot unload before $s; stopping"
			status=1
			break 2
		fi
		if ! load_set "$s" > "$OUTDIR/load-$s.log" 2>&1; then
			log "round $r: loading $s failed, dropping it: $(tail -n 3 "$OUTDIR/load-$s.log" | tr '\n' ' ')"
			BROKEN+=" $s"
			status=1
			unload_all
			continue
		fi
		[ "$r" = 1 ] && describe "$s" >> "$OUTDIR/modules.txt"
		log "round $r: $s loaded in $((SECONDS - t0)) s"
		base=$OUTDIR/r$r-$s
		t0=$SECONDS
		# perf's data stays in dom0's /tmp (a tmpfs): reported from the
		# results folder (9p), the kernel's own symbols were not resolved.
		prof=()
		[ "$PERF" = 1 ] && prof=(perf record -q -e cpu-clock -g -o "$PERF_DATA" --)
		timeout -k 10 "$RUN_TIMEOUT" "${NORAND[@]}" "${prof[@]}" "$BENCH" --json "$base.json" \
			"${PEER_ARGS[@]}" "${EXTRA[@]}" > "$base.txt" 2>&1
		rc=$?
		if [ "$PERF" = 1 ]; then
			perf report -i "$PERF_DATA" --kallsyms=/proc/kallsyms \
				--no-children --sort sym --stdio > "$base.perf.txt" 2>&1
			perf report -i "$PERF_DATA" --kallsyms=/proc/kallsyms \
				--children --sort sym --stdio -g none \
				> "$base.perf-children.txt" 2>&1
			rm -f "$PERF_DATA"
		fi
		echo "# exit $rc after $((SECONDS - t0)) s" >> "$base.txt"
		log "round $r $s: exit $rc in $((SECONDS - t0)) s"
		if [ $rc != 0 ]; then
			status=1
			grep FAILED "$base.txt" | sed 's/^/    /'
		fi
		if [ "$s" = ours ]; then
			# Our counters of live objects must drain once the
			# program is gone (deferred work may take a moment).
			end=$((SECONDS + 15))
			while :; do
				left=$(awk '$1 ~ /^(live_|pending_)/ && $2 != 0 { print FILENAME ": " $1 " " $2 }' \
					/sys/kernel/debug/xen-gnt/*/stats 2>/dev/null)
				[ -z "$left" ] || [ $SECONDS -ge $end ] && break
				sleep 0.5
			done
			if [ -n "$left" ]; then
				log "round $r ours: counters not back to zero: ${left//$'\n'/; }"
				status=1
			fi
			for f in /sys/kernel/debug/xen-gnt/*/stats; do
				[ -f "$f" ] && { echo "== $f"; cat "$f"; }
			done > "$base.stats" 2>&1
		fi
		if [ $rc = 124 ] || [ $rc = 137 ]; then
			log "round $r $s: timed out; stopping"
			break 2
		fi
	done
done

unload_all || status=1
if [ "$START_SET" != none ]; then
	load_set "$START_SET" >> "$OUTDIR/load-$START_SET.log" 2>&1 ||
		{ log "could not load $START_SET again"; status=1; }
fi

{
	printf '{"kernel": "%s", "rounds": %s, "sets": "%s", "gntalloc_limit": %s, "aslr": %s,' \
		"$KVER" "$ROUNDS" "$SETS" "$LIMIT" "$ASLR"
	printf ' "broken_sets": "%s", "gntbench_args": "%s", "status": %s}\n' \
		"${BROKEN# }" "${PEER_ARGS[*]} ${EXTRA[*]}" "$status"
} > "$OUTDIR/run-info.json"
log "done, status $status"
exit $status
