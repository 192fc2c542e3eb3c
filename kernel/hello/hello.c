// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest module the lab loads, to prove the build path: built
 * against the lab kernel, packed into the image, loaded in the VM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init hello_init(void)
{
	pr_info("hello, kernel\n");
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("goodbye, kernel\n");
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: hello module");
