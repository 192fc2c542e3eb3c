// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/lab_seq, a listing of records read through seq_file's iterator.
 *
 * The module keeps a list of records, made at load: record n holds n and
 * its square. The file lists them, one a line of 16 bytes, however
 * a reader reads it: whole, a line at a time, a byte at a time, or from an
 * offset it seeked to. seq_file does the reading; the module only says
 * where the walk starts, how it goes on, and how one record looks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#define LAB_SEQ_NAME "lab_seq"
/* "%4u %10u\n": every line is 16 bytes, up to record 9999. */
#define RECORDS_MAX 9999

/* 500 lines of 16 bytes: 8000 bytes, more than one page of text. */
static unsigned int records = 500;
module_param(records, uint, 0444);
MODULE_PARM_DESC(records, "How many records to list (1 to 9999, default 500)");

/* How often seq_file has called start(); read it, don't set it. */
static unsigned int walks;
module_param(walks, uint, 0444);
MODULE_PARM_DESC(walks, "Walks of the list so far, one per call of start()");

struct lab_record {
	struct list_head node;
	unsigned int n;
	unsigned int square;
};

/*
 * A driver's list usually changes while it is listed (devices come and
 * go), so a walk holds the list's lock from start() to stop(). This one
 * changes only at load and unload; the lock also keeps the walk count.
 */
static LIST_HEAD(record_list);
static DEFINE_MUTEX(record_lock);
static struct proc_dir_entry *lab_seq_entry;

/*
 * Where a walk begins: the record at *pos, counted from 0, or NULL past
 * the last. seq_file calls it for every read that needs more text than it
 * kept from the last one, with *pos where the last walk stopped, so a
 * walk may begin anywhere in the list.
 */
static void *lab_seq_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&record_lock);
	walks++;
	/* Follows *pos links from the head: a list has no faster way. */
	return seq_list_start(&record_list, *pos);
}

/* The record after v, with *pos one further; NULL after the last. */
static void *lab_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &record_list, pos);
}

/* Called after every walk, also one that start() ended at once. */
static void lab_seq_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&record_lock);
}

/* One record, one line. seq_file keeps what the reader has no room for. */
static int lab_seq_show(struct seq_file *m, void *v)
{
	const struct lab_record *r = list_entry(v, struct lab_record, node);

	seq_printf(m, "%4u %10u\n", r->n, r->square);
	return 0;
}

static const struct seq_operations lab_seq_ops = {
	.start = lab_seq_start,
	.next = lab_seq_next,
	.stop = lab_seq_stop,
	.show = lab_seq_show,
};

static void lab_seq_free_records(void)
{
	struct lab_record *r, *tmp;

	list_for_each_entry_safe(r, tmp, &record_list, node) {
		list_del(&r->node);
		kfree(r);
	}
}

static int __init lab_seq_init(void)
{
	struct lab_record *r;
	unsigned int n;

	if (records < 1 || records > RECORDS_MAX) {
		pr_err("records=%u: give 1 to %d\n", records, RECORDS_MAX);
		return -EINVAL;
	}

	/* No reader can see the list yet: it has no file. */
	for (n = 1; n <= records; n++) {
		r = kmalloc(sizeof(*r), GFP_KERNEL);
		if (!r)
			goto err_records;
		r->n = n;
		r->square = n * n;
		list_add_tail(&r->node, &record_list);
	}

	/*
	 * proc_create_seq() makes a file whose open is seq_open() with these
	 * operations, whose read is seq_read() and whose lseek is seq_lseek().
	 */
	lab_seq_entry = proc_create_seq(LAB_SEQ_NAME, 0444, NULL, &lab_seq_ops);
	if (!lab_seq_entry) {
		pr_err("Failed to create /proc/%s\n", LAB_SEQ_NAME);
		goto err_records;
	}

	pr_info("/proc/%s lists %u records\n", LAB_SEQ_NAME, records);
	return 0;

err_records:
	lab_seq_free_records();
	return -ENOMEM;
}

static void __exit lab_seq_exit(void)
{
	/* Waits for readers inside the file's functions: then no walk is left. */
	proc_remove(lab_seq_entry);
	lab_seq_free_records();
	pr_info("exited\n");
}

module_init(lab_seq_init);
module_exit(lab_seq_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: a listing with seq_file's iterator");
