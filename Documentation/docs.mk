# SPDX-License-Identifier: GPL-2.0
#
# "make htmldocs" and "make deb", for the top-level Makefile to include
# (it also works on its own: make -f Documentation/docs.mk htmldocs).
#
#   make htmldocs   Documentation/ -> out/htmldocs/index.html, with
#                   sphinx-build -W (a warning is an error). Installs
#                   python3-sphinx and takes scripts/kernel-doc from
#                   Debian's linux-source-6.12 when they are missing.
#   make deb        the Debian package: out/deb/xen-gnt-dkms_<ver>_all.deb,
#                   built by dpkg-buildpackage in a copy of the sources
#                   (out/deb/xen-gnt-<ver>/), so that the tree itself is
#                   left alone. Installs debhelper and dh-dkms if missing.

XG_DOCS_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
XG_DOCS_TOP = $(abspath $(XG_DOCS_DIR)/..)
XG_DOCS_OUT = $(if $(OUT),$(OUT),$(XG_DOCS_TOP)/out)
XG_DOCS_VERSION = $(shell cat $(XG_DOCS_TOP)/VERSION)
XG_KERNEL_TARBALL ?= /usr/src/linux-source-6.12.tar.xz
# Shared with tools/style.sh, which extracts checkpatch there.
XG_KERNEL_TOOLS = $(XG_DOCS_TOP)/.cache/kernel-tools
KERNELDOC ?= $(XG_KERNEL_TOOLS)/scripts/kernel-doc
SPHINXBUILD ?= sphinx-build
SPHINXOPTS ?=

XG_APT_INSTALL = $(XG_DOCS_TOP)/tools/testing/apt-install.sh

.PHONY: htmldocs htmldocs-deps deb deb-deps

htmldocs-deps:
	@bash $(XG_APT_INSTALL) python3-sphinx perl
	@if [ ! -f "$(KERNELDOC)" ]; then \
		[ -f "$(XG_KERNEL_TARBALL)" ] || bash $(XG_APT_INSTALL) linux-source-6.12; \
		mkdir -p "$(XG_KERNEL_TOOLS)" && \
		tar -xJf "$(XG_KERNEL_TARBALL)" -C "$(XG_KERNEL_TOOLS)" \
			--strip-components=1 --wildcards '*/scripts/kernel-doc'; \
	fi

# -E: read every page each time, so that every warning is seen on every
# build (Sphinx only reports them for the pages it reads).
htmldocs: htmldocs-deps
	@rm -rf $(XG_DOCS_OUT)/htmldocs
	KERNELDOC=$(KERNELDOC) $(SPHINXBUILD) -W --keep-going -E -q -b html \
		-d $(XG_DOCS_OUT)/htmldocs/.doctrees $(SPHINXOPTS) \
		$(XG_DOCS_TOP)/Documentation $(XG_DOCS_OUT)/htmldocs
	@rm -rf $(XG_DOCS_OUT)/htmldocs/.doctrees
	@echo "htmldocs: $(XG_DOCS_OUT)/htmldocs/index.html"

# What goes into the package's build tree: the kernel sources DKMS needs
# (as in the top Makefile's SRC_FILES), dkms.conf, the packaging and the
# documents it ships. Object files and the like are left out.
XG_DEB_FILES = Kbuild VERSION dkms.conf LICENSE README.md \
	$(shell cd $(XG_DOCS_TOP) && find compat drivers include -type f \
		\( -name '*.[ch]' -o -name 'Kbuild*' \) ! -name '*.mod.c' 2>/dev/null) \
	$(shell cd $(XG_DOCS_TOP) && find debian -type f \
		! -path 'debian/xen-gnt-dkms/*' ! -path 'debian/.debhelper/*' \
		! -name 'files' ! -name '*.substvars' ! -name '*debhelper*' 2>/dev/null)

deb-deps:
	@bash $(XG_APT_INSTALL) dpkg-dev debhelper dh-dkms

deb: deb-deps
	@set -e; v=$(XG_DOCS_VERSION); d=$(XG_DOCS_OUT)/deb; b=$$d/xen-gnt-$$v; \
	rm -rf $$d; mkdir -p $$b; \
	cd $(XG_DOCS_TOP) && tar -cf - $(XG_DEB_FILES) | tar -xf - -C $$b; \
	cd $$b && dpkg-buildpackage -us -uc -b > $$d/build.log 2>&1 || { \
		tail -n 40 $$d/build.log; echo "deb: dpkg-buildpackage failed, see $$d/build.log"; exit 1; }; \
	rm -rf $$b; \
	ls $$d/*.deb >/dev/null; \
	for f in $$d/*.deb; do echo "deb: $$f"; done
