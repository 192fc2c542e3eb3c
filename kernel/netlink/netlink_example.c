// SPDX-License-Identifier: GPL-2.0
/*
 * A netlink family of its own that keeps an int.
 *
 * User space sends MY_NL_GET and gets the int back, or MY_NL_SET to
 * change it, which takes CAP_NET_ADMIN (see netlink_example.h).
 * netlink_rcv_skb() walks the messages in each packet, checks their
 * headers, skips netlink's own control messages, and turns an error from
 * my_nl_rcv_msg() into an NLMSG_ERROR reply.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/printk.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "netlink_example.h"

/* Kept so that exit releases the very socket init created. */
static struct sock *nl_sk;
/* One int needs no lock; READ_ONCE/WRITE_ONCE keep each access whole. */
static int my_data = MY_NL_INITIAL_DATA;

static int my_nl_reply(struct sk_buff *skb, const struct nlmsghdr *nlh,
		       int value)
{
	/*
	 * Answer the port the message came from, as the kernel recorded it;
	 * nlmsg_pid in the header is whatever the sender chose to write.
	 */
	u32 portid = NETLINK_CB(skb).portid;
	struct nlmsghdr *reply;
	struct sk_buff *out;

	out = nlmsg_new(sizeof(value), GFP_KERNEL);
	if (!out)
		return -ENOMEM;

	reply = nlmsg_put(out, portid, nlh->nlmsg_seq, MY_NL_GET,
			  sizeof(value), 0);
	if (!reply) {
		nlmsg_free(out);
		return -EMSGSIZE;
	}
	memcpy(nlmsg_data(reply), &value, sizeof(value));

	/* skb->sk is our kernel socket, the one the message arrived on. */
	return nlmsg_unicast(skb->sk, out, portid);
}

static int my_nl_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh,
			 struct netlink_ext_ack *extack)
{
	int value;

	switch (nlh->nlmsg_type) {
	case MY_NL_GET:
		value = READ_ONCE(my_data);
		pr_info("replying with %d\n", value);
		return my_nl_reply(skb, nlh, value);
	case MY_NL_SET:
		/*
		 * Anyone may read the value; changing it takes CAP_NET_ADMIN.
		 * netlink_capable() asks it of the sending process and of the
		 * one that opened the socket, which may differ: a privileged
		 * program given another's socket (as its stdout, say) must not
		 * lend that socket its privilege.
		 */
		if (!netlink_capable(skb, CAP_NET_ADMIN)) {
			NL_SET_ERR_MSG(extack, "MY_NL_SET needs CAP_NET_ADMIN");
			return -EPERM;
		}
		/* The header's length was checked; the payload's is ours. */
		if (nlmsg_len(nlh) < (int)sizeof(value)) {
			NL_SET_ERR_MSG(extack, "MY_NL_SET needs an int");
			return -EINVAL;
		}
		memcpy(&value, nlmsg_data(nlh), sizeof(value));
		WRITE_ONCE(my_data, value);
		pr_info("data set to %d\n", value);
		return 0;
	default:
		NL_SET_ERR_MSG(extack, "unknown message type");
		return -EOPNOTSUPP;
	}
}

/* Runs in the sending process's context, inside its sendmsg(). */
static void my_nl_input(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, my_nl_rcv_msg);
}

static int __init netlink_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.input = my_nl_input,
	};

	nl_sk = netlink_kernel_create(&init_net, NETLINK_USER, &cfg);
	if (!nl_sk) {
		pr_err("Failed to create netlink socket\n");
		return -ENOMEM;
	}

	pr_info("Netlink initialized\n");
	return 0;
}

static void __exit netlink_exit(void)
{
	netlink_kernel_release(nl_sk);
	pr_info("Netlink exited\n");
}

module_init(netlink_init);
module_exit(netlink_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: a netlink family that keeps an int");
