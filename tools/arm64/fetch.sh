#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch.sh REL...: Debian's arm64 kernel headers for each release REL
# (6.1.0-NN-arm64, 6.12.NN+deb12-arm64), unpacked into .cache/arm64/REL/ of
# the project's tree for a cross-build on an amd64 host (the Makefile calls
# this when KVER names an arm64 release that is not there yet).  Prints
# each tree's KDIR.
#
# fetch.sh --pkgs NAME PKG...: the candidate versions of the arm64
# packages PKG (PKG:ARCH for another architecture) unpacked together into
# .cache/arm64/NAME/; prints that root.  Done again only when the list of
# packages or their versions change.
# fetch.sh --root NAME PKG...: the same, with every lib* package PKG
# depends on (recursively): a root file system for an arm64 dom0.
# fetch.sh --libxen: libxen-dev:arm64 and the libraries it depends on, for
# the cross-built selftests (-I/-L into .cache/arm64/libxen); prints the root.
#
# Nothing is installed: the packages are fetched with "apt-get download"
# and unpacked with "dpkg -x".  Installing linux-headers-*-arm64:arm64
# would make apt remove the host's gcc-12, which the arm64 headers depend
# on.  What is unpacked, from the versions the arm64 headers depend on:
#   linux-headers-REL:arm64       .config, Module.symvers, generated headers
#   linux-headers-*-common (all)  the kernel's Makefile and include/
#   linux-kbuild-*:amd64          fixdep, modpost and the other host tools,
#                                 built for the machine that runs them (the
#                                 package is Multi-Arch: foreign; its arm64
#                                 copy holds arm64 binaries)
# Absolute links and the absolute include of the -common Makefile are made
# relative, so the tree works where it lies.
#
# arm64 is added to dpkg's foreign architectures (and the package lists
# fetched again) when apt does not know the arm64 headers yet: that needs
# root once, and lets apt download arm64 packages; it installs nothing.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${XEN_GNT_ARM64_CACHE:-$top/.cache/arm64}
debs=$cache/debs

die() { echo "fetch.sh: $*" >&2; exit 1; }

# lock NAME: hold .cache/arm64/.NAME.lock until this script ends, so that
# concurrent runs do not unpack the same tree at once (one waits, then
# finds it complete).
lock() {
	local fd
	mkdir -p "$cache"
	exec {fd}>"$cache/.$1.lock"
	flock "$fd"
}

# apt_known PKG: apt has a candidate for PKG.
apt_known() {
	apt-cache show --no-all-versions "$1" >/dev/null 2>&1
}

# ensure_arm64_lists PKG: make apt know arm64 packages (PKG is one).
ensure_arm64_lists() {
	apt_known "$1" && return 0
	[ "$(id -u)" = 0 ] || die "apt does not know $1; as root: dpkg --add-architecture arm64 && apt-get update"
	dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
	apt-get update -q >/dev/null
	apt_known "$1" || die "$1: no such package in the configured archives"
}

# field PKG NAME: a control field of PKG's candidate version.
field() {
	apt-cache show --no-all-versions "$1" | sed -n "s/^$2: //p" | head -n1
}

# dep_name PKG PREFIX: the name of PKG's dependency that starts with PREFIX.
dep_name() {
	field "$1" Depends | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' |
		grep "^$2" | head -n1
}

