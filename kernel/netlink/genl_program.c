// SPDX-License-Identifier: GPL-2.0
/*
 * Talk to genl_example.ko's generic netlink family, LAB_GENL, on a raw
 * netlink socket (the lab has no libnl). Generic netlink families have no
 * fixed numbers: the program asks the controller for the family's id, and
 * its group's, by name.
 *
 * Usage: genl_program family [NAME]  ask the controller about NAME
 *                                    (LAB_GENL if none) and print its id,
 *                                    version, commands and groups
 *        genl_program echo MSG [N]   LAB_GENL_CMD_ECHO with MSG and N (no
 *                                    N: without that attribute); prints
 *                                    the reply
 *        genl_program listen         join the group "events" and print the
 *                                    first event (waits up to 5 s)
 * Exits 1 with a message if a call fails or the kernel reports an error;
 * the lines after "Error reply" are the kernel's extended ack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genl_example.h"

/* Room for any request or reply here, an error reply quoting one too. */
#define BUF_SIZE 8192

union msgbuf {
	struct nlmsghdr nlh;
	char buf[BUF_SIZE];
};

/* One request: its message, the names of its attributes, for errors. */
struct request {
	union msgbuf m;
	const char *what;
	const char *const *attr_names;
	int n_attr_names;
};

static const char *const ctrl_attr_names[] = {
	[CTRL_ATTR_FAMILY_NAME] = "CTRL_ATTR_FAMILY_NAME",
};

static const char *const lab_attr_names[] = {
	[LAB_GENL_A_MSG] = "LAB_GENL_A_MSG",
	[LAB_GENL_A_VALUE] = "LAB_GENL_A_VALUE",
};

static void bad_usage(const char *prog)
{
	fprintf(stderr, "usage: %s family [NAME] | echo MSG [N] | listen\n",
		prog);
	exit(EXIT_FAILURE);
}

static int open_socket(int timeout_s)
{
	struct timeval timeout = { .tv_sec = timeout_s };
	struct sockaddr_nl addr;
	int one = 1;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0) {
		perror("socket");
		exit(EXIT_FAILURE);
	}
	memset(&addr, 0, sizeof(addr));
	addr.nl_family = AF_NETLINK;	/* nl_pid 0: the kernel picks */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("bind");
		exit(EXIT_FAILURE);
	}
	/*
	 * EXT_ACK: errors come with the kernel's reason and the attribute at
	 * fault. CAP_ACK: without a copy of our request, which we have.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout,
		       sizeof(timeout)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) < 0) {
		perror("setsockopt");
		exit(EXIT_FAILURE);
	}
	return fd;
}

/* A request's netlink and generic netlink headers, to family id `type`. */
static void start_request(struct request *req, unsigned short type,
			  unsigned char cmd, unsigned char version)
{
	struct genlmsghdr *genl;

	memset(&req->m, 0, sizeof(req->m));
	req->m.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req->m.nlh.nlmsg_type = type;
	req->m.nlh.nlmsg_flags = NLM_F_REQUEST;
	req->m.nlh.nlmsg_seq = 1;
	genl = NLMSG_DATA(&req->m.nlh);
	genl->cmd = cmd;
	genl->version = version;
}

/* Append one attribute, padded to NLA_ALIGNTO, as the kernel expects. */
static void put_attr(struct request *req, unsigned short type,
		     const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(req->m.nlh.nlmsg_len);
	struct nlattr *nla = (struct nlattr *)(req->m.buf + at);

	if (len > BUF_SIZE || at + NLA_HDRLEN + NLA_ALIGN(len) > BUF_SIZE) {
		fprintf(stderr, "%s: attribute too long for this program\n",
			req->what);
		exit(EXIT_FAILURE);
	}
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	req->m.nlh.nlmsg_len = at + NLA_ALIGN(nla->nla_len);
}

