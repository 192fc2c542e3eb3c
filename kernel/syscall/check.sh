#!/bin/sh
# Checks for the exercises of the syscall lesson: ./check.sh N
# They only read the kernel's state:
#   1  the kernel log: syscall_example's handler was called with an
#      argument from -4095 to -1 (a return value user space takes for an error)
#   2  /proc/modules and /sys/module/syscall_example/parameters/delay_ms:
#      syscall_example is loaded and each call sleeps 2000 ms
#   3  /proc/modules and the kernel log: syscall_second is loaded and its
#      handler was called with 99, so my_syscall returned 100
#   4  /proc/modules and the running handler, through ./user_program (the
#      learner's, built in the page's editor): syscall_example is loaded,
#      my_syscall fails with EINVAL for -1 and -5000, and returns 0 and 7
# Each prints one line, "PASS: ..." (exit 0) or "NOT YET: ..." (exit 1).

pass() { echo "PASS: $*"; exit 0; }
not_yet() { echo "NOT YET: $*"; exit 1; }

loaded() { grep -q "^$1 " /proc/modules; }

case $1 in
1)
	for arg in $(dmesg | sed -n 's/.*syscall_example: my_syscall called with arg \(-[0-9][0-9]*\)$/\1/p'); do
		if [ "$arg" -ge -4095 ] && [ "$arg" -le -1 ]; then
			pass "the handler returned $arg, and user space read it as error $((-arg))"
		fi
	done
	not_yet "the kernel log shows no call whose result user_program took for an error"
	;;
2)
	loaded syscall_example || not_yet "syscall_example is not loaded"
	delay=$(cat /sys/module/syscall_example/parameters/delay_ms)
	[ "$delay" = 2000 ] || not_yet "delay_ms is $delay; make each call take 2000 ms, without unloading the module"
	pass "every call to my_syscall now sleeps 2000 ms in syscall_example"
	;;
3)
	loaded syscall_second || not_yet "syscall_second is not loaded (and cannot be while syscall_example holds the call)"
	dmesg | grep -q 'syscall_second: second handler called with arg 99$' ||
		not_yet "syscall_second has not been asked to return 100 yet"
	pass "syscall_second answered my_syscall with 100"
	;;
4)
	if loaded syscall_second; then
		not_yet "syscall_second holds my_syscall; rmmod it and load syscall_example"
	fi
	loaded syscall_example || not_yet "syscall_example is not loaded"
	cd "$(dirname "$0")" || exit 1
	# The calls change nothing but the kernel log, as any call does.
	for arg in 0 7; do
		out=$(./user_program "$arg" 2>&1 | head -n 1)
		[ "$out" = "my_syscall returned: $arg" ] ||
			not_yet "./user_program $arg should still return $arg, but says: $out"
	done
	for arg in -1 -5000; do
		out=$(./user_program "$arg" 2>&1 | head -n 1)
		[ "$out" = "my_syscall failed: Invalid argument" ] ||
			not_yet "./user_program $arg should fail with EINVAL (Invalid argument), but says: $out"
	done
	pass "my_syscall refuses a negative argument with EINVAL"
	;;
*)
	echo "usage: $0 1|2|3|4" >&2
	exit 2
	;;
esac
