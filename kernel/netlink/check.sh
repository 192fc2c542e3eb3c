#!/bin/sh
# Checks for the exercises of the netlink lesson: ./check.sh N
# They only read state, and print one line: PASS: … (exit 0) or NOT YET: … (exit 1).
#   1: netlink_example is loaded (/proc/modules) and answers 31 to a
#      MY_NL_GET (./user_program with no argument, which changes nothing;
#      the module logs "replying with …").
#   2: netlink_example is not loaded, and /proc/net/netlink lists no socket
#      on protocol 31: the module's exit released its kernel socket.
#   3: the loaded module answers MY_NL_ADD N (./user_program add N, the
#      learner's own program and module, built with the page's editor) with
#      its value plus N, to root and to the unprivileged user learner alike,
#      and keeps its value; a sum that does not fit an int is refused with
#      ERANGE. MY_NL_ADD changes nothing, so neither does the check.
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
	# n: a sum that always fits an int; big: one that never does (unless 0).
	if [ "$value" -lt 0 ]; then n=7 big=-2147483648; else n=-7 big=2147483647; fi
	want="Sum from kernel: $((value + n))"
	reply=$(./user_program add "$n" 2>&1) ||
		not_yet "./user_program add $n fails: \"$reply\""
	[ "$reply" = "$want" ] ||
		not_yet "the module holds $value, so ./user_program add $n should print \"$want\", not \"$reply\""
	reply=$(su learner -c "./user_program add $n" 2>&1)
	[ "$reply" = "$want" ] ||
		not_yet "MY_NL_ADD changes nothing, so learner may ask too; but as learner, ./user_program add $n says \"$reply\""
	reply=$(./user_program 2>&1)
	[ "$reply" = "Data from kernel: $value" ] ||
		not_yet "MY_NL_ADD must not change the value, $value; now ./user_program says \"$reply\""
	[ "$value" != 0 ] ||
		not_yet "the module holds 0, and 0 plus any int is an int; set another value (./user_program set 1) so that the check can try a sum out of range"
	reply=$(./user_program add "$big" 2>&1) &&
		not_yet "$value + $big does not fit an int, but ./user_program add $big says \"$reply\""
	[ "$reply" = "Error reply from kernel: Result not representable" ] ||
		not_yet "$value + $big does not fit an int, and should fail with ERANGE (Result not representable), not \"$reply\""
	pass "MY_NL_ADD answers value + N to anyone, changes nothing, and refuses a sum out of range with ERANGE"
	;;
*)
	echo "usage: $0 1|2|3" >&2
	exit 2
	;;
esac
