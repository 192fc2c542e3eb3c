/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The netlink protocol of netlink_example.ko, for the
 * module and user_program alike.
 *
 * Requests go to port 0 (the kernel) on protocol NETLINK_USER, with
 * NLM_F_REQUEST set:
 *   MY_NL_GET  no payload; the reply, also of type MY_NL_GET, carries the
 *              int the module keeps (MY_NL_INITIAL_DATA after loading)
 *   MY_NL_SET  payload: one int, which the module stores; add NLM_F_ACK
 *              to get an NLMSG_ERROR message with error 0 back; it
 *              needs CAP_NET_ADMIN, and fails with EPERM without it
 * A SET whose payload is shorter than an int fails with EINVAL and an
 * unknown type with EOPNOTSUPP, both as an NLMSG_ERROR reply.
 */
#ifndef _NETLINK_EXAMPLE_H
#define _NETLINK_EXAMPLE_H

#include <linux/netlink.h>

/* A protocol number no other netlink family uses (the maximum is 31). */
#define NETLINK_USER 31

/* Types below NLMSG_MIN_TYPE (NOOP, ERROR, DONE, ...) are netlink's own. */
enum {
	MY_NL_GET = NLMSG_MIN_TYPE,
	MY_NL_SET,
};

#define MY_NL_INITIAL_DATA 42

#endif /* _NETLINK_EXAMPLE_H */
