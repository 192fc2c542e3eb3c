// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/my_proc_file, an int to read and write.
 *
 * New interfaces of this kind belong in sysfs (see ../sysfs); procfs is
 * for processes. This mirrors the article, which used procfs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "procfs_example.h"

/* One int needs no lock; READ_ONCE/WRITE_ONCE keep each access whole. */
static int data = PROC_INITIAL_DATA;
static struct proc_dir_entry *my_proc_entry;

static int my_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", READ_ONCE(data));
	return 0;
}

static int my_proc_open(struct inode *inode, struct file *file)
{
	return single_open(file, my_proc_show, NULL);
}

static ssize_t my_proc_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *f_pos)
{
	char kbuf[PROC_WRITE_MAX + 1];
	int value, ret;

	/*
	 * Refuse what does not fit, rather than parse a part of it.
	 * (kstrtoint_from_user() would copy at most 34 bytes, and quietly
	 * drop the rest.)
	 */
	if (count > PROC_WRITE_MAX)
		return -EINVAL;
	if (copy_from_user(kbuf, buf, count))
		return -EFAULT;
	kbuf[count] = '\0';

	/* Decimal, one trailing "\n" allowed; "abc" or "4x" is -EINVAL. */
	ret = kstrtoint(kbuf, 10, &value);
	if (ret)
		return ret;

	WRITE_ONCE(data, value);
	pr_info("data set to %d\n", value);
	return count;
}

/*
 * proc_ops, not file_operations, since 5.6. No .owner: procfs keeps a
 * module's file usable until remove_proc_entry(), which waits for
 * callers already inside it.
 */
static const struct proc_ops my_proc_ops = {
	.proc_open = my_proc_open,
	.proc_read = seq_read,
	.proc_write = my_proc_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init my_proc_init(void)
{
	/* 0644: anyone may read, only root may write. */
	my_proc_entry = proc_create(PROC_FILE_NAME, 0644, NULL, &my_proc_ops);
	if (!my_proc_entry) {
		pr_err("Failed to create /proc/%s\n", PROC_FILE_NAME);
		return -ENOMEM;
	}

	pr_info("My proc file initialized\n");
	return 0;
}

static void __exit my_proc_exit(void)
{
	proc_remove(my_proc_entry);
	pr_info("My proc file exited\n");
}

module_init(my_proc_init);
module_exit(my_proc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: an int in /proc");
