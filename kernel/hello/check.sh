#!/bin/sh
# Checks for the exercises of the hello lesson: ./check.sh N
# They only read state, and print one line: PASS: … (exit 0) or NOT YET: … (exit 1).
#   1: hello is loaded with whom=world and times=2
#      (/sys/module/hello/parameters/).
#   2: the kernel log has a line written from user space (/dev/kmsg) at
#      level 3, the level of pr_err(): `dmesg -r` shows it as <11>, facility
#      1 (user) and level 3.
#   3: hello is loaded with times=10, the most hello_init() accepts.
#   4: hello_friend is loaded, and holds hello
#      (/sys/module/hello/holders/hello_friend).
#   5: a module named hello is loaded whose licence is not GPL-compatible:
#      its taint flags (/sys/module/hello/taint) include P.
#   6: hello has a parameter greeting, set to something other than hello,
#      and the kernel log has hello's greeting with it: "hello: hi, kernel"
#      after `insmod hello.ko greeting=hi`. It reads the learner's own
#      module (built with the page's editor).
cd "$(dirname "$0")" || exit 1

pass() { echo "PASS: $*"; exit 0; }
not_yet() { echo "NOT YET: $*"; exit 1; }

params=/sys/module/hello/parameters

loaded() {
	grep -q "^$1 " /proc/modules ||
		not_yet "$1 is not loaded (insmod $1.ko)"
}

param() {
	cat "$params/$1" 2>/dev/null
}

case "$1" in
1)
	loaded hello
	whom=$(param whom)
	times=$(param times)
	[ "$whom" = world ] && [ "$times" = 2 ] ||
		not_yet "hello is loaded with whom=$whom and times=$times; it should greet world twice"
	pass "hello is loaded with whom=world and times=2"
	;;
2)
	# <N>: the facility times 8, plus the level. A line written to
	# /dev/kmsg gets facility 1 (user) unless it names another, never 0.
	dmesg -r | grep -q '^<11>' ||
		not_yet "the kernel log has no line from user space at level 3 (write one to /dev/kmsg)"
	pass "the kernel log has a line from user space at level 3 (error)"
	;;
3)
	loaded hello
	times=$(param times)
	[ "$times" = 10 ] ||
		not_yet "hello is loaded with times=$times, not the most it accepts"
	pass "hello is loaded with times=10, the most it accepts"
	;;
4)
	loaded hello_friend
	[ -e /sys/module/hello/holders/hello_friend ] ||
		not_yet "hello_friend is loaded, but does not hold hello"
	pass "hello_friend is loaded, and holds hello"
	;;
5)
	loaded hello
	taint=$(cat /sys/module/hello/taint)
	case $taint in
	*P*) ;;
	*) not_yet "the loaded hello has a GPL-compatible licence (its taint flags are $taint)" ;;
	esac
	pass "hello is loaded with no GPL-compatible licence: its taint flags are $taint"
	;;
6)
	loaded hello
	[ -e "$params/greeting" ] ||
		not_yet "hello has no parameter greeting (add it to hello.c, build, and load the new hello.ko)"
	greeting=$(param greeting)
	[ "$greeting" != hello ] ||
		not_yet "greeting is hello; load hello with another greeting (insmod hello.ko greeting=hi)"
	whom=$(param whom)
	dmesg | grep -qF "hello: $greeting, $whom" ||
		not_yet "greeting is $greeting, but the kernel log has no line \"hello: $greeting, $whom\""
	pass "hello greets with \"$greeting\", from its parameter greeting"
	;;
*)
	echo "usage: $0 1|2|3|4|5|6" >&2
	exit 2
	;;
esac
