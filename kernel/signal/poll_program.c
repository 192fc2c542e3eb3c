// SPDX-License-Identifier: GPL-2.0
/*
 * Wait for an event from /dev/my_events (signal_poll.ko), as programs
 * wait for drivers: with poll(), or with SIGIO. Something else raises
 * the event: `echo > /dev/my_events`.
 *
 * Usage: poll_program MODE [SECONDS]
 *   poll          poll() for POLLIN, then read the events
 *   nonblock      read at once with O_NONBLOCK: EAGAIN if none is pending
 *   async         F_SETOWN and O_ASYNC: wait for SIGIO, then read
 *   async-setsig  the same, with F_SETSIG first, so that SIGIO says which
 *                 file and why (si_fd, si_code POLL_IN, si_band)
 *   closed        F_SETOWN and O_ASYNC, then close the file: no SIGIO
 *                 may come for it (exits 1 if one does)
 * The waiting modes give up after SECONDS (5 by default) and exit 1.
 * Exits 1 with a message if a call fails.
 */
#define _GNU_SOURCE		/* F_SETSIG, si_fd */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signal_poll.h"

/* Set by the handlers, read by main(): lock-free atomics (C11 7.14.1.1). */
static atomic_int got_sigio;
static atomic_int timed_out;
static atomic_int sig_code;
static atomic_int sig_fd;
static atomic_long sig_band;

static void sigio_handler(int sig, siginfo_t *info, void *ucontext)
{
	(void)sig;
	(void)ucontext;
	sig_code = info->si_code;
	sig_fd = info->si_fd;
	sig_band = info->si_band;
	got_sigio = 1;
}

static void alarm_handler(int sig)
{
	(void)sig;
	timed_out = 1;
}

static void fail(const char *what)
{
	perror(what);
	exit(EXIT_FAILURE);
}

/* Poll flags by name, "POLLIN|POLLRDNORM"; "0" for none. */
static const char *poll_names(long bits)
{
	static const struct { long bit; const char *name; } names[] = {
		{ POLLIN, "POLLIN" }, { POLLPRI, "POLLPRI" },
		{ POLLOUT, "POLLOUT" }, { POLLERR, "POLLERR" },
		{ POLLHUP, "POLLHUP" }, { POLLRDNORM, "POLLRDNORM" },
		{ POLLWRNORM, "POLLWRNORM" }, { 0, NULL },
	};
	static char text[128];
	size_t i;

	text[0] = '\0';
	for (i = 0; names[i].name; i++) {
		if (!(bits & names[i].bit))
			continue;
		if (text[0])
			strcat(text, "|");
		strcat(text, names[i].name);
	}
	return text[0] ? text : "0";
}

/* One read: the events since the last one. */
static void read_events(int fd)
{
	char line[EVENTS_LINE_MAX + 1];
	ssize_t n;

	n = read(fd, line, sizeof(line) - 1);
	if (n < 0)
		fail("read");
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	printf("Events since the last read: %s\n", line);
}

static int open_events(void)
{
	/* Non-blocking: after poll() or SIGIO, a read must not sleep. */
	int fd = open(EVENTS_DEVICE_PATH, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		fail("open");
	return fd;
}

static int wait_poll(int seconds)
{
	struct pollfd pfd = { .fd = open_events(), .events = POLLIN };
	int n;

	printf("Waiting with poll()\n");
	n = poll(&pfd, 1, seconds * 1000);
	if (n < 0)
		fail("poll");
	if (n == 0) {
		fprintf(stderr, "poll: no event within %d s\n", seconds);
		return EXIT_FAILURE;
	}
	printf("poll: %s\n", poll_names(pfd.revents));
	read_events(pfd.fd);
	return EXIT_SUCCESS;
}

/* Ask for SIGIO on the file: the owner, optionally the signal, O_ASYNC. */
static void ask_for_sigio(int fd, int setsig)
{
	int flags;

	if (fcntl(fd, F_SETOWN, getpid()) < 0)
		fail("fcntl(F_SETOWN)");
	/* Naming the signal, even SIGIO itself, makes it carry siginfo. */
	if (setsig && fcntl(fd, F_SETSIG, SIGIO) < 0)
		fail("fcntl(F_SETSIG)");
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_ASYNC) < 0)
		fail("fcntl(F_SETFL)");
}

static void print_sigio(void)
{
	if (sig_code == POLL_IN)
		printf("SIGIO: si_code POLL_IN, si_fd %d, si_band %s\n",
		       sig_fd, poll_names(sig_band));
	else if (sig_code == SI_KERNEL)
		printf("SIGIO: si_code SI_KERNEL\n");
	else
		printf("SIGIO: si_code %d\n", sig_code);
}

static int wait_sigio(const char *mode, int seconds)
{
	struct sigaction sa;
	sigset_t block, old;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = sigio_handler;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGIO, &sa, NULL) < 0)
		fail("sigaction");
	sa.sa_handler = alarm_handler;
	sa.sa_flags = 0;
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		fail("sigaction");

	/* Blocked until sigsuspend(), as in user_program.c. */
	sigemptyset(&block);
	sigaddset(&block, SIGIO);
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0)
		fail("sigprocmask");

	fd = open_events();
	ask_for_sigio(fd, strcmp(mode, "async-setsig") == 0);
	if (strcmp(mode, "closed") == 0) {
		if (close(fd) < 0)
			fail("close");
		printf("Closed the file; waiting %d s for SIGIO\n", seconds);
	} else {
		printf("Waiting for SIGIO\n");
	}

	alarm(seconds);
	while (!got_sigio && !timed_out)
		sigsuspend(&old);

	if (strcmp(mode, "closed") == 0) {
		if (got_sigio) {
			print_sigio();
			fprintf(stderr, "SIGIO came for a closed file\n");
			return EXIT_FAILURE;
		}
		printf("No SIGIO: the close took the file off the list\n");
		return EXIT_SUCCESS;
	}
	if (!got_sigio) {
		fprintf(stderr, "no SIGIO within %d s\n", seconds);
		return EXIT_FAILURE;
	}
	print_sigio();
	read_events(fd);
	return EXIT_SUCCESS;
}

static void bad_usage(const char *name)
{
	fprintf(stderr,
		"usage: %s poll|nonblock|async|async-setsig|closed [SECONDS]\n",
		name);
	exit(EXIT_FAILURE);
}

int main(int argc, char *argv[])
{
	const char *mode;
	int seconds = 5;

	/* Line by line, also into a pipe: the order of lines is the story. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc < 2 || argc > 3)
		bad_usage(argv[0]);
	mode = argv[1];
	if (argc == 3) {
		seconds = atoi(argv[2]);
		if (seconds <= 0)
			bad_usage(argv[0]);
	}

	if (strcmp(mode, "poll") == 0)
		return wait_poll(seconds);
	if (strcmp(mode, "nonblock") == 0) {
		read_events(open_events());
		return EXIT_SUCCESS;
	}
	if (strcmp(mode, "async") == 0 || strcmp(mode, "async-setsig") == 0 ||
	    strcmp(mode, "closed") == 0)
		return wait_sigio(mode, seconds);
	bad_usage(argv[0]);
	return EXIT_FAILURE;
}
