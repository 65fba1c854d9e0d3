# SPDX-License-Identifier: GPL-2.0
#
# xen-gnt: out-of-tree Xen grant devices. "make help" lists the targets.

KVER ?= $(shell uname -r)
# An arm64 release (…-arm64) on a host that is not arm64: a cross-build
# against Debian's arm64 headers, fetched (never installed) into
# .cache/arm64/$(KVER) by tools/arm64/fetch.sh on first use.  On an arm64
# host the installed headers are used as for any native build.
ifneq ($(filter %-arm64,$(KVER)),)
ifneq ($(shell uname -m),aarch64)
ARM64_CROSS := 1
KDIR ?= $(CURDIR)/.cache/arm64/$(KVER)/usr/src/linux-headers-$(KVER)
CROSS_COMPILE ?= aarch64-linux-gnu-
KBUILD_ARGS := ARCH=arm64 CROSS_COMPILE=$(CROSS_COMPILE)
endif
endif
KDIR ?= /lib/modules/$(KVER)/build
VERSION := $(shell cat VERSION)
TOP := $(CURDIR)
OUT ?= $(TOP)/out
MODULES_LIST := xen-gntcore xen-gntdev xen-gntalloc
# Files that make up the kernel build (what DKMS and stage copy).
SRC_FILES := Kbuild VERSION $(shell find compat drivers include -type f \( -name '*.[ch]' -o -name 'Kbuild*' \) 2>/dev/null)

.PHONY: all kdir modules clean build-64k stage install uninstall dkms-install dkms-uninstall \
	check check-intree demo bench style sparse abi-check help selftests

all: modules

# The arm64 headers, fetched when a cross-build needs them.
kdir:
ifdef ARM64_CROSS
	@test -f $(KDIR)/Makefile || tools/arm64/fetch.sh $(KVER) >/dev/null
endif

modules: kdir
	$(MAKE) -C $(KDIR) M=$(TOP) $(KBUILD_ARGS) modules

# What a build leaves in the tree; not kbuild's "clean", whose find walks
# every directory under M= (and so .cache's kernel trees).
CLEAN_FIND := \( -name '*.[oas]' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name '*.dwo' -o -name '*.o.d' -o -name '.*.d' \
	-o -name modules.order -o -name Module.symvers \)
clean:
	find $(TOP) \( -path $(TOP)/.cache -o -path $(TOP)/.git -o -path $(OUT) \) -prune \
		-o $(CLEAN_FIND) -type f -print | xargs -r rm -f
	rm -rf $(TOP)/.tmp_versions
	rm -rf $(OUT)
	$(MAKE) -C tools/testing/selftests/xen clean 2>/dev/null || true

# Build for $(KVER) in a private copy of the sources, so that several
# kernels can be built side by side; leaves the modules in
# out/$(KVER)/modules/.
stage: kdir
	@rm -rf $(OUT)/$(KVER)/build && mkdir -p $(OUT)/$(KVER)/build $(OUT)/$(KVER)/modules
	@tar -cf - $(SRC_FILES) | tar -xf - -C $(OUT)/$(KVER)/build
	$(MAKE) -C $(KDIR) M=$(OUT)/$(KVER)/build $(KBUILD_ARGS) $(if $(W),W=$(W)) $(if $(C),C=$(C)) modules
	@cp $(addprefix $(OUT)/$(KVER)/build/,$(addsuffix .ko,$(MODULES_LIST))) $(OUT)/$(KVER)/modules/

install: modules
	$(MAKE) -C $(KDIR) M=$(TOP) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)

uninstall:
	rm -f $(addprefix /lib/modules/$(KVER)/updates/,$(addsuffix .ko*,$(MODULES_LIST)))
	depmod -a $(KVER)

