# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of the xen-gnt documentation. Built by
# "make htmldocs" (Documentation/docs.mk) with sphinx-build -W: every
# warning is an error. Only Debian's python3-sphinx is needed; no theme or
# extension is fetched from the network.

import os
import sys

# Leave no __pycache__ in the source tree.
sys.dont_write_bytecode = True

_here = os.path.dirname(os.path.abspath(__file__))
_top = os.path.dirname(_here)
sys.path.insert(0, os.path.join(_here, 'sphinx'))

project = 'xen-gnt'
author = 'the xen-gnt authors'
copyright = '2026, the xen-gnt authors'
with open(os.path.join(_top, 'VERSION'), encoding='utf-8') as _f:
    release = version = _f.read().strip()

extensions = ['xengnt_uapi']
xengnt_srctree = _top
xengnt_kernel_doc = os.path.join(_top, '.cache', 'kernel-tools', 'scripts',
                                 'kernel-doc')

root_doc = 'index'
exclude_patterns = ['sphinx']
primary_domain = 'c'
highlight_language = 'none'
default_role = None
nitpicky = True
# Kernel types the uapi structures use; the C domain cannot resolve them.
nitpick_ignore = [('c:identifier', t) for t in (
    '__u8', '__u16', '__u32', '__u64', '__s16', 'grant_ref_t', 'domid_t')]

html_theme = 'alabaster'
html_theme_options = {'nosidebar': False, 'page_width': '1060px'}
html_static_path = []
html_copy_source = False
html_show_sourcelink = False
