#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make style: checkpatch and clang-format (the kernel's own .clang-format)
# over the driver sources. Both tools come from Debian's linux-source-6.12
# package; they are extracted once into .cache/kernel-tools.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache/kernel-tools
tarball=/usr/src/linux-source-6.12.tar.xz

bash "$top/tools/testing/apt-install.sh" linux-source-6.12 clang-format
if [ ! -x "$cache/scripts/checkpatch.pl" ]; then
	mkdir -p "$cache"
	tar -xJf "$tarball" -C "$cache" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' '*/.clang-format'
fi

cd "$top"
files=$(git ls-files -co --exclude-standard 'drivers/*.[ch]' 'include/xen/*.h' 'compat/*.h')
uapi=$(git ls-files -co --exclude-standard 'include/uapi/*.h')
status=0

echo "== checkpatch"
# Each file on its own; --no-tree since this is not a kernel tree.
# SPDX_LICENSE_TAG and FILE_PATH_CHANGES do not apply out of tree.
if ! "$cache/scripts/checkpatch.pl" --no-tree --quiet --strict --terse \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f $files; then
	status=1
fi
# The one-element arrays of the uapi structs are ABI: sizeof() of those
# structs is encoded in the ioctl numbers, so they cannot become [].
if ! "$cache/scripts/checkpatch.pl" --no-tree --quiet --strict --terse \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,FLEXIBLE_ARRAY -f $uapi; then
	status=1
fi

echo "== clang-format (kernel .clang-format): files that would change"
n=0
for f in $files $uapi; do
	if ! clang-format --style="file:$cache/.clang-format" "$f" | cmp -s - "$f"; then
		echo "  $f"
		n=$((n + 1))
	fi
done
echo "clang-format: $n file(s) differ"
[ "$status" = 0 ] && echo "checkpatch: clean"
exit $status
