// SPDX-License-Identifier: GPL-2.0
/*
 * A character device that keeps an int: ioctl
 * IOCTL_CMD_SET_DATA stores it and IOCTL_CMD_GET_DATA returns it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/uaccess.h>

#include "ioctl_example.h"

static dev_t my_device_devt;
static struct cdev my_device_cdev;
/* One int needs no lock; READ_ONCE/WRITE_ONCE keep each access whole. */
static int my_data = IOCTL_INITIAL_DATA;

/*
 * The class puts the device in sysfs, and devtmpfs then makes its node,
 * /dev/my_device: no mknod. A static class with class_register() reads
 * the same on 6.1 and 6.12, unlike class_create(), which lost its owner
 * argument in 6.4.
 */
static struct class my_device_class = {
	.name = "ioctl_example",
};

static long my_device_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	int __user *uarg = (int __user *)arg;
	int data;

	switch (cmd) {
	case IOCTL_CMD_GET_DATA:
		data = READ_ONCE(my_data);
		if (put_user(data, uarg))
			return -EFAULT;
		return 0;
	case IOCTL_CMD_SET_DATA:
		if (get_user(data, uarg))
			return -EFAULT;
		WRITE_ONCE(my_data, data);
		pr_info("data set to %d\n", data);
		return 0;
	default:
		/* "Inappropriate ioctl for device": the agreed answer. */
		return -ENOTTY;
	}
}

static const struct file_operations my_device_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = my_device_ioctl,
	/* The argument is a pointer to an int, the same size in 32-bit
	 * processes, so they only need the pointer converted.
	 */
	.compat_ioctl = compat_ptr_ioctl,
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
MODULE_DESCRIPTION("User <-> Kernel Lab: an int behind ioctl");
