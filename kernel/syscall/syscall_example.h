/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * What syscall_example.ko and user_program agree on.
 * Plain C with no includes, so both the kernel and user space can use it.
 */
#ifndef _SYSCALL_EXAMPLE_H
#define _SYSCALL_EXAMPLE_H

/*
 * The number 0001-my_syscall.patch gives my_syscall in the lab kernel's
 * arch/x86/entry/syscalls/syscall_64.tbl. The article's 333 has been
 * io_pgetevents since Linux 4.18.
 */
#define MY_SYSCALL_NR 511

/* What user_program passes; the handler returns its argument. */
#define MY_SYSCALL_ARG 42

#endif /* _SYSCALL_EXAMPLE_H */
