// SPDX-License-Identifier: GPL-2.0
/*
 * A character device of several pages, mapped on demand.
 *
 * Its mmap installs no page at all: it checks the request and hands the
 * area a fault handler. The process's first touch of each page traps into
 * the handler, which supplies that one page; a page the process never
 * touches is never mapped. Each fault leaves a line in the kernel log.
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

#include "mmap_fault.h"

static dev_t fault_devt;
static struct cdev fault_cdev;
/* One page at a time from the allocator: each has a reference count of its own. */
static struct page *fault_pages[MMAP_FAULT_PAGES];

static struct class fault_class = {
	.name = MMAP_FAULT_NAME,
};

/*
 * Called with the process's memory map locked (for reading) when it
 * touches an address of the area that has no page yet. vmf->pgoff is the
 * page's index in the device: the area's own offset, vm_pgoff, plus the
 * pages from the area's start to the address.
 */
static vm_fault_t mmap_fault_fault(struct vm_fault *vmf)
{
	struct page *page;

	/*
	 * mmap refused areas past the last page, but mremap(2) can grow an
	 * area after mmap: such a page gets SIGBUS, not memory.
	 */
	if (vmf->pgoff >= MMAP_FAULT_PAGES)
		return VM_FAULT_SIGBUS;

	page = fault_pages[vmf->pgoff];
	/* The mapping's reference: the core drops it when the page is unmapped. */
	get_page(page);
	vmf->page = page;

	pr_info("page %lu faulted in\n", vmf->pgoff);
	return 0;
}

static const struct vm_operations_struct mmap_fault_vm_ops = {
	.fault = mmap_fault_fault,
};

static int mmap_fault_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);

	/* From vm_pgoff, the area must end at the last page or before. */
	if (vma->vm_pgoff >= MMAP_FAULT_PAGES ||
	    pages > MMAP_FAULT_PAGES - vma->vm_pgoff)
		return -EINVAL;

	/* A private mapping would write to copies the kernel never sees. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/* Nothing is mapped yet: each page waits for its first touch. */
	vma->vm_ops = &mmap_fault_vm_ops;
	return 0;
}

static const struct file_operations mmap_fault_fops = {
	.owner = THIS_MODULE,
	.mmap = mmap_fault_mmap,
};

static void mmap_fault_free_pages(void)
{
	int i;

	for (i = 0; i < MMAP_FAULT_PAGES; i++) {
		if (fault_pages[i])
			__free_page(fault_pages[i]);
		fault_pages[i] = NULL;
	}
}

static int __init mmap_fault_init(void)
{
	struct device *dev;
	int i, ret;

	for (i = 0; i < MMAP_FAULT_PAGES; i++) {
		/* Zeroed: no page may show what its memory held before. */
		fault_pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!fault_pages[i]) {
			ret = -ENOMEM;
			goto err_pages;
		}
		snprintf(page_address(fault_pages[i]), PAGE_SIZE,
			 "page %d of %d", i, MMAP_FAULT_PAGES);
	}

	ret = alloc_chrdev_region(&fault_devt, 0, 1, MMAP_FAULT_NAME);
	if (ret < 0) {
		pr_err("Failed to allocate device region\n");
		goto err_pages;
	}

	cdev_init(&fault_cdev, &mmap_fault_fops);
	fault_cdev.owner = THIS_MODULE;
	ret = cdev_add(&fault_cdev, fault_devt, 1);
	if (ret < 0) {
		pr_err("Failed to add device\n");
		goto err_region;
	}

	ret = class_register(&fault_class);
	if (ret < 0) {
		pr_err("Failed to register class\n");
		goto err_cdev;
	}

	dev = device_create(&fault_class, NULL, fault_devt, NULL,
			    MMAP_FAULT_NAME);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		pr_err("Failed to create device\n");
		goto err_class;
	}

	pr_info("%d pages, mapped on demand\n", MMAP_FAULT_PAGES);
	return 0;

err_class:
	class_unregister(&fault_class);
err_cdev:
	cdev_del(&fault_cdev);
err_region:
	unregister_chrdev_region(fault_devt, 1);
err_pages:
	mmap_fault_free_pages();
	return ret;
}

static void __exit mmap_fault_exit(void)
{
	device_destroy(&fault_class, fault_devt);
	class_unregister(&fault_class);
	cdev_del(&fault_cdev);
	unregister_chrdev_region(fault_devt, 1);
	/*
	 * No mapping is left (each holds the file, the file holds the
	 * module); and were one left, its references would keep the pages.
	 */
	mmap_fault_free_pages();
	pr_info("exited\n");
}

module_init(mmap_fault_init);
module_exit(mmap_fault_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: pages mapped on demand by a fault handler");
