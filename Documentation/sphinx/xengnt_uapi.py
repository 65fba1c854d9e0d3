# SPDX-License-Identifier: GPL-2.0
"""Pull the ABI documentation of xen-gnt out of its uapi headers.

The headers in include/uapi/xen/ are the one source of truth for the
ABI. Two kinds of comment live there:

* kernel-doc comments (``/** ... */``) on the structures, rendered by the
  kernel's own scripts/kernel-doc (``-rst``), run at build time;
* plain comments (``/* ... */``) right above a ``#define``: the ioctls,
  their semantics and errnos, and the constants. kernel-doc ignores
  those, so this extension reads them itself.

Directives:

``.. uapi-header:: FILE``
    The header's own description: its first comment after the SPDX line.

``.. uapi-macro:: FILE NAME [NAME...]``
    A C macro entry for each NAME, with the comment above the group of
    ``#define`` lines that holds the first NAME, and those lines.

``.. uapi-struct:: FILE NAME [NAME...]``
    The kernel-doc of the named structures.

At the end of reading, every ``#define`` and every kernel-doc comment of
a header used on some page must have been shown by a directive; anything
left out is a warning (an error under ``sphinx-build -W``), so a new
ioctl cannot be added to a header without reaching the documentation.

Configuration (conf.py): ``xengnt_srctree``, the top of the source tree
that FILE paths are relative to; ``xengnt_kernel_doc``, the path of
scripts/kernel-doc (the environment variable KERNELDOC overrides it).
"""

import os
import re
import subprocess

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import ViewList
from sphinx.util import logging
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

ERRNOS = ('EINVAL ENOSPC ENOMEM EFAULT ENOENT EBUSY ENOTTY EAGAIN EIO '
          'EPERM EINTR ENODEV ENXIO EEXIST EOPNOTSUPP ETIMEDOUT '
          'EBADF').split()

# Upper-case identifiers with an underscore (IOCTL_GNTDEV_MAP_GRANT_REF,
# UNMAP_NOTIFY_*, MAP_SHARED), and errno names: shown as literals.
_IDENT_RE = re.compile(r'(?<![\w`*])((?:[A-Z][A-Z0-9]*_)+\w*\*?|'
                       r'(?:' + '|'.join(ERRNOS) + r'))(?![\w`])')
_PARAM_RE = re.compile(r'@([A-Za-z_][\w.]*[\w])')
_DEFINE_RE = re.compile(r'^#\s*define\s+([A-Za-z_]\w*)')
_KDOC_RE = re.compile(r'^/\*\*\s*\n\s*\*\s*(?:struct|union|enum)\s+(\w+)\s+-',
                      re.M)


class Header:
    """One uapi header, split into comments and #define groups."""

    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            self.text = f.read()
        self.lines = self.text.splitlines()
        self.defines = {}    # name -> line index of its #define
        self.guard = None
        self.kdoc = _KDOC_RE.findall(self.text)
        for i, line in enumerate(self.lines):
            m = _DEFINE_RE.match(line)
            if m:
                self.defines[m.group(1)] = i
        m = re.search(r'^#ifndef\s+(\w+)\s*\n#define\s+\1\b', self.text, re.M)
        if m:
            self.guard = m.group(1)
            self.defines.pop(self.guard, None)

    def define_group(self, name):
        """Line range [start, end) of the #define run holding NAME."""
        start = self.defines[name]
        while start > 0 and _DEFINE_RE.match(self.lines[start - 1]):
            start -= 1
        end = start
        while end < len(self.lines):
            if _DEFINE_RE.match(self.lines[end]):
                end += 1
                while self.lines[end - 1].rstrip().endswith('\\'):
                    end += 1
            else:
                break
        return start, end

    def comment_before(self, line):
        """Text of the plain comment ending just above LINE, or None."""
        end = line - 1
        if end < 0 or not self.lines[end].rstrip().endswith('*/'):
            return None, None
        start = end
        while start >= 0 and not self.lines[start].lstrip().startswith('/*'):
            start -= 1
        if start < 0 or self.lines[start].lstrip().startswith('/**'):
            return None, None
        return _comment_text(self.lines[start:end + 1]), start

    def first_comment(self):
        """The first comment that is not the SPDX line."""
        for i, line in enumerate(self.lines):
            s = line.lstrip()
            if s.startswith('/*') and 'SPDX-License-Identifier' not in s:
                end = i
                while not self.lines[end].rstrip().endswith('*/'):
                    end += 1
                return _comment_text(self.lines[i:end + 1]), i
        return None, None


