// SPDX-License-Identifier: GPL-2.0
/*
 * Ask the kernel for a signal through /dev/my_device.
 *
 * Usage: user_program        write our own PID, wait for SIGIO and print
 *                            "Data from kernel: 42"
 *        user_program PID    ask the kernel to signal PID and exit
 * Exits 1 with a message if a call fails or no signal comes within 5 s.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signal_example.h"

/*
 * Set by the handlers, read by main(). Lock-free atomics are safe to
 * touch in a handler (C11 7.14.1.1), and main() sees every change.
 */
static atomic_int got_signal;
static atomic_int timed_out;
static atomic_int data;

/* Only async-signal-safe work in a handler: store, let main() print. */
static void signal_handler(int sig, siginfo_t *info, void *ucontext)
{
	(void)sig;
	(void)ucontext;
	data = info->si_int;
	got_signal = 1;
}

static void alarm_handler(int sig)
{
	(void)sig;
	timed_out = 1;
}

static int parse_pid(const char *s, int *out)
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

static void send_pid(int pid)
{
	ssize_t n;
	int fd;

	fd = open(DEVICE_PATH, O_WRONLY);
	if (fd < 0) {
		perror("open");
		exit(EXIT_FAILURE);
	}

	n = write(fd, &pid, sizeof(pid));
	if (n < 0) {
		perror("write");
		exit(EXIT_FAILURE);
	}
	if (n != sizeof(pid)) {
		fprintf(stderr, "write: short write (%zd bytes)\n", n);
		exit(EXIT_FAILURE);
	}

	if (close(fd) < 0) {
		perror("close");
		exit(EXIT_FAILURE);
	}
}

int main(int argc, char *argv[])
{
	struct sigaction sa;
	sigset_t block, old;
	int pid;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [PID]\n", argv[0]);
		return EXIT_FAILURE;
	}

	if (argc == 2) {
		if (parse_pid(argv[1], &pid)) {
			fprintf(stderr, "usage: %s [PID]\n", argv[0]);
			return EXIT_FAILURE;
		}
		send_pid(pid);
		printf("Asked the kernel to signal pid %d\n", pid);
		return EXIT_SUCCESS;
	}

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = signal_handler;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGIO, &sa, NULL) < 0) {
		perror("sigaction");
		return EXIT_FAILURE;
	}

	sa.sa_handler = alarm_handler;
	sa.sa_flags = 0;
	if (sigaction(SIGALRM, &sa, NULL) < 0) {
		perror("sigaction");
		return EXIT_FAILURE;
	}

	/* Block SIGIO until sigsuspend(), or it could arrive, and be
	 * handled, before we start waiting for it.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGIO);
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0) {
		perror("sigprocmask");
		return EXIT_FAILURE;
	}

	send_pid(getpid());

	alarm(5);
	while (!got_signal && !timed_out)
		sigsuspend(&old);	/* returns -1/EINTR after a handler */

	if (!got_signal) {
		fprintf(stderr, "no signal from the kernel within 5 s\n");
		return EXIT_FAILURE;
	}

	printf("Data from kernel: %d\n", data);
	return EXIT_SUCCESS;
}
