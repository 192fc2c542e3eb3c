#!/bin/sh
# Checks for the exercises of the procfs and sysfs lesson: ./check.sh N
# They read state (4 also writes, and puts back what it found), and print
# one line: PASS: … (exit 0) or NOT YET: … (exit 1).
#   1: procfs_example and sysfs_example are both loaded (/proc/modules), and
#      /proc/my_proc_file and /sys/kernel/my_sysfs/data both read 2024.
#   2: /sys/kernel/my_sysfs/data belongs to the group learner, which may
#      write it (mode -rw-rw-r--, others may only read), and it reads 9.
#   3: /proc/my_proc_history lists 3 to 10, one a line, after 1 to 10 were
#      written to /proc/my_proc_file (it keeps the last 8 values), and a
#      reader that reads one byte at a time (dd bs=1) gets the same text.
#      It reads the learner's own module (built with the page's editor).
#   4: /sys/kernel/my_sysfs/percent reads a number from 0 to 100, takes 0,
#      100 and its own value, and refuses 101 and -1 with EINVAL. It puts
#      back the value it found, so it leaves the attribute as it was.
cd "$(dirname "$0")" || exit 1

PROC_FILE=/proc/my_proc_file
SYSFS_FILE=/sys/kernel/my_sysfs/data
HISTORY_FILE=/proc/my_proc_history
PERCENT_FILE=/sys/kernel/my_sysfs/percent

pass() { echo "PASS: $*"; exit 0; }
not_yet() { echo "NOT YET: $*"; exit 1; }
# Text on one line, cut short: for a listing in a NOT YET line.
oneline() { printf '%s' "$1" | tr '\n' ' ' | cut -c 1-60; }

loaded() {
	awk -v m="$1" '$1 == m { found = 1 } END { exit !found }' /proc/modules ||
		not_yet "$1 is not loaded (insmod $2)"
}

case "$1" in
1)
	loaded procfs_example procfs_example.ko
	loaded sysfs_example ../sysfs/sysfs_example.ko
	proc=$(cat "$PROC_FILE")
	sys=$(cat "$SYSFS_FILE")
	[ "$proc" = 2024 ] || not_yet "$PROC_FILE reads $proc, not 2024"
	[ "$sys" = 2024 ] || not_yet "$SYSFS_FILE reads $sys, not 2024"
	pass "both files read 2024"
	;;
2)
	loaded sysfs_example ../sysfs/sysfs_example.ko
	mode=$(stat -c %A "$SYSFS_FILE")
	group=$(stat -c %G "$SYSFS_FILE")
	case "$mode" in
	????????w?) not_yet "$SYSFS_FILE is $mode: every user may write it, not only the group" ;;
	esac
	[ "$group" = learner ] ||
		not_yet "$SYSFS_FILE belongs to the group $group, not learner"
	[ "$mode" = -rw-rw-r-- ] ||
		not_yet "$SYSFS_FILE is $mode; the group learner needs write permission (-rw-rw-r--)"
	value=$(cat "$SYSFS_FILE")
	[ "$value" = 9 ] || not_yet "$SYSFS_FILE reads $value; write 9 to it as learner"
	pass "the group learner may write $SYSFS_FILE, and it reads 9"
	;;
3)
	loaded procfs_example procfs_example.ko
	[ -e "$HISTORY_FILE" ] ||
		not_yet "there is no $HISTORY_FILE (load the module you built)"
	# Bounded: a listing that never ends must not hang the check.
	whole=$(head -c 4096 "$HISTORY_FILE" 2>/dev/null) ||
		not_yet "$HISTORY_FILE cannot be read"
	bytes=$(dd if="$HISTORY_FILE" bs=1 count=4096 2>/dev/null)
	want=$(seq 3 10)
	[ "$whole" = "$want" ] ||
		not_yet "$HISTORY_FILE lists '$(oneline "$whole")'; after writing 1 to 10 to $PROC_FILE it should list 3 to 10"
	[ "$bytes" = "$whole" ] ||
		not_yet "read one byte at a time, $HISTORY_FILE gives '$(oneline "$bytes")', not '$(oneline "$whole")'"
	pass "$HISTORY_FILE lists the last 8 values, read whole or byte by byte"
	;;
4)
	loaded sysfs_example ../sysfs/sysfs_example.ko
	[ -e "$PERCENT_FILE" ] ||
		not_yet "there is no $PERCENT_FILE (load the module you built)"
	old=$(cat "$PERCENT_FILE" 2>/dev/null)
	case "$old" in
	'' | *[!0-9]*) not_yet "$PERCENT_FILE reads '$old', not a number from 0 to 100" ;;
	esac
	[ "$old" -le 100 ] || not_yet "$PERCENT_FILE reads $old, more than 100"
	# try VALUE: write it as root; prints the shell's error, fails if refused.
	try() { (echo "$1" >"$PERCENT_FILE") 2>&1; }
	restore() { try "$old" >/dev/null; }
	for good in 0 100 "$old"; do
		err=$(try "$good") || {
			restore
			not_yet "writing $good to $PERCENT_FILE failed (${err#sh: }); 0 to 100 must be taken"
		}
		value=$(cat "$PERCENT_FILE")
		[ "$value" = "$good" ] || {
			restore
			not_yet "after writing $good, $PERCENT_FILE reads $value"
		}
	done
	for bad in 101 -1; do
		err=$(try "$bad") && {
			restore
			not_yet "writing $bad to $PERCENT_FILE succeeded; it must fail with EINVAL"
		}
		case "$err" in
		*"Invalid argument"*) ;;
		*) not_yet "writing $bad to $PERCENT_FILE failed with '${err#sh: }', not EINVAL (Invalid argument)" ;;
		esac
		value=$(cat "$PERCENT_FILE")
		[ "$value" = "$old" ] || {
			restore
			not_yet "after the refused $bad, $PERCENT_FILE reads $value, not $old"
		}
	done
	pass "$PERCENT_FILE takes 0 to 100 and refuses 101 and -1 with EINVAL"
	;;
*)
	echo "usage: $0 1|2|3|4" >&2
	exit 2
	;;
esac
