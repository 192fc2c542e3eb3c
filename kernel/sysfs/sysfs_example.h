/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * What sysfs_example.ko and user_program agree on.
 *
 * /sys/kernel/my_sysfs/data reads as a decimal int and a newline; writing
 * a decimal int (a trailing newline is fine) changes it, and anything
 * else fails with EINVAL or ERANGE. One value per file, as sysfs wants.
 */
#ifndef _SYSFS_EXAMPLE_H
#define _SYSFS_EXAMPLE_H

#define SYSFS_DIR_NAME "my_sysfs"		/* under /sys/kernel */
#define SYSFS_FILE_PATH "/sys/kernel/" SYSFS_DIR_NAME "/data"

/* The value the file holds when the module loads. */
#define SYSFS_INITIAL_DATA 42

#endif /* _SYSFS_EXAMPLE_H */
