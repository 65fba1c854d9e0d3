#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test of the project, then one summary line.
#  1. host tests, TAP: the uapi ABI against the system headers (64 and
#     32 bit), the DKMS round trip and the .deb round trip for every
#     installed kernel line (skipped with MODULES=intree);
#  2. the VM runner (tools/testing/xen-vm/run.sh, MODE=check): kselftests
#     and real clients in Xen + PV dom0 + PV domU, for each kernel line.
# The last line is "N passed, N failed, N skipped" over all of them; the
# exit status is non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
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

host abi make -s abi-check
if [ "${MODULES:-ours}" != intree ]; then
	host dkms bash tools/testing/host/dkms-test.sh
	host deb bash debian/tests/deb-roundtrip.sh
fi

echo "vm: running the suites in Xen + dom0 + domU"
vmlog=$out/host/vm.log
bash tools/testing/xen-vm/run.sh OUT="$out/vm" MODE=check 2>&1 | tee "$vmlog"
vmrc=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$vmlog" | tail -1)
if [ -n "$line" ]; then
	read -r p _ f _ s _ <<<"${line//,/}"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + ${s:-0}))
fi
if [ "$vmrc" != 0 ] && { [ -z "$line" ] || [ "${f:-0}" = 0 ]; }; then
	echo "vm: the runner failed (exit $vmrc) without a failed test: counted as a failure"
	fail=$((fail + 1))
fi
if [ $((pass + fail)) = 0 ]; then
	echo "check: no test ran"
	fail=1
fi
echo "check: host and VM results together (details under $out)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
