#!/bin/sh
# Checks for the exercises of the procfs and sysfs lesson: ./check.sh N
# They only read state, and print one line: PASS: … (exit 0) or NOT YET: … (exit 1).
#   1: procfs_example and sysfs_example are both loaded (/proc/modules), and
#      /proc/my_proc_file and /sys/kernel/my_sysfs/data both read 2024.
#   2: /sys/kernel/my_sysfs/data belongs to the group learner, which may
#      write it (mode -rw-rw-r--, others may only read), and it reads 9.
cd "$(dirname "$0")" || exit 1

PROC_FILE=/proc/my_proc_file
SYSFS_FILE=/sys/kernel/my_sysfs/data

pass() { echo "PASS: $*"; exit 0; }
not_yet() { echo "NOT YET: $*"; exit 1; }

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
*)
	echo "usage: $0 1|2" >&2
	exit 2
	;;
esac