static void send_request(int fd, const struct request *req)
{
	struct sockaddr_nl kernel;

	memset(&kernel, 0, sizeof(kernel));
	kernel.nl_family = AF_NETLINK;	/* nl_pid 0 is the kernel */
	if (sendto(fd, &req->m, req->m.nlh.nlmsg_len, 0,
		   (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		perror("sendto");
		exit(EXIT_FAILURE);
	}
}

/*
 * The attributes in len bytes at data, one at a time: *pos starts at 0.
 * NULL after the last, or at one whose length does not fit.
 */
static const struct nlattr *next_attr(const void *data, size_t len,
				      size_t *pos)
{
	const struct nlattr *nla;

	if (*pos + NLA_HDRLEN > len)
		return NULL;
	nla = (const struct nlattr *)((const char *)data + *pos);
	if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len - *pos)
		return NULL;
	*pos += NLA_ALIGN((size_t)nla->nla_len);
	return nla;
}

/* Index the attributes in len bytes at data by type, up to max. */
static void parse_attrs(const void *data, size_t len,
			const struct nlattr **tb, int max)
{
	const struct nlattr *nla;
	size_t pos = 0;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while ((nla = next_attr(data, len, &pos))) {
		int type = nla->nla_type & NLA_TYPE_MASK;

		if (type <= max)
			tb[type] = nla;
	}
}

static const void *attr_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static size_t attr_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

/* The attribute's u32 (u16, u64) in *v; 0 if absent or of another size. */
static int attr_u32(const struct nlattr *nla, unsigned int *v)
{
	if (!nla || attr_len(nla) != sizeof(*v))
		return 0;
	memcpy(v, attr_data(nla), sizeof(*v));
	return 1;
}

static int attr_u16(const struct nlattr *nla, unsigned short *v)
{
	if (!nla || attr_len(nla) != sizeof(*v))
		return 0;
	memcpy(v, attr_data(nla), sizeof(*v));
	return 1;
}

static int attr_u64(const struct nlattr *nla, unsigned long long *v)
{
	if (!nla || attr_len(nla) != sizeof(*v))
		return 0;
	memcpy(v, attr_data(nla), sizeof(*v));	/* may be unaligned */
	return 1;
}

/* The attribute's string, or NULL if absent or without its NUL. */
static const char *attr_str(const struct nlattr *nla)
{
	if (!nla || !memchr(attr_data(nla), '\0', attr_len(nla)))
		return NULL;
	return attr_data(nla);
}

/* The name of the request's attribute at offset off, as the ack gives it. */
static void print_attr_at(const struct request *req, unsigned int off)
{
	const struct nlattr *nla = (const struct nlattr *)(req->m.buf + off);
	int type;

	if (off < NLMSG_LENGTH(GENL_HDRLEN) ||
	    off + NLA_HDRLEN > req->m.nlh.nlmsg_len) {
		fprintf(stderr, "  attribute: at offset %u\n", off);
		return;
	}
	type = nla->nla_type & NLA_TYPE_MASK;
	if (type < req->n_attr_names && req->attr_names[type])
		fprintf(stderr, "  attribute: %s\n", req->attr_names[type]);
	else
		fprintf(stderr, "  attribute: type %d\n", type);
}

/* What NLMSGERR_ATTR_POLICY says the attribute should have been. */
static void print_policy(const struct nlattr *policy)
{
	const struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];
	unsigned long long min, max;
	unsigned int len;

	parse_attrs(attr_data(policy), attr_len(policy), tb,
		    NL_POLICY_TYPE_ATTR_MAX);
	if (attr_u32(tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH], &len))
		fprintf(stderr, "  policy: at most %u bytes\n", len);
	if (attr_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U], &min) &&
	    attr_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U], &max))
		fprintf(stderr, "  policy: %llu to %llu\n", min, max);
}

/* An NLMSG_ERROR reply: 0 for an acknowledgement; else report and exit. */
static void check_error(const struct request *req, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t off = sizeof(*err), len = nlh->nlmsg_len - NLMSG_HDRLEN;
	unsigned int u;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*err))) {
		fprintf(stderr, "recv: truncated error reply\n");
		exit(EXIT_FAILURE);
	}
	if (err->error == 0)
		return;
	errno = -err->error;
	perror(req->what);

	/* The TLVs follow the error, and the request unless it was capped. */
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		exit(EXIT_FAILURE);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
	if (off >= len)
		exit(EXIT_FAILURE);
	parse_attrs((const char *)err + off, len - off, tb, NLMSGERR_ATTR_MAX);
	if (attr_str(tb[NLMSGERR_ATTR_MSG]))
		fprintf(stderr, "  message: %s\n",
			attr_str(tb[NLMSGERR_ATTR_MSG]));
	if (attr_u32(tb[NLMSGERR_ATTR_OFFS], &u))
		print_attr_at(req, u);
	if (tb[NLMSGERR_ATTR_POLICY])
		print_policy(tb[NLMSGERR_ATTR_POLICY]);
	if (attr_u32(tb[NLMSGERR_ATTR_MISS_TYPE], &u)) {
		if (u < (unsigned int)req->n_attr_names && req->attr_names[u])
			fprintf(stderr, "  missing: %s\n", req->attr_names[u]);
		else
			fprintf(stderr, "  missing: attribute type %u\n", u);
	}
	exit(EXIT_FAILURE);
}

