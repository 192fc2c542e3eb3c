// SPDX-License-Identifier: GPL-2.0
/*
 * Share a page of memory with the kernel.
 *
 * Usage: user_program          map /dev/my_device, print the kernel's 42,
 *                              write 24, and show that the kernel reads 24
 *        user_program dump     map it and print what a fresh mapping holds
 *        user_program big      map two pages      (the module refuses)
 *        user_program offset   map at offset 4096 (the module refuses)
 *        user_program private  map it MAP_PRIVATE (the module refuses)
 * Exits 1 with a message if a call fails.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmap_example.h"

static void dump(const unsigned char *p, size_t size)
{
	size_t i, nonzero = 0;

	for (i = 0; i < 32; i++)
		printf("%02x%c", p[i], i % 16 == 15 ? '\n' : ' ');
	for (i = 0; i < size; i++)
		nonzero += p[i] != 0;
	printf("Nonzero bytes in the page: %zu\n", nonzero);
}

int main(int argc, char *argv[])
{
	size_t page = sysconf(_SC_PAGESIZE);
	const char *mode = argc == 2 ? argv[1] : "";
	int flags = MAP_SHARED;
	size_t size = page;
	off_t offset = 0;
	int *data;
	int fd, value;
	ssize_t n;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [dump|big|offset|private]\n",
			argv[0]);
		return EXIT_FAILURE;
	}
	if (!strcmp(mode, "big")) {
		size = 2 * page;
	} else if (!strcmp(mode, "offset")) {
		offset = page;
	} else if (!strcmp(mode, "private")) {
		flags = MAP_PRIVATE;
	} else if (*mode && strcmp(mode, "dump")) {
		fprintf(stderr, "usage: %s [dump|big|offset|private]\n",
			argv[0]);
		return EXIT_FAILURE;
	}

	fd = open(DEVICE_PATH, O_RDWR);
	if (fd < 0) {
		perror("open");
		return EXIT_FAILURE;
	}

	data = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, offset);
	if (data == MAP_FAILED) {
		perror("mmap");
		return EXIT_FAILURE;
	}

	if (!strcmp(mode, "dump")) {
		dump((const unsigned char *)data, size);
	} else {
		printf("Data from kernel: %d\n", *data);

		*data = MMAP_USER_DATA;
		printf("Data to kernel: %d\n", MMAP_USER_DATA);

		/* read(2) asks the kernel what it sees in the page. */
		n = pread(fd, &value, sizeof(value), 0);
		if (n < 0) {
			perror("read");
			return EXIT_FAILURE;
		}
		if (n != sizeof(value)) {
			fprintf(stderr, "read: short read (%zd bytes)\n", n);
			return EXIT_FAILURE;
		}
		printf("Kernel read back: %d\n", value);
	}

	if (munmap(data, size) < 0) {
		perror("munmap");
		return EXIT_FAILURE;
	}
	if (close(fd) < 0) {
		perror("close");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
