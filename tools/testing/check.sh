#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test of the project, then one summary line.
#  1. host tests, TAP: the uapi ABI against the system headers (64 and
#     32 bit), the DKMS round trip and the .deb round trip for every
#     installed kernel line (skipped with MODULES=intree);
#  2. the VM runner (tools/testing/xen-vm/run.sh, MODE=check): kselftests
#     and real clients in Xen + PV dom0 + PV domU, for each kernel line;
#     then the same on Xen/arm64 (auto-translated dom0 and domU) for each
#     line's arm64 twin (6.12.117+deb12-amd64 -> 6.12.117+deb12-arm64;
#     not 6.1 by default), cross-built;
#  3. the seeded fuzzer for FUZZ_DURATION seconds (default 60; 0 skips
#     it) in dom0 of each kernel line, then dmesg and leak counters.
# The last line is "N passed, N failed, N skipped" over all of them; the
# exit status is non-zero on any failure.
# HOST_TESTS=0 skips step 1 (make check-debug: the host tests do not
# depend on the kernel booted); KERNEL_ROOT and KVERS reach the runner.
# ARCHES="x86_64 arm64" (default) picks the architectures of step 2;
# ARM64_KVERS overrides the arm64 releases (default: the twins of KVERS or
# of the installed amd64 lines, except 6.1: see arm64_kvers).  With KERNEL_ROOT (a debug kernel built
# for x86) arm64 is left out.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# dom0 sees the host's root but mounts tmpfs over these directories: a
# tree below one of them would be invisible there. Run from a copy.
case "$top/" in
/tmp/* | /run/* | /var/tmp/* | /var/lib/xen/* | /var/log/xen/*)
	copy=/var/cache/xen-gnt/tree
	echo "check: $top is hidden from dom0 (tmpfs there); running from a copy in $copy"
	rm -rf "$copy" && mkdir -p "$copy" &&
		tar -C "$top" --exclude=./out --exclude=./.cache/debug-kernel -cf - . | tar -C "$copy" -xf - &&
		exec bash "$copy/tools/testing/check.sh" "$@"
	exit 1
	;;
esac
out=${OUT:-$top/out}
mkdir -p "$out/host"
pass=0 fail=0 skip=0

# count FILE: add a TAP file's results to the totals
count() {
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$1" | head -1)
	s=$(grep -cE '^ok [0-9]+ .*# *SKIP' "$1" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$1" | head -1)
	pass=$((pass + p - s)); skip=$((skip + s)); fail=$((fail + f))
	echo "host: $(basename "$1" .tap): $((p - s)) passed, $f failed, $s skipped"
}

# host NAME CMD...: run a host test into out/host/NAME.tap
host() {
	local name=$1 log=$out/host/$1.tap rc
	shift
	echo "host: running $name"
	"$@" >"$log" 2>&1
	rc=$?
	count "$log"
	if [ $rc != 0 ] && ! grep -qE '^not ok' "$log"; then
		echo "host: $name exited $rc without a failed test: counted as a failure"
		tail -n 15 "$log" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
	grep -E '^not ok' "$log" | sed "s/^/host: $name: /"
}

if [ "${HOST_TESTS:-1}" != 0 ]; then
	host abi make -s abi-check
fi
if [ "${HOST_TESTS:-1}" != 0 ] && [ "${MODULES:-ours}" != intree ]; then
	host dkms bash tools/testing/host/dkms-test.sh
	host deb bash debian/tests/deb-roundtrip.sh
fi

# vm NAME CMD...: run a VM job, add its closing "N passed, N failed,
# N skipped" line to the totals; a non-zero exit with no failed test
# counts as one failure.
vm() {
	local name=$1 log=$out/host/$1.log line rc p f s
	shift
	echo "vm: running $name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	f=0
	if [ -n "$line" ]; then
		read -r p _ f _ s _ <<<"${line//,/}"
		pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + ${s:-0}))
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "vm: $name failed (exit $rc) without a failed test: counted as a failure"
		fail=$((fail + 1))
	fi
}

ARCHES=${ARCHES:-x86_64 arm64}
case " $ARCHES " in *" x86_64 "*)
	vm suites bash tools/testing/xen-vm/run.sh OUT="$out/vm" MODE=check ;;
esac
# The arm64 twins of the x86 lines: KVERS, else every installed amd64
# kernel with its build tree (what run.sh would boot).
arm64_kvers() {
	local k ks=${KVERS:-}
	if [ -z "$ks" ]; then
		for k in /boot/vmlinuz-*-amd64; do
			k=${k#/boot/vmlinuz-}
			[ -d "/lib/modules/$k/build" ] && ks+=" $k"
		done
	fi
	for k in $ks; do
		case $k in *-amd64) k=${k%-amd64}-arm64 ;; *-arm64) ;; *) continue ;; esac
		# Not 6.1 by default: in its arm64 domU a large ballooned
		# allocation (kaccess_test's map-track fill, in-tree alike)
		# makes the balloon hot-add memory, and the kernel warns in
		# vmemmap_populate (arch/arm64/mm/mmu.c:1222), a defect of that
		# kernel; ARM64_KVERS=6.1.0-NN-arm64 runs it.
		case $k in 6.1.*) echo "vm: $k left out by default (kernel warning in its balloon; ARM64_KVERS= runs it)" >&2; continue ;; esac
		echo "$k"
	done | sort -uV | tr '\n' ' '
}
case " $ARCHES " in *" arm64 "*)
	if [ -n "${KERNEL_ROOT:-}" ]; then
		echo "vm: arm64 left out: KERNEL_ROOT is an x86 kernel"
	else
		vm suites-arm64 bash tools/testing/xen-vm/run.sh OUT="$out/vm-arm64" MODE=check \
			KVERS="${ARM64_KVERS:-$(arm64_kvers)}"
	fi
	;;
esac
# The short fuzz (issue 7): a minute per kernel line, our modules only.
if [ "${MODULES:-ours}" != intree ] && [ "${FUZZ_DURATION:-60}" != 0 ]; then
	case " $ARCHES " in *" x86_64 "*)
		vm fuzz make -s fuzz DURATION="${FUZZ_DURATION:-60}" FUZZ_OUT="$out/fuzz/vm" ;;
	esac
	case " $ARCHES " in *" arm64 "*)
		[ -z "${KERNEL_ROOT:-}" ] &&
			vm fuzz-arm64 make -s fuzz DURATION="${FUZZ_DURATION:-60}" \
				KVERS="${ARM64_KVERS:-$(arm64_kvers)}" FUZZ_OUT="$out/fuzz/vm-arm64" ;;
	esac
fi
if [ $((pass + fail)) = 0 ]; then
	echo "check: no test ran"
	fail=1
fi
echo "check: host and VM results together (details under $out)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
