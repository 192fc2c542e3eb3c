// SPDX-License-Identifier: GPL-2.0
/*
 * The handler behind the lab kernel's my_syscall().
 *
 * A module cannot add a system call: the table is generated when the
 * kernel is built, and x86-64 dispatches through a switch statement in
 * x64_sys_call(). So the lab kernel has my_syscall() at number 511
 * (0001-my_syscall.patch), and this module plugs in the code it runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/my_syscall.h>
#include <linux/printk.h>
#include <linux/unistd.h>

#include "syscall_example.h"

/* The kernel's table and the header user_program uses must agree. */
static_assert(__NR_my_syscall == MY_SYSCALL_NR);

/* Lets a call take a while, to try rmmod while one is in flight. */
static unsigned int delay_ms;
module_param(delay_ms, uint, 0644);
MODULE_PARM_DESC(delay_ms, "Sleep this many ms in each call (default 0)");

static long my_syscall_handler(int arg)
{
	pr_info("my_syscall called with arg %d\n", arg);
	if (delay_ms)
		msleep_interruptible(delay_ms);
	return arg;
}

static const struct my_syscall_ops my_syscall_ops = {
	.call = my_syscall_handler,
	/* Pinned by the kernel during each call, so rmmod cannot pull the
	 * code out from under a caller.
	 */
	.owner = THIS_MODULE,
};

static int __init syscall_example_init(void)
{
	int ret;

	ret = my_syscall_register(&my_syscall_ops);
	if (ret) {
		pr_err("Failed to register syscall: %d\n", ret);
		return ret;
	}

	pr_info("syscall_example module loaded\n");
	return 0;
}

static void __exit syscall_example_exit(void)
{
	/* Returns only when no call can reach the handler any more. */
	my_syscall_unregister(&my_syscall_ops);
	pr_info("syscall_example module unloaded\n");
}

module_init(syscall_example_init);
module_exit(syscall_example_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: the handler behind my_syscall()");
