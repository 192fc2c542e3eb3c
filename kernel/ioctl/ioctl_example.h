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
 * The type byte of every command of this driver. Not the article's 'd':
 * Documentation/userspace-api/ioctl/ioctl-number.rst gives 'd' to DRM,
 * and drm_ioctl() picks a command by type and number alone, so it would
 * take our GET and SET for two commands of its own. Neither the list nor
 * any driver in Linux 6.1 uses 'x'.
 */
#define IOCTL_MAGIC 'x'

/*
 * _IOR/_IOW encode the direction and the size of the argument, a pointer
 * to an int, into the command number.
 */
#define IOCTL_CMD_GET_DATA _IOR(IOCTL_MAGIC, 1, int)
#define IOCTL_CMD_SET_DATA _IOW(IOCTL_MAGIC, 2, int)

/* The value the device holds when the module loads. */
#define IOCTL_INITIAL_DATA 42

#endif /* _IOCTL_EXAMPLE_H */