# download PKG=VERSION: the .deb into $debs (once); prints its path.
download() {
	local name=${1%%=*} ver=${1#*=} f
	name=${name%%:*}
	f=$(ls "$debs/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$f" ]; then
		(cd "$debs" && apt-get download -q "${1/:all=/=}" 2>&1 |
			grep -v -e 'unsandboxed as root' -e '^Get:' -e '^Fetched' >&2 || true)
		f=$(ls "$debs/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
		[ -n "$f" ] || die "apt-get download $1 failed"
	fi
	echo "$f"
}

# relink ROOT: every absolute symbolic link under ROOT made relative, to
# the same path inside ROOT.
relink() {
	local root=$1 l t rel
	find "$root" -type l | while read -r l; do
		t=$(readlink "$l")
		case $t in /*) ;; *) continue ;; esac
		rel=$(realpath -m --relative-to="$(dirname "$l")" "$root$t")
		ln -sfn "$rel" "$l"
	done
}

# fetch REL: the headers tree of REL under $cache/REL.
fetch() {
	local rel=$1 hdr ver common kbuild root tmp kdir mk
	case $rel in *-arm64) ;; *) die "$rel: not an arm64 release (…-arm64)" ;; esac
	root=$cache/$rel
	kdir=$root/usr/src/linux-headers-$rel
	lock "$rel"
	if [ -f "$root/.complete" ]; then
		echo "$kdir"
		return
	fi
	hdr=linux-headers-$rel:arm64
	ensure_arm64_lists "$hdr"
	ver=$(field "$hdr" Version)
	common=$(dep_name "$hdr" "linux-headers-")
	kbuild=$(dep_name "$hdr" "linux-kbuild-")
	[ -n "$common" ] && [ -n "$kbuild" ] || die "$hdr: cannot tell its -common and kbuild packages"
	mkdir -p "$debs"
	tmp=$root.tmp
	rm -rf "$tmp" && mkdir -p "$tmp"
	local p
	for p in "$hdr=$ver" "$common=$ver" "$kbuild:amd64=$ver"; do
		dpkg -x "$(download "$p")" "$tmp"
	done
	relink "$tmp"
	mk=$tmp/usr/src/linux-headers-$rel/Makefile
	# "include /usr/src/linux-headers-X-common/Makefile": the -common tree
	# beside this one, wherever the cache lies.
	sed -i 's|^include /usr/src/\(linux-headers-[^/]*\)/Makefile$|include $(realpath $(dir $(lastword $(MAKEFILE_LIST)))../\1/Makefile)|' "$mk"
	grep -q '^include /' "$mk" && die "$mk: an absolute include is left"
	touch "$tmp/.complete"
	rm -rf "$root" && mv "$tmp" "$root"
	echo "$kdir"
}

# records PKG...: "NAME:ARCH VERSION DEPENDS" of each PKG's candidate (PKG
# without :ARCH means :arm64), one apt-cache call for all (each call reads
# every package list: seconds).  An Architecture: all package asked for as
# :arm64 is looked up without the suffix.
records() {
	local q=() p
	for p in "$@"; do
		case $p in *:*) q+=("$p") ;; *) q+=("$p:arm64" "$p") ;; esac
	done
	apt-cache show --no-all-versions "${q[@]}" 2>/dev/null | awk '
		/^Package: / { n = $2 } /^Architecture: / { a = $2 } /^Version: / { v = $2 }
		/^(Pre-)?Depends: / { sub(/^[^:]*: /, ""); d = d ", " $0 }
		/^$/ { if (n != "") print n ":" a, v, d; n = ""; a = ""; v = ""; d = "" }
		END { if (n != "") print n ":" a, v, d }'
}

# candidates PKG...: "NAME:ARCH=VERSION" per PKG (arm64 unless PKG names its
# architecture; "all" for an Architecture: all package).
candidates() {
	local recs p n got
	recs=$(records "$@")
	for p in "$@"; do
		case $p in *:*) n=$p ;; *) n=$p:arm64 ;; esac
		got=$(awk -v n="$n" -v all="${n%%:*}:all" '$1 == n || $1 == all { print $1 "=" $2; exit }' <<<"$recs")
		[ -n "$got" ] || die "$n: no such package in the configured archives"
		echo "$got"
	done
}

# pkgs NAME PKG...: PKG's candidates unpacked into $cache/NAME.
pkgs() {
	local name=$1 root=$cache/$1 want
	shift
	ensure_arm64_lists "${1%%:*}:arm64"
	want=$(candidates "$@") || exit 1
	want+=$'\n'
	lock "$name"
	if [ -f "$root/.complete" ] && [ "$(cat "$root/.complete")" = "$want" ]; then
		echo "$root"
		return
	fi
	mkdir -p "$debs"
	rm -rf "$root.tmp" && mkdir -p "$root.tmp"
	while read -r p; do
		[ -n "$p" ] && dpkg -x "$(download "$p")" "$root.tmp"
	done <<<"$want"
	relink "$root.tmp"
	# A kernel's modules.dep is made at install time: make it here.
	for p in "$root.tmp"/lib/modules/*/modules.order; do
		[ -f "$p" ] || continue
		p=${p%/modules.order}
		depmod -b "$root.tmp" "${p##*/}"
	done
	printf %s "$want" >"$root.tmp/.complete"
	rm -rf "$root" && mv "$root.tmp" "$root"
	echo "$root"
}

# lib_closure PKG...: PKG and, recursively, every lib* package among their
# Depends and Pre-Depends (the shared libraries they link with), one per
# line.  Only lib* names are followed: the toolstack's dependencies on
# python3 and perl are not needed to run it.
lib_closure() {
	local seen=" " level=("$@") next p d
	while [ ${#level[@]} -gt 0 ]; do
		next=()
		for p in "${level[@]}"; do
			case $seen in *" $p "*) continue ;; esac
			seen+="$p "
			echo "$p"
		done
		for d in $(records "${level[@]}" | cut -d' ' -f3- | tr ',' '\n' |
			sed 's/|.*//; s/^ *//; s/[ :(].*//' | grep '^lib' | sort -u || true); do
			case $seen in *" $d "*) ;; *) next+=("$d") ;; esac
		done
		level=("${next[@]}")
	done
}

# check_needed ROOT: every shared library an ELF file of ROOT needs is in
# ROOT (the lib* closure above missed none).
check_needed() {
	local root=$1 f n missing=
	for f in $(find "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin \
		"$root"/usr/lib/xen-*/bin -type f 2>/dev/null); do
		for n in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$root/lib/aarch64-linux-gnu/$n" ] || [ -e "$root/usr/lib/aarch64-linux-gnu/$n" ] ||
				[ -e "$root/usr/lib/xen-4.17/lib/$n" ] || missing+=" $n(${f#"$root"})"
		done
	done
	[ -z "$missing" ] || die "libraries missing from $root:$missing"
}

case ${1:-} in
--root)
	[ $# -ge 3 ] || die "usage: fetch.sh --root NAME PKG..."
	shift
	name=$1
	shift
	ensure_arm64_lists "$1:arm64"
	# shellcheck disable=SC2046 # one word per package
	r=$(pkgs "$name" $(lib_closure "$@"))
	[ -f "$r/.checked" ] || { check_needed "$r" && touch "$r/.checked"; }
	echo "$r"
	;;
--pkgs)
	[ $# -ge 3 ] || die "usage: fetch.sh --pkgs NAME PKG..."
	shift
	pkgs "$@"
	;;
--libxen)
	ensure_arm64_lists libxen-dev:arm64
	# shellcheck disable=SC2046 # one word per dependency
	pkgs libxen libxen-dev $(field libxen-dev:arm64 Depends |
		tr ',' '\n' | sed 's/^ *//; s/ .*//')
	;;
"" | -*)
	die "usage: fetch.sh REL... | --pkgs NAME PKG... | --libxen"
	;;
*)
	for r in "$@"; do
		fetch "$r"
	done
	;;
esac
