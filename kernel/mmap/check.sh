#!/bin/sh
# Checks for the exercises of the mmap lesson: ./check.sh N
# They only read state, and print one line: PASS: … (exit 0) or NOT YET: … (exit 1).
#   1: mmap_example is loaded and its page is a fresh one: read(2) on
#      /dev/my_device gives the kernel's 42, and a mapping of the page
#      (./user_program dump, which writes nothing) shows no other nonzero byte.
#   2: mmap_example's use count in /proc/modules is above 0, so something
#      holds /dev/my_device open (or mapped) and rmmod would refuse.
cd "$(dirname "$0")" || exit 1

pass() { echo "PASS: $*"; exit 0; }
not_yet() { echo "NOT YET: $*"; exit 1; }

# The third field of mmap_example's line in /proc/modules, or nothing.
use_count() { awk '$1 == "mmap_example" { print $3 }' /proc/modules; }

loaded() {
	[ -n "$(use_count)" ] ||
		not_yet "mmap_example is not loaded (insmod mmap_example.ko)"
}

case "$1" in
1)
	loaded
	[ -c /dev/my_device ] || not_yet "there is no /dev/my_device to read"
	value=$(od -An -td4 /dev/my_device 2>/dev/null | tr -d ' ')
	[ -n "$value" ] || not_yet "reading /dev/my_device returned nothing"
	[ "$value" = 42 ] ||
		not_yet "the kernel reads $value from its page, not 42: that page still holds the last write"
	nonzero=$(./user_program dump 2>/dev/null | sed -n 's/^Nonzero bytes in the page: //p')
	[ "$nonzero" = 1 ] ||
		not_yet "the page holds 42 but ${nonzero:-?} nonzero bytes in all; a fresh page has 1"
	pass "a fresh page: the kernel reads 42 and the rest of the page is zero"
	;;
2)
	loaded
	count=$(use_count)
	[ "$count" -gt 0 ] ||
		not_yet "mmap_example's use count is 0: nothing holds /dev/my_device open, so rmmod would unload it"
	pass "mmap_example is in use: rmmod must wait until nothing holds /dev/my_device"
	;;
*)
	echo "usage: $0 1|2" >&2
	exit 2
	;;
esac
