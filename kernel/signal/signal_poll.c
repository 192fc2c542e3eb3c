// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/my_events: events a program waits for, the way drivers offer them.
 *
 * A write of anything raises one event; in a real driver, an interrupt
 * would. A program learns of it in one of three standard ways: read()
 * sleeps on a wait queue until an event is pending; poll() and select()
 * report POLLIN; and a file with O_ASYNC set has its owner sent SIGIO,
 * through the file's fasync list. Nobody writes a PID: the kernel knows
 * who asked from the open file (compare signal_example.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/printk.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "signal_poll.h"

static dev_t events_devt;
static struct cdev events_cdev;

/* As in signal_example.c: a class, so that devtmpfs makes the node. */
static struct class events_class = {
	.name = "signal_poll",
};

/* Events raised and not yet read, by anyone: one queue for all readers. */
static atomic_t events_pending = ATOMIC_INIT(0);
/* Readers that sleep, and poll() calls that wait, for an event. */
static DECLARE_WAIT_QUEUE_HEAD(events_wait);
/* The files with O_ASYNC set, whose owners get SIGIO. */
static struct fasync_struct *events_async;

static ssize_t events_read(struct file *file, char __user *buf,
			   size_t count, loff_t *ppos)
{
	char line[EVENTS_LINE_MAX + 1];
	int events, len, ret;

	/* Refuse a short buffer before taking any event from the queue. */
	if (count < EVENTS_LINE_MAX)
		return -EINVAL;

	for (;;) {
		/* All pending events at once; a second reader gets none. */
		events = atomic_xchg(&events_pending, 0);
		if (events)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		/*
		 * Sleep until a write wakes the queue and the condition
		 * holds. Interruptible: a signal ends the wait (the read
		 * fails with EINTR, or is restarted), so Ctrl-C or kill
		 * still work on a process that waits for an event.
		 */
		ret = wait_event_interruptible(events_wait,
					       atomic_read(&events_pending));
		if (ret)
			return ret;
	}

	len = scnprintf(line, sizeof(line), "%d\n", events);
	if (copy_to_user(buf, line, len)) {
		/* A bad buffer: give the events back for the next read. */
		atomic_add(events, &events_pending);
		wake_up_interruptible(&events_wait);
		return -EFAULT;
	}
	return len;
}

static ssize_t events_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	/*
	 * What was written does not matter: the write is the event. An
	 * interrupt handler would do the same three things, and may: none
	 * of them sleeps.
	 */
	atomic_add_unless(&events_pending, 1, INT_MAX);
	wake_up_interruptible(&events_wait);
	kill_fasync(&events_async, SIGIO, POLL_IN);
	return count;
}

static __poll_t events_poll(struct file *file, poll_table *wait)
{
	/* A write always goes through. */
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	/*
	 * poll_wait() does not sleep: it puts the caller on the queue, so
	 * that the next wake_up() makes poll() ask every file again.
	 */
	poll_wait(file, &events_wait, wait);
	if (atomic_read(&events_pending))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/*
 * O_ASYNC was set or cleared with fcntl(F_SETFL): put the file on the
 * list or take it off. The kernel also calls this, with on = 0, when the
 * last descriptor of a file with O_ASYNC set is closed (in __fput()), so
 * no .release is needed to take it off.
 */
static int events_fasync(int fd, struct file *file, int on)
{
	return fasync_helper(fd, file, on, &events_async);
}

static const struct file_operations events_fops = {
	.owner = THIS_MODULE,
	/* A stream of events has no positions: lseek() gets ESPIPE. */
	.open = stream_open,
	.read = events_read,
	.write = events_write,
	.poll = events_poll,
	.fasync = events_fasync,
};

static int __init events_init(void)
{
	struct device *dev;
	int ret;

	ret = alloc_chrdev_region(&events_devt, 0, 1, EVENTS_DEVICE_NAME);
	if (ret < 0) {
		pr_err("Failed to allocate device region\n");
		return ret;
	}

	cdev_init(&events_cdev, &events_fops);
	events_cdev.owner = THIS_MODULE;
	ret = cdev_add(&events_cdev, events_devt, 1);
	if (ret < 0) {
		pr_err("Failed to add device\n");
		goto err_region;
	}

	ret = class_register(&events_class);
	if (ret < 0) {
		pr_err("Failed to register class\n");
		goto err_cdev;
	}

	dev = device_create(&events_class, NULL, events_devt, NULL,
			    EVENTS_DEVICE_NAME);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		pr_err("Failed to create device\n");
		goto err_class;
	}

	pr_info("%s ready\n", EVENTS_DEVICE_PATH);
	return 0;

err_class:
	class_unregister(&events_class);
err_cdev:
	cdev_del(&events_cdev);
err_region:
	unregister_chrdev_region(events_devt, 1);
	return ret;
}

/*
 * An open file holds the module (the cdev's and the fops' owner), so
 * nobody sleeps in events_read() or is on the fasync list by now.
 */
static void __exit events_exit(void)
{
	device_destroy(&events_class, events_devt);
	class_unregister(&events_class);
	cdev_del(&events_cdev);
	unregister_chrdev_region(events_devt, 1);
	pr_info("exited\n");
}

module_init(events_init);
module_exit(events_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: wait queue, poll and fasync");
