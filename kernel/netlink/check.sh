#!/bin/sh
# Checks for the exercises of the netlink lesson: ./check.sh N
# They only read state, and print one line: PASS: … (exit 0) or NOT YET: … (exit 1).
#   1: netlink_example is loaded (/proc/modules) and answers 31 to a
#      MY_NL_GET (./user_program with no argument, which changes nothing;
#      the module logs "replying with …").
#   2: netlink_example is not loaded, and /proc/net/netlink lists no socket
#      on protocol 31: the module's exit released its kernel socket.
#   3: the loaded module refuses MY_NL_SET from a sender without
#      CAP_NET_ADMIN: the unprivileged user learner gets EPERM (it tries to
#      set the value the module already holds, so nothing changes either
#      way), still gets an answer to MY_NL_GET, and root may still set.
#      It runs the learner's own program and module (built with the
#      page's editor).
cd "$(dirname "$0")" || exit 1

pass() { echo "PASS: $*"; exit 0; }
not_yet() { echo "NOT YET: $*"; exit 1; }

loaded() { awk '$1 == "netlink_example" { found = 1 } END { exit !found }' /proc/modules; }

# The ports of the sockets on protocol 31, one a line (0 is the kernel's).
ports() { awk '$2 == 31 { print $3 }' /proc/net/netlink; }

case "$1" in
1)
	loaded || not_yet "netlink_example is not loaded (insmod netlink_example.ko)"
	reply=$(./user_program 2>&1)
	value=${reply#Data from kernel: }
	[ "$value" != "$reply" ] ||
		not_yet "no answer from the module: ./user_program says \"$reply\""
	[ "$value" = 31 ] ||
		not_yet "the module holds $value, not 31"
	pass "netlink_example holds 31, the number of the protocol it serves"
	;;
2)
	loaded && not_yet "netlink_example is still loaded, and holds protocol 31"
	[ -z "$(ports)" ] ||
		not_yet "no module, but protocol 31 still has a socket in /proc/net/netlink (port $(ports | head -n 1)); did a module leave it behind?"
	pass "protocol 31 is free: no module, and no socket left in /proc/net/netlink"
	;;
3)
	loaded || not_yet "netlink_example is not loaded (insmod netlink_example.ko)"
	reply=$(./user_program 2>&1)
	value=${reply#Data from kernel: }
	[ "$value" != "$reply" ] ||
		not_yet "no answer from the module: ./user_program says \"$reply\""
	reply=$(su learner -c ./user_program 2>&1)
	[ "$reply" = "Data from kernel: $value" ] ||
		not_yet "learner should still read the value, but ./user_program says \"$reply\""
	reply=$(su learner -c "./user_program set $value" 2>&1) &&
		not_yet "learner, who has no CAP_NET_ADMIN, may still send MY_NL_SET"
	[ "$reply" = "Error reply from kernel: Operation not permitted" ] ||
		not_yet "learner's MY_NL_SET fails, but not with EPERM: \"$reply\""
	reply=$(./user_program set "$value" 2>&1) ||
		not_yet "root's MY_NL_SET fails too: \"$reply\""
	pass "MY_NL_SET needs CAP_NET_ADMIN: learner gets EPERM, root may set, anyone may read"
	;;
*)
	echo "usage: $0 1|2|3" >&2
	exit 2
	;;
esac
