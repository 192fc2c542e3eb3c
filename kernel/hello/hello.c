// SPDX-License-Identifier: GPL-2.0
/*
 * The lab's first module, with what every module has: an init function
 * that runs when it is loaded, an exit function that runs when it is
 * unloaded, parameters given at load time, and a licence. It also exports
 * a function for other modules to call (hello_friend.c does).
 *
 *   insmod hello.ko                    logs "hello, kernel"
 *   insmod hello.ko whom=you times=3   logs "hello, you" three times
 *   insmod hello.ko times=0            fails with EINVAL, loads nothing
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

#include "hello.h"

#define HELLO_MAX_TIMES 10

/*
 * Set on the insmod command line, described by modinfo, and shown in
 * /sys/module/hello/parameters/, read-only (0444): they are read at load.
 */
static char *whom = "kernel";
module_param(whom, charp, 0444);
MODULE_PARM_DESC(whom, "Who to greet (default: kernel)");

static int times = 1;
module_param(times, int, 0444);
MODULE_PARM_DESC(times, "How many times to greet (default: 1)");

/* For other modules, and only those under a GPL-compatible licence. */
void hello_greet(const char *name)
{
	pr_info("hello, %s\n", name);
}
EXPORT_SYMBOL_GPL(hello_greet);

static int __init hello_init(void)
{
	int i;

	/*
	 * Refuse bad parameters before setting anything up. An init that
	 * fails must first undo what it did: the module is then unloaded
	 * without its exit function ever running.
	 */
	if (times < 1 || times > HELLO_MAX_TIMES) {
		pr_err("times=%d is out of range (1 to %d)\n", times,
		       HELLO_MAX_TIMES);
		return -EINVAL;
	}

	for (i = 0; i < times; i++)
		hello_greet(whom);
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("goodbye, %s\n", whom);
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: hello module");
