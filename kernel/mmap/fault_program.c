// SPDX-License-Identifier: GPL-2.0
/*
 * Map every page of /dev/mmap_fault, touch some, and watch them arrive.
 *
 * Usage: fault_program PAGE...  map all MMAP_FAULT_PAGES pages, print the
 *                               area's line of /proc/self/maps and which
 *                               pages are present (mincore(2): # is, . is
 *                               not), read the kernel's text at the start
 *                               of each PAGE named, in order, and print
 *                               which pages are present then
 *        fault_program big      map one page more than the device has
 *                               (the module refuses)
 * Exits 1 with a message if a call fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmap_fault.h"

/* One character a page: # if it is in the page tables, . if not yet. */
static void present(const char *when, void *area, size_t size, size_t page)
{
	unsigned char vec[MMAP_FAULT_PAGES + 1];
	size_t i;

	if (mincore(area, size, vec) < 0) {
		perror("mincore");
		exit(EXIT_FAILURE);
	}
	printf("%s", when);
	for (i = 0; i < size / page; i++)
		putchar(vec[i] & 1 ? '#' : '.');
	putchar('\n');
}

/* The process's own view of the area: its line in /proc/self/maps. */
static void maps_line(void)
{
	char line[256];
	FILE *maps = fopen("/proc/self/maps", "r");

	if (!maps) {
		perror("/proc/self/maps");
		exit(EXIT_FAILURE);
	}
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, MMAP_FAULT_PATH))
			fputs(line, stdout);
	fclose(maps);
}

/* A page number: decimal digits only, from 0 to MMAP_FAULT_PAGES - 1; or -1. */
static int page_number(const char *arg)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (*arg < '0' || *arg > '9' || *end || n >= MMAP_FAULT_PAGES)
		return -1;
	return n;
}

static void bad_usage(const char *name)
{
	fprintf(stderr, "usage: %s PAGE... (0 to %d) | big\n", name,
		MMAP_FAULT_PAGES - 1);
	exit(EXIT_FAILURE);
}

int main(int argc, char *argv[])
{
	size_t page = sysconf(_SC_PAGESIZE);
	size_t size = MMAP_FAULT_PAGES * page;
	int touch = 1;		/* argv[touch] on are the pages to touch */
	const char *text;
	char *area;
	int fd, i, n;

	if (argc < 2)
		bad_usage(argv[0]);
	if (argc == 2 && !strcmp(argv[1], "big")) {
		size += page;
		touch = argc;
	}
	for (i = touch; i < argc; i++)
		if (page_number(argv[i]) < 0)
			bad_usage(argv[0]);

	fd = open(MMAP_FAULT_PATH, O_RDWR);
	if (fd < 0) {
		perror("open");
		return EXIT_FAILURE;
	}
	area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (area == MAP_FAILED) {
		perror("mmap");
		return EXIT_FAILURE;
	}

	maps_line();
	present("Present before: ", area, size, page);
	for (i = touch; i < argc; i++) {
		n = page_number(argv[i]);
		/* The first load from a page traps into the module's fault handler. */
		text = area + n * page;
		printf("Page %d reads: %s\n", n, text);
	}
	present("Present after:  ", area, size, page);

	if (munmap(area, size) < 0) {
		perror("munmap");
		return EXIT_FAILURE;
	}
	if (close(fd) < 0) {
		perror("close");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
