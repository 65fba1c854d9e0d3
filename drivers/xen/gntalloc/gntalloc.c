// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <xen/gntcore.h>
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("stub");
