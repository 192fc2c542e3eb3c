/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * What mmap_fault.ko and fault_program agree on.
 *
 * /dev/mmap_fault holds MMAP_FAULT_PAGES pages of memory. mmap(2) them
 * MAP_SHARED, all or some of them, from a page-aligned offset: a mapping
 * that runs past the last page fails with EINVAL, and so does one that is
 * not shared. Each page starts with a line of text from the kernel,
 * "page N of MMAP_FAULT_PAGES", and a NUL.
 */
#ifndef _MMAP_FAULT_H
#define _MMAP_FAULT_H

#define MMAP_FAULT_NAME "mmap_fault"
#define MMAP_FAULT_PATH "/dev/" MMAP_FAULT_NAME

/* How many pages the device has. */
#define MMAP_FAULT_PAGES 4

#endif /* _MMAP_FAULT_H */
