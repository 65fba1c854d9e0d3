// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "gntdev.h"
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("stub");
