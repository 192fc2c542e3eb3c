// SPDX-License-Identifier: GPL-2.0
/*
 * A second handler for my_syscall().
 *
 * The system call has one handler at a time: load this module while
 * syscall_example is loaded and insmod fails with EBUSY. Loaded alone,
 * it answers instead, returning arg + 1 so you can tell who answered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/my_syscall.h>
#include <linux/printk.h>

static long second_syscall(int arg)
{
	pr_info("second handler called with arg %d\n", arg);
	return arg + 1;
}

static const struct my_syscall_ops second_ops = {
	.call = second_syscall,
	.owner = THIS_MODULE,
};

static int __init syscall_second_init(void)
{
	int ret;

	ret = my_syscall_register(&second_ops);
	if (ret) {
		pr_err("Failed to register syscall: %d\n", ret);
		return ret;
	}

	pr_info("syscall_second module loaded\n");
	return 0;
}

static void __exit syscall_second_exit(void)
{
	my_syscall_unregister(&second_ops);
	pr_info("syscall_second module unloaded\n");
}

module_init(syscall_second_init);
module_exit(syscall_second_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: a second handler for my_syscall()");
