#!/bin/sh
# Checks for the exercises of the signal lesson: ./check.sh N
# They only read the kernel's state:
#   1  the kernel log: signal_example sent SIGIO to PID 1, and PID 1 lives
#   2  the kernel log and /proc/PID/status: a process signal_example sent
#      SIGIO to (other than PID 1) is still running, because it ignores,
#      blocks or catches SIGIO
#   3  /dev/my_device: owned by learner, writable by its owner and by no
#      group or other user
#   4  the loaded module, through ./user_program (the learner's, built in the
#      page's editor): `./user_program -v 7` gets SIGIO carrying 7; and a
#      bare 4-byte PID written to /dev/my_device still signals that process
#      (a `sleep` the check starts, which SIGIO kills)
# Each prints one line, "PASS: ..." (exit 0) or "NOT YET: ..." (exit 1).

pass() { echo "PASS: $*"; exit 0; }
not_yet() { echo "NOT YET: $*"; exit 1; }

# PIDs signal_example has sent SIGIO to, from its log lines.
signalled() {
	dmesg | sed -n 's/.*signal_example: sent SIGIO with [0-9-]* to pid \([0-9][0-9]*\)$/\1/p'
}

# printf escapes for the int $1 as x86 stores it: 4 bytes, lowest first.
int_bytes() {
	printf '\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255))
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
4)
	[ -c /dev/my_device ] || not_yet "there is no /dev/my_device; load signal_example.ko"
	cd "$(dirname "$0")" || exit 1
	out=$(./user_program -v 7 2>&1 | head -n 1)
	[ "$out" = "Data from kernel: 7" ] ||
		not_yet "./user_program -v 7 should get a signal carrying 7, but says: $out"
	# The first version of the request: a PID alone. SIGIO kills the
	# sleep (status 128 + 29); if the write is refused, SIGTERM does. In
	# a subshell whose stderr goes nowhere: the shell that waits for a
	# killed process may print the signal's name.
	status=$(
		exec 2>/dev/null
		sleep 10 >/dev/null &
		pid=$!
		# shellcheck disable=SC2059 # the format is the bytes to write
		printf "$(int_bytes "$pid")" >/dev/my_device
		kill "$pid"
		wait "$pid"
		echo $?
	)
	[ "$status" = 157 ] ||
		not_yet "a bare PID (4 bytes), as programs built for the old header write it, no longer gets a signal"
	pass "the signal carries the value the writer chose, and a bare PID still works"
	;;
*)
	echo "usage: $0 1|2|3|4" >&2
	exit 2
	;;
esac
