// SPDX-License-Identifier: GPL-2.0
/*
 * A generic netlink family, LAB_GENL: one command, a policy for its
 * attributes, and one multicast group (see genl_example.h).
 *
 * The family claims no netlink protocol number. It lives on
 * NETLINK_GENERIC, and registering it gives it an id, which programs look
 * up by its name. The generic netlink core parses each request's
 * attributes and checks them against the family's policy before the
 * command's doit runs, and turns what doit returns into an NLMSG_ERROR
 * reply, as netlink_rcv_skb() does for netlink_example.ko.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "genl_example.h"

/* The group's index in lab_genl_mcgrps; the core maps it to a global id. */
enum {
	LAB_GENL_GRP_EVENTS,
};

static const struct genl_multicast_group lab_genl_mcgrps[] = {
	[LAB_GENL_GRP_EVENTS] = { .name = LAB_GENL_MCGRP_EVENTS },
};

/*
 * What each attribute must be. The core enforces it on every request, so
 * the string that doit reads has its NUL within LAB_GENL_MSG_MAX + 1
 * bytes, and the value is a whole u32 no larger than LAB_GENL_VALUE_MAX.
 */
static const struct nla_policy lab_genl_policy[LAB_GENL_A_MAX + 1] = {
	[LAB_GENL_A_MSG] = { .type = NLA_NUL_STRING, .len = LAB_GENL_MSG_MAX },
	[LAB_GENL_A_VALUE] = NLA_POLICY_MAX(NLA_U32, LAB_GENL_VALUE_MAX),
};

static struct genl_family lab_genl_family;

/* A message with the echo's two attributes, for the reply and the event. */
static struct sk_buff *lab_genl_msg(u32 portid, u32 seq, u8 cmd,
				    const char *msg, u32 value)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size(LAB_GENL_MSG_MAX + 1) +
			  nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOMEM);

	hdr = genlmsg_put(skb, portid, seq, &lab_genl_family, 0, cmd);
	if (!hdr)
		goto too_small;
	if (nla_put_string(skb, LAB_GENL_A_MSG, msg) ||
	    nla_put_u32(skb, LAB_GENL_A_VALUE, value))
		goto too_small;
	genlmsg_end(skb, hdr);
	return skb;

too_small:
	nlmsg_free(skb);
	return ERR_PTR(-EMSGSIZE);
}

/*
 * LAB_GENL_CMD_ECHO. Runs in the sender's context, inside its sendmsg(),
 * with the core's genl_mutex held (the family is not parallel_ops), and
 * only for a request whose attributes passed the policy.
 */
static int lab_genl_echo(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply, *event;
	const char *msg;
	u32 value;
	int err;

	/*
	 * The policy says what an attribute must be if it is there, not
	 * that it is: that is ours to check. The macro also tells the
	 * sender, in the extended ack, which one is missing.
	 */
	if (GENL_REQ_ATTR_CHECK(info, LAB_GENL_A_MSG) ||
	    GENL_REQ_ATTR_CHECK(info, LAB_GENL_A_VALUE))
		return -EINVAL;

	msg = nla_data(info->attrs[LAB_GENL_A_MSG]);
	/* At most 2 * LAB_GENL_VALUE_MAX: the policy rules out overflow. */
	value = 2 * nla_get_u32(info->attrs[LAB_GENL_A_VALUE]);

	/* To the port the request came from, with its sequence number. */
	reply = lab_genl_msg(info->snd_portid, info->snd_seq,
			     LAB_GENL_CMD_ECHO, msg, value);
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	err = genlmsg_reply(reply, info);
	if (err)
		return err;

	/* Build an event only if some socket has joined the group. */
	if (!genl_has_listeners(&lab_genl_family, genl_info_net(info),
				LAB_GENL_GRP_EVENTS))
		return 0;
	event = lab_genl_msg(0, 0, LAB_GENL_CMD_EVENT, msg, value);
	if (IS_ERR(event)) {
		pr_warn_ratelimited("no event for this echo: %ld\n",
				    PTR_ERR(event));
		return 0;
	}
	/*
	 * Port 0 excludes no listener (it is the kernel's own). An error
	 * here (ESRCH: the last listener left meanwhile) is the listeners'
	 * business, not the sender's: its echo has been answered.
	 */
	genlmsg_multicast(&lab_genl_family, event, 0, LAB_GENL_GRP_EVENTS,
			  GFP_KERNEL);
	return 0;
}

/*
 * genl_small_ops: the compact form, without a policy of its own, so the
 * family's applies. .validate is 0: strict checking, which refuses
 * attributes the policy does not know and trailing bytes.
 */
static const struct genl_small_ops lab_genl_ops[] = {
	{
		.cmd = LAB_GENL_CMD_ECHO,
		.doit = lab_genl_echo,
	},
};

/*
 * .resv_start_op stays 0: every command of a new family gets the strict
 * checks. A family older than them sets it to its first command added
 * after them, so that its older commands still take what old programs
 * send.
 * genl_register_family() writes the id in; after init it is read-only,
 * as the kernel's own families are.
 */
static struct genl_family lab_genl_family __ro_after_init = {
	.name = LAB_GENL_NAME,
	.version = LAB_GENL_VERSION,
	.maxattr = LAB_GENL_A_MAX,
	.policy = lab_genl_policy,
	.module = THIS_MODULE,
	.small_ops = lab_genl_ops,
	.n_small_ops = ARRAY_SIZE(lab_genl_ops),
	.mcgrps = lab_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(lab_genl_mcgrps),
};

static int __init lab_genl_init(void)
{
	int err;

	err = genl_register_family(&lab_genl_family);
	if (err) {
		pr_err("cannot register family %s: %d\n", LAB_GENL_NAME, err);
		return err;
	}

	pr_info("family %s registered\n", LAB_GENL_NAME);
	return 0;
}

static void __exit lab_genl_exit(void)
{
	/* Also empties the group: its members receive nothing more. */
	genl_unregister_family(&lab_genl_family);
	pr_info("family %s unregistered\n", LAB_GENL_NAME);
}

module_init(lab_genl_init);
module_exit(lab_genl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User <-> Kernel Lab: a generic netlink family with a policy and a multicast group");
