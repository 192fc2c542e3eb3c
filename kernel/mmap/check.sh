#!/bin/sh
# Checks for the exercises of the mmap lesson: ./check.sh N
# They only read state, and print one line: PASS: … (exit 0) or NOT YET: … (exit 1).
#   1: mmap_example is loaded and its page is a fresh one: read(2) on
#      /dev/my_device gives the kernel's 42, and a mapping of the page
#      (./user_program dump, which writes nothing) shows no other nonzero byte.
#   2: mmap_example's use count in /proc/modules is above 0, so something
#      holds /dev/my_device open (or mapped) and rmmod would refuse.
#   3: the loaded module shares two pages: after `./user_program all` (the
#      learner's own program, built with the page's editor) maps both and
#      writes 24 at the start of each, read(2) on /dev/my_device finds 24 at
#      offsets 0 and 4096; and `./user_program big`, one page more, fails.
#      Unlike the others, this check leaves the program's 24 in both pages.
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
3)
	loaded
	[ -c /dev/my_device ] || not_yet "there is no /dev/my_device to map"
	# In braces with stderr to /dev/null, so that the shell's own "Bus
	# error" for a killed program does not add a line to the check's one.
	{ out=$(./user_program all 2>&1); status=$?; } 2>/dev/null
	[ "$status" -le 128 ] ||
		not_yet "./user_program all was killed by signal $((status - 128)): a page of its mapping has no memory behind it"
	[ "$status" = 0 ] ||
		not_yet "./user_program all failed: $(echo "$out" | tail -n 1)"
	# The kernel's own view, through read(2). Pages are 4096 bytes on x86.
	for offset in 0 4096; do
		value=$(od -An -td4 -j "$offset" -N 4 /dev/my_device 2>/dev/null | tr -d ' ')
		[ -n "$value" ] ||
			not_yet "read(2) on /dev/my_device returns nothing at offset $offset: let it return the whole buffer"
		[ "$value" = 24 ] ||
			not_yet "after ./user_program all the kernel reads $value at offset $offset of /dev/my_device, not 24"
	done
	./user_program big >/dev/null 2>&1 &&
		not_yet "./user_program big mapped more pages than the device has: refuse it"
	pass "the kernel sees 24 in both pages, and a mapping past them is refused"
	;;
*)
	echo "usage: $0 1|2|3" >&2
	exit 2
	;;
esac
