#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian packages the benchmark's report needs (root, Debian 12):
# gnuplot for the PNG plot, python3 for report.py, linux-perf for
# make bench-profile. gntbench itself only needs gcc and the static libc
# (build-essential). Idempotent.
set -euo pipefail

bash "$(dirname "$0")/../testing/apt-install.sh" gnuplot-nox python3 libc6-dev linux-perf