/*
 * Receive one message from the kernel into m; exits on an error reply
 * (req: the request it answers, NULL for an event) or on none in time.
 * Returns its attributes' start and length.
 */
static const void *receive(int fd, union msgbuf *m, const struct request *req,
			   size_t *len)
{
	struct sockaddr_nl from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;

	n = recvfrom(fd, m, sizeof(*m), 0, (struct sockaddr *)&from, &fromlen);
	if (n < 0) {
		if (errno == EAGAIN)
			fprintf(stderr, "recv: nothing from the kernel\n");
		else
			perror("recv");
		exit(EXIT_FAILURE);
	}
	if (from.nl_pid != 0 || !NLMSG_OK(&m->nlh, (size_t)n)) {
		fprintf(stderr, "recv: malformed message\n");
		exit(EXIT_FAILURE);
	}
	if (m->nlh.nlmsg_type == NLMSG_ERROR && req)
		check_error(req, &m->nlh);
	if (m->nlh.nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
	    (req && m->nlh.nlmsg_type != req->m.nlh.nlmsg_type)) {
		fprintf(stderr, "recv: unexpected message of type %u\n",
			m->nlh.nlmsg_type);
		exit(EXIT_FAILURE);
	}
	*len = m->nlh.nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	return (const char *)NLMSG_DATA(&m->nlh) + GENL_HDRLEN;
}

struct family {
	unsigned short id;
	unsigned int version;
	unsigned int events;	/* the group "events", 0 if it has none */
};

static void print_ops(const struct nlattr *ops)
{
	const struct nlattr *tb[CTRL_ATTR_OP_MAX + 1];
	const struct nlattr *op;
	size_t pos = 0;

	/* A nest of nests, one per command. */
	while ((op = next_attr(attr_data(ops), attr_len(ops), &pos))) {
		unsigned int id, flags = 0;

		parse_attrs(attr_data(op), attr_len(op), tb, CTRL_ATTR_OP_MAX);
		if (!attr_u32(tb[CTRL_ATTR_OP_ID], &id))
			continue;
		attr_u32(tb[CTRL_ATTR_OP_FLAGS], &flags);
		printf("command %u:%s%s%s%s\n", id,
		       flags & GENL_CMD_CAP_DO ? " do" : "",
		       flags & GENL_CMD_CAP_DUMP ? " dump" : "",
		       flags & GENL_CMD_CAP_HASPOL ? ", policy" : "",
		       flags & GENL_ADMIN_PERM ? ", admin only" : "");
	}
}

/* The id of the group "events" among the family's; prints all if asked. */
static unsigned int find_groups(const struct nlattr *groups, int print)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct nlattr *grp;
	unsigned int id, events = 0;
	const char *name;
	size_t pos = 0;

	while ((grp = next_attr(attr_data(groups), attr_len(groups), &pos))) {
		parse_attrs(attr_data(grp), attr_len(grp), tb,
			    CTRL_ATTR_MCAST_GRP_MAX);
		name = attr_str(tb[CTRL_ATTR_MCAST_GRP_NAME]);
		if (!name || !attr_u32(tb[CTRL_ATTR_MCAST_GRP_ID], &id))
			continue;
		if (print)
			printf("group %s: id %u\n", name, id);
		if (!strcmp(name, LAB_GENL_MCGRP_EVENTS))
			events = id;
	}
	return events;
}

/*
 * CTRL_CMD_GETFAMILY to the controller, itself a generic netlink family
 * with the one fixed id, GENL_ID_CTRL: which family is called name?
 */