# DKMS: register the sources as xen-gnt/$(VERSION) and build + install for
# $(KVER) (all installed kernels with KVER=all).
DKMS_SRC := /usr/src/xen-gnt-$(VERSION)
dkms-install:
	@command -v dkms >/dev/null || { echo "dkms is not installed (apt-get install dkms)"; exit 1; }
	-dkms remove -m xen-gnt -v $(VERSION) --all >/dev/null 2>&1
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	tar -cf - dkms.conf $(SRC_FILES) | tar -xf - -C $(DKMS_SRC)
	dkms add -m xen-gnt -v $(VERSION)
ifeq ($(KVER),all)
	for k in $$(ls /lib/modules); do [ -d /lib/modules/$$k/build ] && dkms install -m xen-gnt -v $(VERSION) -k $$k || true; done
else
	dkms install -m xen-gnt -v $(VERSION) -k $(KVER)
endif

dkms-uninstall:
	-dkms remove -m xen-gnt -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

selftests:
	$(MAKE) -C tools/testing/selftests/xen

abi-check:
	$(MAKE) -C tools/testing/selftests/xen abi-check

-include tools/testing/xen-vm/targets.mk
-include tools/bench/bench.mk
-include tools/testing/fuzz/fuzz.mk
include Documentation/docs.mk

style:
	@tools/style.sh

# sparse (C=2) and W=1 builds for every installed kernel line and, on an
# amd64 host, each line's arm64 twin (cross-built, headers fetched).
sparse:
	@for k in $$(ls /lib/modules); do [ -d /lib/modules/$$k/build ] || continue; \
		echo "== $$k"; $(MAKE) -s stage KVER=$$k W=1 C=2 || exit 1; \
		case $$k in *-amd64) a=$${k%-amd64}-arm64; \
			echo "== $$a"; $(MAKE) -s stage KVER=$$a W=1 C=2 || exit 1;; esac; \
	done

# W=1 + sparse for an arm64 kernel with 64 KiB pages (configured once from
# linux-source-6.12 in .cache/arm64/k64): PAGE_SIZE != XEN_PAGE_SIZE.
build-64k:
	@tools/arm64/build-64k.sh

help:
	@echo "xen-gnt $(VERSION) targets:"
	@echo "  make [KVER=release]    build the three modules for a kernel (default: running)"
	@echo "  make stage KVER=...    build into out/KVER/modules (several kernels side by side)"
	@echo "                         (KVER=…-arm64 on amd64: cross-built, headers into .cache/arm64)"
	@echo "  make install           install into /lib/modules/KVER/updates and run depmod"
	@echo "  make dkms-install      register with DKMS and build/install (KVER=all: every kernel)"
	@echo "  make dkms-uninstall    remove from DKMS: the in-tree modules are used again"
	@echo "  make check             every test, both kernel lines, x86_64 and arm64, in Xen+dom0+domU"
	@echo "                         under QEMU (MODULES=intree: the in-tree modules; ARCHES=x86_64: one arch)"
	@echo "  make check-debug       the VM suites and a short fuzz on a debug 6.12 kernel (lockdep,"
	@echo "                         KFENCE, kmemleak) built once into .cache/debug-kernel"
	@echo "  make demo              boot Xen+dom0+domU and move data over vchan through our modules"
	@echo "  make deps              install every Debian package the above need (root; check and"
	@echo "                         demo do it first)"
	@echo "  make bench             benchmarks: ours vs in-tree in the same boot"
	@echo "  make bench-profile     perf in dom0 around one round (BENCH_PROFILE=alloc_cycle_1024)"
	@echo "  make fuzz              seeded fuzzer of both devices in dom0 and a domU (DURATION=60 SEED=...)"
	@echo "  make abi-check         assert our uapi headers match the system's, byte for byte"
	@echo "  make style             checkpatch and clang-format"
	@echo "  make htmldocs          the documentation (Sphinx) into out/htmldocs"
	@echo "  make deb               the Debian package xen-gnt-dkms into out/deb"
	@echo "  make sparse            W=1 + sparse (C=2) builds for every installed kernel"
	@echo "                         and its arm64 twin; make build-64k: arm64 with 64K pages"
	@echo "  make clean"
