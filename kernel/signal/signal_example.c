// SPDX-License-Identifier: GPL-2.0
/*
 * A character device that turns a PID into a signal.
 *
 * Writing a process ID to /dev/my_device sends that process SIGIO with
 * the value 42 attached. This mirrors the article; a real driver that
 * wants to tell a process "something happened" implements .fasync with
 * fasync_helper() and calls kill_fasync(), and the process asks for the
 * signal with fcntl(F_SETOWN) and O_ASYNC instead of writing its PID.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "signal_example.h"

static dev_t my_device_devt;
static struct cdev my_device_cdev;

/*
 * The class puts the device in sysfs, and devtmpfs then makes its node,
 * /dev/my_device: no mknod. A static class with class_register() reads
 * the same on 6.1 and 6.12, unlike class_create(), which lost its owner
 * argument in 6.4.
 */
static struct class my_device_class = {
	.name = "signal_example",
};

/*
 * kill(2)'s rule: the opener's real or effective UID must match the
 * target's real or saved UID, or the opener needs CAP_KILL. It checks
 * who opened the file (f_cred), not who writes: a descriptor can be
 * handed to a more privileged program, which must not lend its rights.
 */
static bool may_signal(const struct file *file, struct task_struct *task)
{
	const struct cred *cred = file->f_cred;
	const struct cred *tcred = get_task_cred(task);
	bool ok;

	ok = uid_eq(cred->euid, tcred->suid) ||
	     uid_eq(cred->euid, tcred->uid) ||
	     uid_eq(cred->uid, tcred->suid) ||
	     uid_eq(cred->uid, tcred->uid) ||
	     file_ns_capable(file, tcred->user_ns, CAP_KILL);
	put_cred(tcred);

	return ok;
}

static ssize_t my_device_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *f_pos)
{
	struct kernel_siginfo info;
	struct task_struct *task;
	int pid, ret;

	/* Exactly one int: anything shorter or longer is not a PID. */
	if (count != sizeof(pid))
		return -EINVAL;
	if (copy_from_user(&pid, buf, sizeof(pid)))
		return -EFAULT;
	if (pid <= 0)
		return -EINVAL;

	/* The number means a process in the writer's PID namespace. */
	rcu_read_lock();
	task = pid_task(find_vpid(pid), PIDTYPE_PID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task)
		return -ESRCH;

	if (!may_signal(file, task)) {
		ret = -EPERM;
		goto out;
	}

	clear_siginfo(&info);
	info.si_signo = SIGIO;
	/* SI_QUEUE is the code that carries a value, as sigqueue(3) does. */
	info.si_code = SI_QUEUE;
	info.si_int = SIGNAL_DATA;
	info.si_pid = task_tgid_vnr(current);
	info.si_uid = from_kuid_munged(current_user_ns(), current_uid());

	ret = send_sig_info(SIGIO, &info, task);
	if (!ret)
		pr_info("sent SIGIO with %d to pid %d\n", SIGNAL_DATA, pid);
out:
	put_task_struct(task);
	return ret ? ret : count;
}

static const struct file_operations my_device_fops = {
	.owner = THIS_MODULE,
	.write = my_device_write,
};

static int __init my_device_init(void)
{
	struct device *dev;
	int ret;

	/* A free major number, not a fixed 240 that another driver may own. */
	ret = alloc_chrdev_region(&my_device_devt, 0, 1, DEVICE_NAME);
	if (ret < 0) {
		pr_err("Failed to allocate device region\n");
		return ret;
	}

	cdev_init(&my_device_cdev, &my_device_fops);
	my_device_cdev.owner = THIS_MODULE;
	ret = cdev_add(&my_device_cdev, my_device_devt, 1);
	if (ret < 0) {
		pr_err("Failed to add device\n");
		goto err_region;
	}

	ret = class_register(&my_device_class);
	if (ret < 0) {
		pr_err("Failed to register class\n");
		goto err_cdev;
	}

	/* Last: once the node exists, open() must already work. */
	dev = device_create(&my_device_class, NULL, my_device_devt, NULL,
			    DEVICE_NAME);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		pr_err("Failed to create device\n");
		goto err_class;
	}

	pr_info("My device initialized\n");
	return 0;

err_class:
	class_unregister(&my_device_class);
err_cdev:
	cdev_del(&my_device_cdev);
err_region:
	unregister_chrdev_region(my_device_devt, 1);
	return ret;
}

static void __exit my_device_exit(void)
{
	device_destroy(&my_device_class, my_device_devt);
	class_unregister(&my_device_class);
	cdev_del(&my_device_cdev);
	unregister_chrdev_region(my_device_devt, 1);

	pr_info("My device exited\n");
}

module_init(my_device_init);
module_exit(my_device_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: a signal from a character device");
