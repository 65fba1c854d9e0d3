# SPDX-License-Identifier: GPL-2.0
#
# "make bench": xen-gnt's modules against the kernel's own, in Xen dom0
# under QEMU, for every kernel line (or KVERS="..."). Included from the
# top Makefile; see tools/bench/README.md.
#
#   make bench [KVERS="6.12.117+deb12-amd64"] [BENCH_ROUNDS=3]
#              (KVERS of arm64 releases: on Xen/arm64, one arch per run)
#              [BENCH_ARGS="--reps 3 --sample-ms 100"] [BENCH_OUT=out/bench]
#   make bench-report     redo the table, JSON and plot from the last runs
#   make bench-profile [BENCH_PROFILE=alloc_cycle_1024]   perf in dom0
#   make bench-bin        only build gntbench
#   make bench-deps       install what the report needs (gnuplot, python3)

TOP ?= $(CURDIR)
OUT ?= $(TOP)/out
BENCH_OUT ?= $(OUT)/bench
BENCH_ROUNDS ?= 3
BENCH_ARGS ?= --reps 3 --sample-ms 100
# A bound for a hang only; a normal run takes a fraction of it.
BENCH_TIMEOUT ?= 1800
# The VM runner, extra NAME=VALUE settings for it, and extra options for
# run-in-dom0.sh (e.g. --limit N). See README.md for what the runner must
# do in bench mode (no toolstack holding the grant devices; instruction
# counting for stable numbers).
BENCH_RUNNER ?= $(TOP)/tools/testing/xen-vm/run.sh
BENCH_VM_ARGS ?=
BENCH_DOM0_ARGS ?=
# KVERS of arm64 releases (…-arm64): Xen/arm64, gntbench cross-built.
ifneq ($(filter %-arm64,$(KVERS)),)
ifneq ($(filter-out %-arm64,$(KVERS)),)
$(error bench: KVERS mixes arm64 and x86 releases; run them one arch at a time)
endif
BENCH_BIN := $(BENCH_OUT)/bin/gntbench-arm64
BENCH_CC := aarch64-linux-gnu-gcc
else
BENCH_BIN := $(BENCH_OUT)/bin/gntbench
BENCH_CC = $(CC)
endif
BENCH_SRC := $(TOP)/tools/bench/gntbench.c
BENCH_HDRS := $(TOP)/include/uapi/xen/gntdev.h $(TOP)/include/uapi/xen/gntalloc.h

.PHONY: bench bench-bin bench-report bench-deps bench-profile

# $(call bench_vm,RESULTS,RUN-IN-DOM0 OPTIONS,MORE GNTBENCH ARGS): one
# boot per kernel line in bench mode, run-in-dom0.sh in dom0.
bench_vm = bash $(BENCH_RUNNER) MODE=bench MODULES=ours \
	OUT=$(1) BENCH_TIMEOUT=$(BENCH_TIMEOUT) \
	$(if $(KVERS),KVERS="$(KVERS)") $(BENCH_VM_ARGS) \
	BENCH_CMD='$(TOP)/tools/bench/run-in-dom0.sh $(2) --bench $(BENCH_BIN) $(BENCH_DOM0_ARGS) "$$BENCH_OUT" -- $(BENCH_ARGS) $(3)'

# Static, so that it runs anywhere; dynamic if the static libc is missing
# (dom0 runs on the host's own root file system, so either works there).
$(BENCH_BIN): $(BENCH_SRC) $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) -O2 -Wall -Wextra -static -I$(TOP)/include/uapi -o $@ $(BENCH_SRC) || \
		$(BENCH_CC) -O2 -Wall -Wextra -I$(TOP)/include/uapi -o $@ $(BENCH_SRC)

bench-bin: $(BENCH_BIN)

# The runner boots each kernel with MODE=bench and runs run-in-dom0.sh in
# dom0, which swaps the module sets itself and writes its files to the
# runner's per-kernel results folder ($BENCH_OUT in dom0, i.e.
# $(BENCH_OUT)/vm/<kernel>/bench here). The report is made even when a
# run failed; the target then fails too.
bench: $(BENCH_BIN)
	@rm -rf $(BENCH_OUT)/vm
	@rc=0; \
	$(call bench_vm,$(BENCH_OUT)/vm,--rounds $(BENCH_ROUNDS),) || rc=$$?; \
	if python3 $(TOP)/tools/bench/report.py $(BENCH_OUT)/vm --out $(BENCH_OUT); then \
		echo "bench: table $(BENCH_OUT)/bench.md, JSON $(BENCH_OUT)/bench.json, plot $(BENCH_OUT)/bench.png"; \
	else rc=1; fi; \
	exit $$rc

bench-report:
	python3 $(TOP)/tools/bench/report.py $(BENCH_OUT)/vm --out $(BENCH_OUT)

# Where the time goes: one round of the workloads BENCH_PROFILE selects
# (gntbench --only syntax), each set's run under perf in dom0. Writes
# $(BENCH_OUT)/profile/<kernel>/bench/r1-<set>.perf.txt and
# .perf-children.txt; the timings of such a run are not comparable.
BENCH_PROFILE ?= alloc_cycle_1024
bench-profile: $(BENCH_BIN)
	@rm -rf $(BENCH_OUT)/profile
	@rc=0; \
	$(call bench_vm,$(BENCH_OUT)/profile,--rounds 1 --perf,--only $(BENCH_PROFILE)) \
		|| rc=$$?; \
	ls $(BENCH_OUT)/profile/*/bench/*.perf*.txt 2>/dev/null; \
	exit $$rc

bench-deps:
	bash $(TOP)/tools/bench/install-deps.sh
