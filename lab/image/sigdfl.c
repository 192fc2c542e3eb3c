// SPDX-License-Identifier: GPL-2.0
/*
 * sigdfl - run a command with SIGINT and SIGQUIT back at their defaults.
 *
 * /init starts the console shells as background jobs, and a shell without
 * job control starts its background jobs with SIGINT and SIGQUIT ignored.
 * An ignored signal stays ignored across exec(), and a shell cannot undo
 * it, so without this Ctrl-C would do nothing in the lab.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: sigdfl COMMAND [ARG]...\n");
		return 2;
	}
	if (signal(SIGINT, SIG_DFL) == SIG_ERR || signal(SIGQUIT, SIG_DFL) == SIG_ERR) {
		perror("sigdfl: signal");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
