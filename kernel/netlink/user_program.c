// SPDX-License-Identifier: GPL-2.0
/*
 * Talk to netlink_example.ko over its netlink protocol.
 *
 * Usage: user_program          MY_NL_GET: prints "Data from kernel: 42"
 *        user_program set N    MY_NL_SET N, with an acknowledgement
 *        user_program short    MY_NL_SET with a 2-byte payload (EINVAL)
 *        user_program unknown  a message type the module does not know
 *        user_program runt     8 bytes, shorter than a netlink header
 * Exits 1 with a message if a call fails or the kernel reports an error.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "netlink_example.h"

/* Room for any reply, an error quoting our request included. */
#define BUF_SIZE 8192

static int sockfd;

static void bad_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [set N | short | unknown | runt]\n", prog);
	exit(EXIT_FAILURE);
}

static void open_socket(void)
{
	struct timeval timeout = { .tv_sec = 2 };
	struct sockaddr_nl addr;

	sockfd = socket(AF_NETLINK, SOCK_RAW, NETLINK_USER);
	if (sockfd < 0) {
		perror("socket");
		exit(EXIT_FAILURE);
	}

	/* nl_pid 0: let the kernel choose a free port for us. */
	memset(&addr, 0, sizeof(addr));
	addr.nl_family = AF_NETLINK;
	if (bind(sockfd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("bind");
		exit(EXIT_FAILURE);
	}

	/* A message the kernel drops gets no answer: do not wait forever. */
	if (setsockopt(sockfd, SOL_SOCKET, SO_RCVTIMEO, &timeout,
		       sizeof(timeout)) < 0) {
		perror("setsockopt");
		exit(EXIT_FAILURE);
	}
}

static void send_to_kernel(const void *buf, size_t len)
{
	struct sockaddr_nl kernel;

	memset(&kernel, 0, sizeof(kernel));
	kernel.nl_family = AF_NETLINK;	/* nl_pid 0 is the kernel */
	if (sendto(sockfd, buf, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		perror("sendto");
		exit(EXIT_FAILURE);
	}
}

/* Send a message with a header and len bytes of payload. */
static void send_msg(unsigned short type, unsigned short flags,
		     const void *payload, size_t len)
{
	union {
		struct nlmsghdr nlh;
		char buf[NLMSG_SPACE(sizeof(int))];
	} msg;

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = NLMSG_LENGTH(len);
	msg.nlh.nlmsg_type = type;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	msg.nlh.nlmsg_seq = 1;
	memcpy(NLMSG_DATA(&msg.nlh), payload, len);
	send_to_kernel(&msg, msg.nlh.nlmsg_len);
}

/*
 * Receive one reply. Returns the int of a MY_NL_GET reply in *value and
 * 1, or 0 for an acknowledgement; exits on an error reply.
 */
static int receive(int *value)
{
	union {
		struct nlmsghdr nlh;
		char buf[BUF_SIZE];
	} msg;
	struct sockaddr_nl from;
	socklen_t fromlen = sizeof(from);
	struct nlmsgerr *err;
	ssize_t n;

	n = recvfrom(sockfd, &msg, sizeof(msg), 0, (struct sockaddr *)&from,
		     &fromlen);
	if (n < 0) {
		if (errno == EAGAIN)
			fprintf(stderr, "recv: no reply from the kernel\n");
		else
			perror("recv");
		exit(EXIT_FAILURE);
	}
	if (from.nl_pid != 0 || !NLMSG_OK(&msg.nlh, (size_t)n)) {
		fprintf(stderr, "recv: malformed reply\n");
		exit(EXIT_FAILURE);
	}

	switch (msg.nlh.nlmsg_type) {
	case NLMSG_ERROR:
		if (msg.nlh.nlmsg_len < NLMSG_LENGTH(sizeof(*err))) {
			fprintf(stderr, "recv: truncated error reply\n");
			exit(EXIT_FAILURE);
		}
		err = NLMSG_DATA(&msg.nlh);
		if (err->error == 0)
			return 0;
		errno = -err->error;
		perror("Error reply from kernel");
		exit(EXIT_FAILURE);
	case MY_NL_GET:
		if (msg.nlh.nlmsg_len < NLMSG_LENGTH(sizeof(*value)))
			break;
		memcpy(value, NLMSG_DATA(&msg.nlh), sizeof(*value));
		return 1;
	}
	fprintf(stderr, "recv: unexpected reply of type %u\n",
		msg.nlh.nlmsg_type);
	exit(EXIT_FAILURE);
}

/* A message the module must refuse: report the error reply it gets. */
static int send_bad(const char *cmd)
{
	const char runt[8] = { 0 };
	int data = 0, reply;

	if (!strcmp(cmd, "short"))
		send_msg(MY_NL_SET, 0, &data, 2);
	else if (!strcmp(cmd, "unknown"))
		send_msg(MY_NL_SET + 10, 0, &data, 0);
	else
		send_to_kernel(runt, sizeof(runt));

	receive(&reply);	/* exits on an error reply or none */
	fprintf(stderr, "The kernel accepted a bad message (%s)\n", cmd);
	return EXIT_FAILURE;
}

int main(int argc, char *argv[])
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int data = 0, reply;
	char *end;
	long v;

	if (!strcmp(cmd, "set")) {
		if (argc != 3)
			bad_usage(argv[0]);
		errno = 0;
		v = strtol(argv[2], &end, 10);
		if (errno || end == argv[2] || *end || v < INT_MIN ||
		    v > INT_MAX)
			bad_usage(argv[0]);
		data = (int)v;
	} else if (argc > 2 || (*cmd && strcmp(cmd, "short") &&
				strcmp(cmd, "unknown") && strcmp(cmd, "runt"))) {
		bad_usage(argv[0]);
	}

	open_socket();

	if (*cmd && strcmp(cmd, "set"))
		return send_bad(cmd);

	if (*cmd) {
		send_msg(MY_NL_SET, NLM_F_ACK, &data, sizeof(data));
		if (receive(&reply) != 0) {
			fprintf(stderr, "recv: expected an acknowledgement\n");
			return EXIT_FAILURE;
		}
		printf("Data to kernel: %d\n", data);
	} else {
		send_msg(MY_NL_GET, 0, &data, 0);
		if (receive(&reply) != 1) {
			fprintf(stderr, "recv: expected data\n");
			return EXIT_FAILURE;
		}
		printf("Data from kernel: %d\n", reply);
	}

	if (close(sockfd) < 0) {
		perror("close");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
