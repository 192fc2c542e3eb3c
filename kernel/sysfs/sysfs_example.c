// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/my_sysfs/data, an int to read and write.
 *
 * sysfs is where new kernel knobs go: one value per file, text in and
 * text out, each file an attribute of a kobject (here a directory of
 * its own under /sys/kernel).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/sysfs.h>

#include "sysfs_example.h"

/* One int needs no lock; READ_ONCE/WRITE_ONCE keep each access whole. */
static int data = SYSFS_INITIAL_DATA;
static struct kobject *my_kobj;

static ssize_t data_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	/* sysfs_emit() knows buf is one page and never overruns it. */
	return sysfs_emit(buf, "%d\n", READ_ONCE(data));
}

static ssize_t data_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	int value, ret;

	/* sysfs hands over a terminated copy; kstrtoint() allows one "\n". */
	ret = kstrtoint(buf, 10, &value);
	if (ret)
		return ret;

	WRITE_ONCE(data, value);
	pr_info("data set to %d\n", value);
	/* Wake the programs that poll() this file for POLLPRI. */
	sysfs_notify(kobj, NULL, attr->attr.name);
	return count;
}

/* Mode 0644, from the _RW: anyone may read, only root may write. */
static struct kobj_attribute data_attr = __ATTR_RW(data);

static struct attribute *my_attrs[] = {
	&data_attr.attr,
	NULL,
};

static const struct attribute_group my_group = {
	.attrs = my_attrs,
};

static int __init my_sysfs_init(void)
{
	int ret;

	my_kobj = kobject_create_and_add(SYSFS_DIR_NAME, kernel_kobj);
	if (!my_kobj) {
		pr_err("Failed to create /sys/kernel/%s\n", SYSFS_DIR_NAME);
		return -ENOMEM;
	}

	ret = sysfs_create_group(my_kobj, &my_group);
	if (ret) {
		pr_err("Failed to create the attributes\n");
		goto err_kobj;
	}

	pr_info("My sysfs file initialized\n");
	return 0;

err_kobj:
	kobject_put(my_kobj);
	return ret;
}

static void __exit my_sysfs_exit(void)
{
	/* Removes the files too, and waits for readers and writers. */
	kobject_put(my_kobj);
	pr_info("My sysfs file exited\n");
}

module_init(my_sysfs_init);
module_exit(my_sysfs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: an int in /sys/kernel");
