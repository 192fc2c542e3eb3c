// SPDX-License-Identifier: GPL-2.0
/*
 * Read /proc/my_proc_file, write 24 to it, read it again.
 *
 * Prints "Data from kernel: 42", "Data to kernel: 24" and
 * "Data from kernel: 24" after the module is loaded. Exits 1 with a
 * message if a call fails.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs_example.h"

static void read_data(void)
{
	char buffer[256];
	ssize_t n;
	int fd;

	fd = open(PROC_FILE_PATH, O_RDONLY);
	if (fd < 0) {
		perror("open");
		exit(EXIT_FAILURE);
	}

	n = read(fd, buffer, sizeof(buffer) - 1);
	if (n < 0) {
		perror("read");
		exit(EXIT_FAILURE);
	}
	buffer[n] = '\0';
	buffer[strcspn(buffer, "\n")] = '\0';	/* the file ends in one */
	printf("Data from kernel: %s\n", buffer);

	if (close(fd) < 0) {
		perror("close");
		exit(EXIT_FAILURE);
	}
}

static void write_data(const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd;

	fd = open(PROC_FILE_PATH, O_WRONLY);
	if (fd < 0) {
		perror("open");
		exit(EXIT_FAILURE);
	}

	n = write(fd, s, len);
	if (n < 0) {
		perror("write");
		exit(EXIT_FAILURE);
	}
	if ((size_t)n != len) {
		fprintf(stderr, "write: short write (%zd bytes)\n", n);
		exit(EXIT_FAILURE);
	}
	printf("Data to kernel: %.*s\n", (int)strcspn(s, "\n"), s);

	if (close(fd) < 0) {
		perror("close");
		exit(EXIT_FAILURE);
	}
}

int main(void)
{
	read_data();
	write_data("24\n");
	read_data();
	return EXIT_SUCCESS;
}
