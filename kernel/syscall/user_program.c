// SPDX-License-Identifier: GPL-2.0
/*
 * Call my_syscall(), system call 511 of the lab kernel.
 *
 * Usage: user_program [ARG]   (ARG defaults to 42)
 * Prints "my_syscall returned: ARG" and exits 0, or says why it failed
 * and exits 1: ENOSYS until a module has registered the handler.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "syscall_example.h"

/* The C library does not know the lab kernel's system call. */
#ifndef __NR_my_syscall
#define __NR_my_syscall MY_SYSCALL_NR
#endif

static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < INT_MIN || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char *argv[])
{
	int arg = MY_SYSCALL_ARG;
	long result;

	if (argc > 2 || (argc == 2 && parse_int(argv[1], &arg))) {
		fprintf(stderr, "usage: %s [ARG]\n", argv[0]);
		return EXIT_FAILURE;
	}

	/* syscall() returns -1 and sets errno when the kernel reports an
	 * error, so a handler's negative return values read as errors.
	 */
	result = syscall(__NR_my_syscall, arg);
	if (result == -1) {
		perror("my_syscall failed");
		return EXIT_FAILURE;
	}

	printf("my_syscall returned: %ld\n", result);
	return EXIT_SUCCESS;
}