static struct family get_family(int fd, const char *name, int print)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct request req = {
		.attr_names = ctrl_attr_names,
		.n_attr_names = CTRL_ATTR_FAMILY_NAME + 1,
	};
	struct family f = { 0 };
	char what[64];
	union msgbuf m;
	const void *attrs;
	unsigned int maxattr = 0;
	size_t len;

	snprintf(what, sizeof(what), "CTRL_CMD_GETFAMILY %s", name);
	req.what = what;
	start_request(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	put_attr(&req, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	send_request(fd, &req);
	attrs = receive(fd, &m, &req, &len);

	parse_attrs(attrs, len, tb, CTRL_ATTR_MAX);
	if (!attr_u16(tb[CTRL_ATTR_FAMILY_ID], &f.id)) {
		fprintf(stderr, "%s: no family id in the reply\n", what);
		exit(EXIT_FAILURE);
	}
	attr_u32(tb[CTRL_ATTR_VERSION], &f.version);
	attr_u32(tb[CTRL_ATTR_MAXATTR], &maxattr);
	if (print)
		printf("family %s: id %u, version %u, maxattr %u\n",
		       name, f.id, f.version, maxattr);
	if (print && tb[CTRL_ATTR_OPS])
		print_ops(tb[CTRL_ATTR_OPS]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		f.events = find_groups(tb[CTRL_ATTR_MCAST_GROUPS], print);
	return f;
}

/* Print a LAB_GENL message's two attributes, after its command's name. */
static void print_lab_msg(const char *what, const void *attrs, size_t len)
{
	const struct nlattr *tb[LAB_GENL_A_MAX + 1];
	unsigned int value;
	const char *msg;

	parse_attrs(attrs, len, tb, LAB_GENL_A_MAX);
	msg = attr_str(tb[LAB_GENL_A_MSG]);
	if (!msg || !attr_u32(tb[LAB_GENL_A_VALUE], &value)) {
		fprintf(stderr, "%s: attributes missing\n", what);
		exit(EXIT_FAILURE);
	}
	printf("%s: \"%s\", %u\n", what, msg, value);
}

static void send_echo(int fd, const char *msg, const char *n)
{
	struct request req = {
		.what = "LAB_GENL_CMD_ECHO",
		.attr_names = lab_attr_names,
		.n_attr_names = LAB_GENL_A_MAX + 1,
	};
	struct family f = get_family(fd, LAB_GENL_NAME, 0);
	const void *attrs;
	union msgbuf m;
	size_t len;

	start_request(&req, f.id, LAB_GENL_CMD_ECHO, LAB_GENL_VERSION);
	/* Sent as given: checking them is the policy's job, in the kernel. */
	put_attr(&req, LAB_GENL_A_MSG, msg, strlen(msg) + 1);
	if (n) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(n, &end, 10);
		if (errno || end == n || *end || *n == '-' || v > 0xffffffffUL) {
			fprintf(stderr, "echo: N must be a u32, not %s\n", n);
			exit(EXIT_FAILURE);
		}
		put_attr(&req, LAB_GENL_A_VALUE, &(unsigned int){ v },
			 sizeof(unsigned int));
	}
	send_request(fd, &req);
	attrs = receive(fd, &m, &req, &len);
	if (((struct genlmsghdr *)NLMSG_DATA(&m.nlh))->cmd != LAB_GENL_CMD_ECHO) {
		fprintf(stderr, "recv: not an echo reply\n");
		exit(EXIT_FAILURE);
	}
	print_lab_msg("LAB_GENL_CMD_ECHO reply", attrs, len);
}

static void listen_events(int fd)
{
	struct family f = get_family(fd, LAB_GENL_NAME, 0);
	const void *attrs;
	union msgbuf m;
	size_t len;

	if (!f.events) {
		fprintf(stderr, "%s has no group \"%s\"\n", LAB_GENL_NAME,
			LAB_GENL_MCGRP_EVENTS);
		exit(EXIT_FAILURE);
	}
	/* Join by the group's id; anyone may, this group has no flags. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &f.events,
		       sizeof(f.events)) < 0) {
		perror("setsockopt(NETLINK_ADD_MEMBERSHIP)");
		exit(EXIT_FAILURE);
	}
	/* Nothing else comes to this socket now: it asks nothing more. */
	attrs = receive(fd, &m, NULL, &len);
	if (m.nlh.nlmsg_type != f.id ||
	    ((struct genlmsghdr *)NLMSG_DATA(&m.nlh))->cmd != LAB_GENL_CMD_EVENT) {
		fprintf(stderr, "recv: not a LAB_GENL event\n");
		exit(EXIT_FAILURE);
	}
	print_lab_msg("LAB_GENL_CMD_EVENT", attrs, len);
}

int main(int argc, char *argv[])
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int fd = -1;

	if (!strcmp(cmd, "family") && argc <= 3) {
		fd = open_socket(2);
		get_family(fd, argc == 3 ? argv[2] : LAB_GENL_NAME, 1);
	} else if (!strcmp(cmd, "echo") && (argc == 3 || argc == 4)) {
		fd = open_socket(2);
		send_echo(fd, argv[2], argc == 4 ? argv[3] : NULL);
	} else if (!strcmp(cmd, "listen") && argc == 2) {
		fd = open_socket(5);
		listen_events(fd);
	} else {
		bad_usage(argv[0]);
	}

	if (close(fd) < 0) {
		perror("close");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
