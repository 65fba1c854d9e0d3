// SPDX-License-Identifier: GPL-2.0
/*
 * abi_gen.c - turn one pair of gntdev.h/gntalloc.h into a table of numbers.
 *
 * Built with -S only, never linked or run, so that it works for any -m
 * flag: every value of abi_list.h is passed to an asm statement as an
 * immediate, which the compiler writes into the assembly as
 *   ->XG_ABI <name> <decimal value>
 * and the Makefile turns those lines into "#define XG_ABI_<SIDE>_<name>".
 * The headers are named by path (XG_ABI_GNTDEV_H, XG_ABI_GNTALLOC_H) so
 * that each build reads exactly the file it is meant to read: both
 * headers use the same include guards and names, which is why the two
 * sides are compiled separately.
 */
#include <linux/ioctl.h>
#include <stdint.h>

/* Linux's uapi gntdev.h uses these without defining them. */
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;

#include XG_ABI_GNTDEV_H
#include XG_ABI_GNTALLOC_H

#include "abi_list.h"

#define XG_VAL(name, expr) \
	asm volatile("\n.ascii \"->XG_ABI " #name " %c0\\n\"" \
		     : : "i" ((long)(expr)));

void xg_abi_gen(void);
void xg_abi_gen(void)
{
	XG_ABI_LIST
#ifdef IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS
	XG_VAL(HAVE_DMABUF, 1)
	XG_ABI_DMABUF_LIST
#endif
}
