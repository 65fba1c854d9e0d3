#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# apt-install.sh PACKAGE...: installs the Debian packages among PACKAGE
# that are not installed yet (root, Debian 12).  Quiet and quick when all
# are present; fetches the package lists first on a machine that has none,
# and once more if the install fails on stale lists.  Every install-deps
# script of the project goes through here.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "apt-install.sh: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "apt-install.sh: installing ${missing[*]}"
if [ -z "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ]; then
	apt-get update -q >/dev/null
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
