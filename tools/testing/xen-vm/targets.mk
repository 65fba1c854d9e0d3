# SPDX-License-Identifier: GPL-2.0
#
# VM test targets, for the top-level Makefile to include.  Settings are
# passed through the environment / make's command line, e.g.
#   make check KVERS=6.12.117+deb12-amd64 MODULES=intree
#   make vm-bench BENCH_CMD='tools/bench/run-in-dom0.sh --rounds 3'
# (see tools/testing/xen-vm/README.md).  Results go to $(OUT)/vm.

XEN_VM_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
XEN_VM_OUT ?= $(if $(OUT),$(OUT),$(CURDIR)/out)/vm
XEN_VM_RUN = bash $(XEN_VM_DIR)/run.sh OUT=$(XEN_VM_OUT)

.PHONY: deps vm-deps check check-intree check-debug demo vm-bench

# Every Debian package the builds and tests need, the VM runner's
# included (tools/testing/install-deps.sh): what make check and make demo
# need on a fresh Debian 12 (as root). Quick and silent when all are
# installed.
deps:
	@bash $(XEN_VM_DIR)/../install-deps.sh

# The VM runner's packages alone.
vm-deps:
	@bash $(XEN_VM_DIR)/install-deps.sh

# Every test: host tests (ABI, DKMS, .deb) and, for every installed kernel
# line and its arm64 twin, the VM suites with our modules
# (tools/testing/check.sh; ARCHES=x86_64 or ARCHES=arm64 for one arch).
check: deps
	bash tools/testing/check.sh

# The same suites on the kernel's own xen-gntdev/xen-gntalloc, both arches.
check-intree: deps
	MODULES=intree bash tools/testing/check.sh

# The VM suites and the short fuzz with our modules on a debug kernel
# (lockdep, atomic-sleep and list checks, KFENCE, kmemleak) built from
# linux-source-6.12 into .cache/debug-kernel and reused while its inputs are
# unchanged (tools/testing/debug-kernel/build.sh). Nothing is installed on
# the host. Results: $(OUT)/check-debug (default out/check-debug).
check-debug: vm-deps
	@bash tools/testing/apt-install.sh linux-source-6.12 xz-utils flex bison bc libelf-dev libssl-dev
	@k=$$(bash tools/testing/debug-kernel/build.sh) || exit 1; \
	eval "$$(echo "$$k" | tail -n 1)"; \
	HOST_TESTS=0 KERNEL_ROOT="$$KERNEL_ROOT" KVERS="$$KVER" \
		OUT=$(if $(OUT),$(OUT),$(CURDIR)/out)/check-debug bash tools/testing/check.sh

# One boot, our modules, vchan transfers both ways with checksums.
demo: deps
	$(XEN_VM_RUN) MODE=demo

# Runs $(BENCH_CMD) in dom0 with a domU up; output in $(XEN_VM_OUT)/KVER/bench.
vm-bench: vm-deps
	$(XEN_VM_RUN) MODE=bench