def _comment_text(lines):
    """The lines of a C comment without its markers."""
    out = []
    for line in lines:
        s = line.strip()
        opening = s.startswith('/*')
        if opening:
            s = s[2:].lstrip('*').strip()
        if s.endswith('*/'):
            s = s[:-2]
        s = s.rstrip()
        if not opening and s.startswith('*'):
            s = s[1:]
            if s.startswith(' '):
                s = s[1:]
        out.append(s.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return out


def _escape(text):
    return (text.replace('\\', '\\\\').replace('|', '\\|')
            .replace('`', '\\`'))


def to_rst(lines):
    """Comment text to reStructuredText: parameters and identifiers as
    literals, other mark-up characters escaped."""
    out = []
    for line in lines:
        parts = []
        pos = 0
        # Split out what becomes a literal before escaping the rest.
        pattern = re.compile(_PARAM_RE.pattern + '|' + _IDENT_RE.pattern)
        for m in pattern.finditer(line):
            parts.append(_escape(line[pos:m.start()]).replace('*', '\\*'))
            lit = m.group(1) or m.group(2)
            parts.append('``%s``' % lit)
            pos = m.end()
        parts.append(_escape(line[pos:]).replace('*', '\\*'))
        out.append(''.join(parts))
    return out


class _UapiDirective(Directive):
    has_content = False
    required_arguments = 1
    optional_arguments = 20
    final_argument_whitespace = False

    def header(self):
        env = self.state.document.settings.env
        rel = self.arguments[0]
        path = os.path.join(env.config.xengnt_srctree, rel)
        env.note_dependency(os.path.abspath(path))
        hdrs = getattr(env, 'xengnt_headers', None)
        if hdrs is None:
            hdrs = env.xengnt_headers = {}
        hdrs.setdefault(rel, set())
        return rel, path, Header(path)

    def note(self, rel, what):
        env = self.state.document.settings.env
        if not hasattr(env, 'xengnt_shown'):
            env.xengnt_shown = {}
        env.xengnt_shown.setdefault(env.docname, set()).add((rel, what))

    def parse(self, rst_lines, source):
        result = ViewList()
        for i, line in enumerate(rst_lines):
            result.append(line, source, i)
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, result, node)
        return node.children


class UapiHeader(_UapiDirective):
    def run(self):
        rel, path, hdr = self.header()
        text, line = hdr.first_comment()
        if text is None:
            raise self.error('%s: no description comment' % rel)
        return self.parse(to_rst(text), '%s:%d' % (path, line + 1))


class UapiMacro(_UapiDirective):
    option_spec = {'noindex': directives.flag}

    def run(self):
        rel, path, hdr = self.header()
        names = self.arguments[1:]
        if not names:
            raise self.error('uapi-macro needs a macro name')
        for n in names:
            if n not in hdr.defines:
                raise self.error('%s: no #define %s' % (rel, n))
            self.note(rel, n)
        start, end = hdr.define_group(names[0])
        text, cline = hdr.comment_before(start)
        if 'noindex' in self.options:
            # Declared on another page or section already: a C domain
            # object may be declared once only.
            rst = ['.. rubric:: ' + ', '.join(names), '', '.. container::', '']
        else:
            rst = ['.. c:macro:: %s' % names[0]]
            rst += ['              %s' % n for n in names[1:]]
            rst.append('')
        if text:
            # "IOCTL_X - what it does." opens an ioctl's comment; the
            # name is the entry's title already.
            first = re.sub(r'^%s\s+-\s+' % re.escape(names[0]), '', text[0])
            if first:
                first = first[0].upper() + first[1:]
            body = to_rst([first] + text[1:])
            rst += ['   ' + ln if ln else '' for ln in body]
            rst.append('')
        rst.append('   Definition::')
        rst.append('')
        rst += ['      ' + ln for ln in hdr.lines[start:end]]
        rst.append('')
        return self.parse(rst, '%s:%d' % (path, (cline or start) + 1))


class UapiStruct(_UapiDirective):
    def run(self):
        env = self.state.document.settings.env
        rel, path, hdr = self.header()
        names = self.arguments[1:]
        if not names:
            raise self.error('uapi-struct needs a structure name')
        for n in names:
            if n not in hdr.kdoc:
                raise self.error('%s: no kernel-doc comment for %s' % (rel, n))
            self.note(rel, n)
        kdoc = os.environ.get('KERNELDOC') or env.config.xengnt_kernel_doc
        if not os.path.isfile(kdoc):
            raise self.error('kernel-doc not found at %s (make htmldocs '
                             'extracts it from linux-source-6.12)' % kdoc)
        cmd = ['perl', kdoc, '-rst', '-sphinx-version', '5.3.0', '-Wall']
        for n in names:
            cmd += ['-function', n]
        cmd.append(path)
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              check=False)
        for line in proc.stderr.splitlines():
            logger.warning('kernel-doc: %s', line,
                           location=(env.docname, self.lineno))
        if proc.returncode:
            raise self.error('kernel-doc failed (%d) on %s'
                             % (proc.returncode, rel))
        return self.parse(proc.stdout.splitlines(), path)


def _purge(app, env, docname):
    shown = getattr(env, 'xengnt_shown', None)
    if shown:
        shown.pop(docname, None)


def _check(app, env):
    """Every #define and kernel-doc comment of a used header is shown."""
    hdrs = getattr(env, 'xengnt_headers', {})
    shown = set()
    for items in getattr(env, 'xengnt_shown', {}).values():
        shown |= items
    for rel in sorted(hdrs):
        hdr = Header(os.path.join(app.config.xengnt_srctree, rel))
        for name in sorted(set(hdr.defines) | set(hdr.kdoc)):
            if (rel, name) not in shown:
                logger.warning('%s: %s is not documented on any page '
                               '(add a uapi-macro or uapi-struct directive)',
                               rel, name)


def setup(app):
    app.add_config_value('xengnt_srctree', '..', 'env')
    app.add_config_value('xengnt_kernel_doc', '', 'env')
    app.add_directive('uapi-header', UapiHeader)
    app.add_directive('uapi-macro', UapiMacro)
    app.add_directive('uapi-struct', UapiStruct)
    app.connect('env-purge-doc', _purge)
    app.connect('env-check-consistency', _check)
    return {'version': '1', 'parallel_read_safe': False,
            'parallel_write_safe': True}
