#!/bin/sh
# Checks for the exercises of the signal lesson: ./check.sh N
# They only read the kernel's state:
#   1  the kernel log: signal_example sent SIGIO to PID 1, and PID 1 lives
#   2  the kernel log and /proc/PID/status: a process signal_example sent
#      SIGIO to (other than PID 1) is still running, because it ignores,
#      blocks or catches SIGIO
#   3  /dev/my_device: owned by learner, writable by its owner and by no
#      group or other user
# Each prints one line, "PASS: ..." (exit 0) or "NOT YET: ..." (exit 1).

pass() { echo "PASS: $*"; exit 0; }
not_yet() { echo "NOT YET: $*"; exit 1; }

# PIDs signal_example has sent SIGIO to, from its log lines.
signalled() {
	dmesg | sed -n 's/.*signal_example: sent SIGIO with [0-9-]* to pid \([0-9][0-9]*\)$/\1/p'
}

# Is bit 29 (SIGIO) set in the hexadecimal mask $1?
has_sigio() {
	[ $(((0x$1 >> 28) & 1)) = 1 ]
}

case $1 in
1)
	signalled | grep -qx 1 ||
		not_yet "the kernel log shows no SIGIO sent to PID 1 by signal_example"
	[ -d /proc/1 ] || not_yet "PID 1 is gone"
	pass "the kernel sent SIGIO to PID 1, and init is still running"
	;;
2)
	for pid in $(signalled | sort -un); do
		[ "$pid" = 1 ] && continue
		status=/proc/$pid/status
		[ -r "$status" ] || continue
		state= ign= blk= cgt=
		while read -r key value rest; do
			case $key in
			State:) state=$value ;;
			SigBlk:) blk=$value ;;
			SigIgn:) ign=$value ;;
			SigCgt:) cgt=$value ;;
			esac
		done <"$status"
		[ "$state" = Z ] && continue
		if has_sigio "$ign"; then
			pass "pid $pid got SIGIO from the kernel and is still running: it ignores SIGIO"
		elif has_sigio "$blk"; then
			pass "pid $pid got SIGIO from the kernel and is still running: it blocks SIGIO"
		elif has_sigio "$cgt"; then
			pass "pid $pid got SIGIO from the kernel and is still running: it catches SIGIO"
		fi
	done
	not_yet "no process that signal_example sent SIGIO to (other than PID 1) is still running"
	;;
3)
	[ -c /dev/my_device ] || not_yet "there is no /dev/my_device; load signal_example.ko"
	set -- $(stat -c '%U %a' /dev/my_device)
	owner=$1 mode=$2
	[ "$owner" = learner ] || not_yet "/dev/my_device belongs to $owner, not to learner"
	[ $((0$mode & 0200)) != 0 ] || not_yet "learner owns /dev/my_device but cannot write it (mode $mode)"
	[ $((0$mode & 022)) = 0 ] || not_yet "others can write /dev/my_device too (mode $mode)"
	pass "learner, and besides root no one else, can write /dev/my_device"
	;;
*)
	echo "usage: $0 1|2|3" >&2
	exit 2
	;;
esac
