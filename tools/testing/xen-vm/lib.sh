# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Helpers shared by run.sh (host) and dom0-init.sh (dom0, which runs on the
# host's root file system, so the same bash and awk are available there).
# Sourced, not executed.

# Kernel messages that fail a run wherever they appear in a kernel log.
XENVM_KERNEL_BAD_RE='BUG:|WARNING:|Oops|general protection|Call Trace'

# tap_count FILE...
# Counts kselftest_harness/TAP results in the FILEs, in one awk process.
# First output line: "PASS FAIL SKIP" over all FILEs.  Every further line is
# one reason for a failure: "FILE: not ok: NAME" for each failing test, and
# "FILE: WHY" for a failure that is not a "not ok" line: a timeout, a crash
# (non-zero exit with no failing test), a short plan, or no result at all
# (each counted as one failure).
#
# Counted: "ok N ..." (pass, or skip with "# SKIP"), "not ok N ..." (fail,
# unless "# SKIP"), a plan "1..0 # SKIP ..." (one skip).  Lines the runner
# appends: "# xen-vm: exit=RC" and "# xen-vm: timeout ...".  Exit status 4
# is kselftest's KSFT_SKIP.
tap_count() {
	awk '
	function name_of(s) { sub(/^(not )?ok [0-9]+ *-? */, "", s); return s }
	function reset() { n = 0; nf = 0; plan = 0; have_plan = 0; planskip = 0
			   rc = 0; have_rc = 0; timedout = "" }
	function close_file(   why) {
		if (file == "") return
		if (timedout != "") {
			f++; out = out "\n" file ": " timedout
		} else if (n == 0 && (planskip || (have_rc && rc == 4))) {
			s++
		} else if (n == 0) {
			f++; out = out "\n" file ": no test result in output" \
				(have_rc ? " (exit " rc ")" : "")
		} else {
			why = ""
			if (have_rc && rc != 0 && rc != 4 && nf == 0)
				why = "exited " rc " with no failing test"
			if (have_plan && plan > n)
				why = why (why == "" ? "" : "; ") "plan 1.." plan " but " n " results"
			if (why != "") { f++; out = out "\n" file ": " why }
		}
	}
	FNR == 1 { close_file(); file = FILENAME; reset() }
	/^ok [0-9]+/ {
		n++
		if ($0 ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) s++; else p++
		next
	}
	/^not ok [0-9]+/ {
		n++
		if ($0 ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) s++
		else { f++; nf++; out = out "\n" file ": not ok: " name_of($0) }
		next
	}
	/^1\.\.[0-9]+/ {
		plan = substr($1, 4) + 0; have_plan = 1
		if (plan == 0 && $0 ~ /[Ss][Kk][Ii][Pp]/) planskip = 1
		next
	}
	/^# xen-vm: exit=/ { sub(/^# xen-vm: exit=/, ""); rc = $1 + 0; have_rc = 1; next }
	/^# xen-vm: timeout/ { timedout = $0; sub(/^# xen-vm: /, "", timedout); next }
	END {
		close_file()
		printf "%d %d %d%s\n", p, f, s, out
	}' "$@"
}

# kernel_log_problems FILE LABEL: prints one line per offending log line.
kernel_log_problems() {
	[ -f "$1" ] || return 0
	tr -d '\r' < "$1" | grep -E -- "$XENVM_KERNEL_BAD_RE" |
		awk '!seen[$0]++' | head -n 20 | sed "s|^|$2: |"
}

# summarize_results DIR
# DIR is one kernel's result folder.  First output line: "PASS FAIL SKIP
# PROBLEMS", the TAP totals over DIR/dom0/*.tap and DIR/domU*/*.tap and the
# number of problems outside TAP (a step that timed out, a kernel log with a
# BUG/WARNING/..., a note of failure from a runner script).  Then one line per
# reason, "tap: ..." for the TAP failures (already in FAIL) and "run: ..."
# for the problems (counted in PROBLEMS).  The QEMU exit status is judged by
# the caller.  Used by dom0 for its verdict and again by the host.
summarize_results() {
	local dir=$1 p=0 f=0 s=0 x=0 tap line counts bad log
	local reasons=""

	local taps=()
	for tap in "$dir"/dom0/*.tap "$dir"/domU/*.tap "$dir"/domU-pvh/*.tap \
		   "$dir"/domU-handoff/*.tap; do
		[ -f "$tap" ] && taps+=("$tap")
	done
	if [ ${#taps[@]} -gt 0 ]; then
		counts=$(tap_count "${taps[@]}")
		read -r p f s <<<"$(head -n1 <<<"$counts")"
		while IFS= read -r line; do
			[ -n "$line" ] && reasons+="tap: ${line#"$dir"/}"$'\n'
		done <<<"$(tail -n +2 <<<"$counts")"
	fi
	if [ -f "$dir/timeouts.txt" ]; then
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			reasons+="run: timed out: $line"$'\n'; x=$((x + 1))
		done < "$dir/timeouts.txt"
	fi
	if [ -f "$dir/dom0/dmesg.txt" ]; then
		bad=$(kernel_log_problems "$dir/dom0/dmesg.txt" "dom0 dmesg")
		if [ -n "$bad" ]; then
			reasons+=$(sed 's/^/run: /' <<<"$bad")$'\n'; x=$((x + 1))
		fi
	else
		reasons+="run: no dom0 dmesg saved (dom0 did not get to the end)"$'\n'
		x=$((x + 1))
	fi
	# The consoles of the domU, of the one peer_destroy_test destroys, of
	# the one unload_handoff_test unloads the modules of, of the PVH domU.
	for log in "$dir"/domU/*console.log "$dir"/domU-handoff/console.log \
		   "$dir"/domU-pvh/console.log; do
		[ -f "$log" ] || continue
		bad=$(kernel_log_problems "$log" "${log#"$dir"/}")
		if [ -n "$bad" ]; then
			reasons+=$(sed 's/^/run: /' <<<"$bad")$'\n'; x=$((x + 1))
		fi
	done
	if [ -f "$dir/notes.txt" ]; then
		while IFS= read -r line; do
			[[ "$line" == FAIL:* ]] || continue
			reasons+="run: ${line#FAIL: }"$'\n'; x=$((x + 1))
		done < "$dir/notes.txt"
	fi
	echo "$p $f $s $x"
	printf '%s' "$reasons"
}

# A TAP file written step by step (dom0 only).  tap_result FILE ok|fail|skip
# DESCRIPTION [DIAGNOSTIC...]; tap_finish FILE appends the plan.
declare -A XENVM_TAP_N
tap_result() {
	local file=$1 res=$2 desc=$3 n
	shift 3
	n=$(( ${XENVM_TAP_N[$file]:-0} + 1 ))
	XENVM_TAP_N[$file]=$n
	[ "$n" = 1 ] && echo "TAP version 13" > "$file"
	local d
	for d in "$@"; do
		printf '# %s\n' "$d" >> "$file"
	done
	case $res in
	ok)	echo "ok $n $desc" >> "$file" ;;
	skip)	echo "ok $n $desc # SKIP" >> "$file" ;;
	*)	echo "not ok $n $desc" >> "$file" ;;
	esac
}
tap_finish() {
	local n=${XENVM_TAP_N[$1]:-0}
	[ "$n" = 0 ] && return 0
	echo "1..$n" >> "$1"
}
