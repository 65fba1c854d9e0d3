#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian packages the benchmark's report needs (root, Debian 12):
# gnuplot for the PNG plot, python3 for report.py. gntbench itself only
# needs gcc and the static libc (build-essential). Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(gnuplot-nox python3 libc6-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
echo "bench install-deps: installing ${missing[*]}"
[ -n "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ] ||
	apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
	{ apt-get update -q >/dev/null &&
	  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
