/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * What signal_example.ko and user_program agree on.
 *
 * Protocol: write(2) exactly sizeof(int) bytes to /dev/my_device, holding
 * a process ID; the module sends that process SIGIO with si_code SI_QUEUE
 * and si_int SIGNAL_DATA. Any other length fails with EINVAL.
 */
#ifndef _SIGNAL_EXAMPLE_H
#define _SIGNAL_EXAMPLE_H

#define DEVICE_NAME "my_device"
#define DEVICE_PATH "/dev/" DEVICE_NAME

/* The value the signal carries. */
#define SIGNAL_DATA 42

#endif /* _SIGNAL_EXAMPLE_H */
