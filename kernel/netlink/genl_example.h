/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The generic netlink family of genl_example.ko, for the module and
 * genl_program alike.
 *
 * The family has no protocol number of its own: it lives on
 * NETLINK_GENERIC, and a program finds its id, and the id of its multicast
 * group, by name, asking the controller (GENL_ID_CTRL, CTRL_CMD_GETFAMILY).
 *
 * LAB_GENL_CMD_ECHO  attributes: LAB_GENL_A_MSG, a string of at most
 *                    LAB_GENL_MSG_MAX bytes, and LAB_GENL_A_VALUE, a u32 of
 *                    at most LAB_GENL_VALUE_MAX; both are required. The
 *                    reply, also LAB_GENL_CMD_ECHO, carries the same string
 *                    and twice the value. Anyone may send it.
 * LAB_GENL_CMD_EVENT sent by the module only, to the multicast group
 *                    LAB_GENL_MCGRP_EVENTS after each echo, with the
 *                    reply's attributes.
 * The netlink core checks the attributes against the family's policy
 * before the module sees the message: a string too long or without its
 * NUL fails with EINVAL, a value too large with ERANGE, and the extended
 * ack (NETLINK_EXT_ACK) says which attribute and why.
 */
#ifndef _GENL_EXAMPLE_H
#define _GENL_EXAMPLE_H

#define LAB_GENL_NAME		"LAB_GENL"
#define LAB_GENL_VERSION	1
#define LAB_GENL_MCGRP_EVENTS	"events"

/* Not counting the string's terminating NUL. */
#define LAB_GENL_MSG_MAX	15
#define LAB_GENL_VALUE_MAX	1000

/* Attribute types; 0 is never used, as in every netlink family. */
enum {
	LAB_GENL_A_UNSPEC,
	LAB_GENL_A_MSG,		/* NUL-terminated string */
	LAB_GENL_A_VALUE,	/* u32 */
	__LAB_GENL_A_MAX,
};
#define LAB_GENL_A_MAX (__LAB_GENL_A_MAX - 1)

/* Commands, the genlmsghdr's cmd; 0 is never used either. */
enum {
	LAB_GENL_CMD_UNSPEC,
	LAB_GENL_CMD_ECHO,
	LAB_GENL_CMD_EVENT,
};

#endif /* _GENL_EXAMPLE_H */
