// SPDX-License-Identifier: GPL-2.0
/*
 * A module that uses another: its init calls hello_greet(), which hello.ko
 * exports. The kernel resolves that call when this module is loaded, so
 * loading it before hello fails ("Unknown symbol hello_greet"); while it
 * is loaded, hello cannot be unloaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

#include "hello.h"

static int __init hello_friend_init(void)
{
	hello_greet("friend");
	return 0;
}

static void __exit hello_friend_exit(void)
{
	pr_info("goodbye\n");
}

module_init(hello_friend_init);
module_exit(hello_friend_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: a module that calls hello_greet()");
