// SPDX-License-Identifier: GPL-2.0
/*
 * Wait for /sys/kernel/my_sysfs/data to change, by sysfs's protocol:
 * read the file, poll() it for POLLPRI and POLLERR, and when woken, seek
 * back to the start and read it again (see kernfs_generic_poll() in
 * fs/kernfs/file.c).
 *
 * Usage: poll_program [CHANGES [SECONDS]]
 * Prints "Value: 42", then "Changed: N" for each of CHANGES changes (1
 * by default). Exits 1 if no change comes within SECONDS (5 by default)
 * of the last, or if a call fails, with a message.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs_example.h"

/* The value, from the start of the file: an attribute is read whole. */
static const char *read_value(int fd)
{
	static char buffer[256];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		perror("lseek");
		exit(EXIT_FAILURE);
	}
	n = read(fd, buffer, sizeof(buffer) - 1);
	if (n < 0) {
		perror("read");
		exit(EXIT_FAILURE);
	}
	buffer[n] = '\0';
	buffer[strcspn(buffer, "\n")] = '\0';
	return buffer;
}

int main(int argc, char *argv[])
{
	struct pollfd pfd;
	int changes = 1, seconds = 5, i, n;

	/* Line by line, also into a pipe: the order of lines is the story. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc > 1)
		changes = atoi(argv[1]);
	if (argc > 2)
		seconds = atoi(argv[2]);
	if (argc > 3 || changes <= 0 || seconds <= 0) {
		fprintf(stderr, "usage: %s [CHANGES [SECONDS]]\n", argv[0]);
		return EXIT_FAILURE;
	}

	pfd.fd = open(SYSFS_FILE_PATH, O_RDONLY);
	if (pfd.fd < 0) {
		perror("open");
		return EXIT_FAILURE;
	}
	/*
	 * Read first: poll() reports a change since this file's last read.
	 * POLLIN is no use, as an attribute is always readable; a change
	 * is POLLPRI|POLLERR.
	 */
	printf("Value: %s\n", read_value(pfd.fd));
	pfd.events = POLLPRI | POLLERR;

	for (i = 0; i < changes; i++) {
		n = poll(&pfd, 1, seconds * 1000);
		if (n < 0) {
			perror("poll");
			return EXIT_FAILURE;
		}
		if (n == 0) {
			fprintf(stderr, "poll: no change within %d s\n",
				seconds);
			return EXIT_FAILURE;
		}
		printf("Changed: %s\n", read_value(pfd.fd));
	}

	if (close(pfd.fd) < 0) {
		perror("close");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
