/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * What procfs_example.ko and user_program agree on.
 *
 * /proc/my_proc_file reads as a decimal int and a newline; writing a
 * decimal int (a trailing newline is fine) changes it, and anything else
 * fails with EINVAL or ERANGE. A write of more than PROC_WRITE_MAX bytes
 * fails with EINVAL, whatever it holds.
 */
#ifndef _PROCFS_EXAMPLE_H
#define _PROCFS_EXAMPLE_H

#define PROC_FILE_NAME "my_proc_file"
#define PROC_FILE_PATH "/proc/" PROC_FILE_NAME

/* The value the file holds when the module loads. */
#define PROC_INITIAL_DATA 42

/* The longest write the file takes: the longest int, and a newline. */
#define PROC_WRITE_MAX (sizeof("-2147483648\n") - 1)

#endif /* _PROCFS_EXAMPLE_H */
