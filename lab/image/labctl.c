// SPDX-License-Identifier: GPL-2.0
/*
 * labctl - the guest's end of the control channel, for the lines that are
 * one system call each: a console's window size ("ROWS COLS N") and the
 * clock ("time SECONDS"). Every other line is copied to stdout, for /init's
 * shell loop (a put and its file, a sum).
 *
 * The shell did these with stty and date. Under QEMU's emulator each exec
 * of a program a VM has not run yet costs tens of milliseconds of host CPU
 * (its code is translated first), and a VM restored from a snapshot has run
 * none: the clock and size lines after a restore took about 90 ms of the
 * 200 a restore costs.
 *
 * Usage: labctl TTY0 TTY1 <control-tty, where TTYn is the device name of
 * console n ("ttyS0"), or "-" when there is no such console.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONSOLES 2

static const char *consoles[MAX_CONSOLES];

/*
 * Open the console for each resize: when its shell's session ends, the
 * kernel hangs the terminal up, and a descriptor kept open across that
 * would answer every ioctl with an error.
 */
static void set_size(unsigned int index, unsigned short rows, unsigned short cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	char path[64];
	int fd;

	if (index >= MAX_CONSOLES || !consoles[index])
		return;
	snprintf(path, sizeof(path), "/dev/%s", consoles[index]);
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		perror(path);
		return;
	}
	/* The kernel sends SIGWINCH to the console's foreground job. */
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		perror("labctl: TIOCSWINSZ");
	close(fd);
}

static void set_clock(long long seconds)
{
	struct timespec ts = { .tv_sec = seconds };

	if (clock_settime(CLOCK_REALTIME, &ts) < 0)
		perror("labctl: clock_settime");
}

int main(int argc, char *argv[])
{
	char line[4096];
	unsigned int rows, cols, index;
	long long seconds;
	int line_start = 1;
	char end;
	int i;

	if (argc != 1 + MAX_CONSOLES) {
		fprintf(stderr, "usage: labctl TTY0 TTY1 <control-tty\n");
		return 2;
	}
	for (i = 0; i < MAX_CONSOLES; i++)
		consoles[i] = strcmp(argv[i + 1], "-") ? argv[i + 1] : NULL;

	while (fgets(line, sizeof(line), stdin)) {
		/* A line longer than the buffer comes in pieces: only a whole one is a command. */
		int whole = line_start && strchr(line, '\n');

		line_start = strchr(line, '\n') != NULL;
		if (whole && sscanf(line, "time %lld%c", &seconds, &end) == 2 && end == '\n') {
			set_clock(seconds);
		} else if (whole && sscanf(line, "%u %u %u%c", &rows, &cols, &index, &end) == 4 &&
			   end == '\n' && rows <= 0xffff && cols <= 0xffff) {
			set_size(index, rows, cols);
		} else if (!whole || strcmp(line, "\n")) {
			/* An empty line is the host's nudge after a resize (lab/vm/control.ts). */
			fputs(line, stdout);
			fflush(stdout);
		}
	}
	return 0;
}
