# SPDX-License-Identifier: GPL-2.0
#
# gntfuzz: build it on the host and run it with our modules in a Xen dom0
# and, at the same time, in a PV domU (the VM runner's MODE=fuzz,
# tools/testing/xen-vm/README.md).  dom0 uses SEED, the domU SEED + 1.
#
#   make -f tools/testing/fuzz/fuzz.mk fuzz [DURATION=60] [SEED=N]
#        [THREADS=3] [STALL_PERCENT=10]
#        [KVERS=K] [MODULES=ours|intree] [FUZZ_OUT=DIR]
#        (KVERS of arm64 releases: Xen/arm64, gntfuzz cross-built)
#   make -f tools/testing/fuzz/fuzz.mk gntfuzz     # the binary only
#
# The seed is printed; rerun with SEED=N to replay the same sequence (of
# each thread: the interleaving of THREADS > 1 is not replayed).  THREADS
# and STALL_PERCENT are gntfuzz's --threads / --stall-percent, in dom0 and
# in the domU.
# Results: dom0's in $(FUZZ_OUT)/K/bench/ (gntfuzz.out, gntfuzz-ops-tail.log,
# dmesg-during.txt, counters-*.txt, bench.log = the TAP), the domU's in
# $(FUZZ_OUT)/K/domU/ (gntfuzz.out, real-clients.tap, counters.txt,
# dmesg.txt) and the runner's usual files in $(FUZZ_OUT)/K/.

FUZZ_DIR := $(abspath $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST)))))
FUZZ_TOP := $(abspath $(FUZZ_DIR)/../../..)
# arm64 releases in KVERS (…-arm64): Xen/arm64, gntfuzz cross-built.
FUZZ_ARCH := $(if $(filter %-arm64,$(KVERS)),arm64,x86_64)
ifeq ($(FUZZ_ARCH),arm64)
ifneq ($(filter-out %-arm64,$(KVERS)),)
$(error fuzz: KVERS mixes arm64 and x86 releases; run them one arch at a time)
endif
FUZZ_BIN := $(FUZZ_TOP)/out/fuzz/gntfuzz-arm64
FUZZ_CC := aarch64-linux-gnu-gcc
else
FUZZ_BIN := $(FUZZ_TOP)/out/fuzz/gntfuzz
FUZZ_CC = $(CC)
endif
FUZZ_OUT ?= $(FUZZ_TOP)/out/fuzz/vm

DURATION ?= 60
ifeq ($(origin SEED),undefined)
SEED := $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
endif
MODULES ?= ours
THREADS ?= 3
STALL_PERCENT ?= 10

CC ?= cc
FUZZ_CFLAGS := -O2 -g -static -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I$(FUZZ_TOP)/include/uapi

.PHONY: fuzz gntfuzz

gntfuzz: $(FUZZ_BIN)

$(FUZZ_BIN): $(FUZZ_DIR)/gntfuzz.c $(FUZZ_TOP)/include/uapi/xen/gntdev.h \
		$(FUZZ_TOP)/include/uapi/xen/gntalloc.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $<

fuzz: $(FUZZ_BIN)
	@echo "gntfuzz: seed $(SEED), $(DURATION) s, modules $(MODULES), threads $(THREADS), stall-percent $(STALL_PERCENT)"
	bash $(FUZZ_TOP)/tools/testing/xen-vm/run.sh MODE=fuzz \
		MODULES=$(MODULES) OUT=$(FUZZ_OUT) FUZZ_BIN=$(FUZZ_BIN) \
		FUZZ_SECONDS=$(DURATION) FUZZ_SEED=$$(( $(SEED) + 1 )) \
		FUZZ_THREADS=$(THREADS) FUZZ_STALL_PERCENT=$(STALL_PERCENT) \
		$(if $(KVERS),KVERS='$(KVERS)') \
		BENCH_TIMEOUT=$$(( $(DURATION) + 300 )) \
		BENCH_CMD='GNTFUZZ=$(FUZZ_BIN) FUZZ_THREADS=$(THREADS) FUZZ_STALL_PERCENT=$(STALL_PERCENT) bash $(FUZZ_DIR)/run-in-dom0.sh $(DURATION) $(SEED)'
	@echo "gntfuzz: seed $(SEED); results in $(FUZZ_OUT)/*/bench/"
