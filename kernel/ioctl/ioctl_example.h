/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The ioctl commands of /dev/my_device, defined once
 * for both ioctl_example.ko and user_program.
 */
#ifndef _IOCTL_EXAMPLE_H
#define _IOCTL_EXAMPLE_H

#include <linux/ioctl.h>

#define DEVICE_NAME "my_device"
#define DEVICE_PATH "/dev/" DEVICE_NAME

/*
 * The article's numbers, so its user program and this one can be run
 * against either module. _IOR/_IOW encode the direction and the size of
 * the argument, a pointer to an int, into the command number.
 */
#define IOCTL_CMD_GET_DATA _IOR('d', 1, int)
#define IOCTL_CMD_SET_DATA _IOW('d', 2, int)

/* The value the device holds when the module loads. */
#define IOCTL_INITIAL_DATA 42

#endif /* _IOCTL_EXAMPLE_H */
