// SPDX-License-Identifier: GPL-2.0
/*
 * A character device whose memory user space can map.
 *
 * One page, allocated zeroed when the module loads and freed when it
 * unloads, is shared by every mapping: the kernel writes 42 into it, a
 * process maps it and sees 42, writes 24, and read(2) shows that the
 * kernel sees 24 in the same memory, with no copy in between.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/printk.h>

#include "mmap_example.h"

static dev_t my_device_devt;
static struct cdev my_device_cdev;
static struct page *my_page;
static int *my_data;		/* the start of my_page, as the kernel sees it */

/*
 * The class puts the device in sysfs, and devtmpfs then makes its node,
 * /dev/my_device: no mknod. A static class with class_register() reads
 * the same on 6.1 and 6.12, unlike class_create(), which lost its owner
 * argument in 6.4.
 */
static struct class my_device_class = {
	.name = "mmap_example",
};

static int my_device_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;

	/* There is one page: no offset into it, nothing past its end. */
	if (vma->vm_pgoff != 0 || size > PAGE_SIZE)
		return -EINVAL;

	/*
	 * A private mapping would get a copy of the page on its first
	 * write, and the kernel would never see what the process wrote.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/* Takes a reference on the page for as long as it is mapped. */
	return vm_insert_page(vma, vma->vm_start, my_page);
}

static ssize_t my_device_read(struct file *file, char __user *buf,
			      size_t count, loff_t *f_pos)
{
	/* A process may be writing the int right now: read it once. */
	int value = READ_ONCE(*my_data);

	pr_info("kernel reads %d from the shared page\n", value);
	return simple_read_from_buffer(buf, count, f_pos, &value,
				       sizeof(value));
}

static const struct file_operations my_device_fops = {
	.owner = THIS_MODULE,
	.read = my_device_read,
	.mmap = my_device_mmap,
	.llseek = default_llseek,
};

static int __init my_device_init(void)
{
	struct device *dev;
	int ret;

	/* Zeroed: a mapping must never show what the page held before. */
	my_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!my_page)
		return -ENOMEM;
	my_data = page_address(my_page);
	*my_data = MMAP_KERNEL_DATA;

	/* A free major number, not a fixed 240 that another driver may own. */
	ret = alloc_chrdev_region(&my_device_devt, 0, 1, DEVICE_NAME);
	if (ret < 0) {
		pr_err("Failed to allocate device region\n");
		goto err_page;
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
err_page:
	__free_page(my_page);
	return ret;
}

static void __exit my_device_exit(void)
{
	device_destroy(&my_device_class, my_device_devt);
	class_unregister(&my_device_class);
	cdev_del(&my_device_cdev);
	unregister_chrdev_region(my_device_devt, 1);
	/*
	 * No mapping is left: each holds the file open, an open file holds
	 * the module, and rmmod refuses a module in use.
	 */
	__free_page(my_page);

	pr_info("My device exited\n");
}

module_init(my_device_init);
module_exit(my_device_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: memory shared through mmap");
