/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * What mmap_example.ko and user_program agree on.
 *
 * /dev/my_device holds one page of memory, zeroed when the module loads.
 * mmap(2) it MAP_SHARED at offset 0, at most one page long; the int at
 * its start is MMAP_KERNEL_DATA until someone writes another value.
 * read(2) returns that int as the kernel sees it.
 */
#ifndef _MMAP_EXAMPLE_H
#define _MMAP_EXAMPLE_H

#define DEVICE_NAME "my_device"
#define DEVICE_PATH "/dev/" DEVICE_NAME

/* What the kernel puts in the page at load time. */
#define MMAP_KERNEL_DATA 42
/* What user_program writes back. */
#define MMAP_USER_DATA 24

#endif /* _MMAP_EXAMPLE_H */
