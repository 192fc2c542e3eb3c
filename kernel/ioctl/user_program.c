// SPDX-License-Identifier: GPL-2.0
/*
 * Get and set the int that /dev/my_device keeps.
 *
 * Usage: user_program          GET, SET 24, GET: prints "Data from kernel: 42",
 *                              "Data to kernel: 24", "Data from kernel: 24"
 *        user_program get      GET only
 *        user_program set N    SET N only
 *        user_program bad      an ioctl command the device does not know
 * Exits 1 with a message if a call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ioctl_example.h"

/* A command number no driver should answer to. */
#define IOCTL_CMD_UNKNOWN _IO(IOCTL_MAGIC, 99)

static int fd;

static void bad_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [get | set N | bad]\n", prog);
	exit(EXIT_FAILURE);
}

static void get_data(void)
{
	int data;

	if (ioctl(fd, IOCTL_CMD_GET_DATA, &data) < 0) {
		perror("ioctl(IOCTL_CMD_GET_DATA)");
		exit(EXIT_FAILURE);
	}
	printf("Data from kernel: %d\n", data);
}

static void set_data(int data)
{
	if (ioctl(fd, IOCTL_CMD_SET_DATA, &data) < 0) {
		perror("ioctl(IOCTL_CMD_SET_DATA)");
		exit(EXIT_FAILURE);
	}
	printf("Data to kernel: %d\n", data);
}

int main(int argc, char *argv[])
{
	const char *cmd = argc > 1 ? argv[1] : "";
	char *end;
	long v = 0;

	if (!strcmp(cmd, "set")) {
		if (argc != 3)
			bad_usage(argv[0]);
		errno = 0;
		v = strtol(argv[2], &end, 10);
		if (errno || end == argv[2] || *end || v < INT_MIN ||
		    v > INT_MAX)
			bad_usage(argv[0]);
	} else if (argc > 2 || (*cmd && strcmp(cmd, "get") &&
				strcmp(cmd, "bad"))) {
		bad_usage(argv[0]);
	}

	fd = open(DEVICE_PATH, O_RDWR);
	if (fd < 0) {
		perror("open");
		return EXIT_FAILURE;
	}

	if (!strcmp(cmd, "get")) {
		get_data();
	} else if (!strcmp(cmd, "set")) {
		set_data((int)v);
	} else if (!strcmp(cmd, "bad")) {
		if (ioctl(fd, IOCTL_CMD_UNKNOWN) < 0) {
			perror("ioctl(IOCTL_CMD_UNKNOWN)");
			return EXIT_FAILURE;
		}
		printf("The device accepted an unknown command\n");
	} else {
		get_data();
		set_data(24);
		get_data();
	}

	if (close(fd) < 0) {
		perror("close");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
