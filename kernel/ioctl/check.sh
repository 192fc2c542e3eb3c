#!/bin/sh
# Checks for the exercises of the ioctl lesson: ./check.sh N
# They only read state, and print one line: PASS: … (exit 0) or NOT YET: … (exit 1).
#   1: IOCTL_CMD_GET_DATA on /dev/my_device (./user_program get) returns
#      the number of IOCTL_CMD_SET_DATA, _IOW('x', 2, int), in decimal.
#   2: /dev/my_ioctl is a character device node with the major and minor
#      number that sysfs gives for the driver's device
#      (/sys/class/ioctl_example/my_device/dev).
#   3: the loaded module answers a reset command: after `./user_program set 7`,
#      `./user_program reset` succeeds and GET returns 42 again. It runs the
#      learner's own program and module (built with the page's editor).
cd "$(dirname "$0")" || exit 1

pass() { echo "PASS: $*"; exit 0; }
not_yet() { echo "NOT YET: $*"; exit 1; }

loaded() {
	grep -q '^ioctl_example ' /proc/modules ||
		not_yet "ioctl_example is not loaded (insmod ioctl_example.ko)"
}

case "$1" in
1)
	loaded
	# _IOW('x', 2, int): direction 1 (write), size 4, type 'x' (0x78), number 2
	want=$(( (1 << 30) | (4 << 16) | (0x78 << 8) | 2 ))
	got=$(./user_program get 2>/dev/null | sed -n 's/^Data from kernel: //p')
	[ -n "$got" ] || not_yet "IOCTL_CMD_GET_DATA on /dev/my_device failed"
	[ "$got" = "$want" ] ||
		not_yet "the device holds $got; set it to the number of IOCTL_CMD_SET_DATA, _IOW('x', 2, int), in decimal"
	pass "the device holds $want, which is IOCTL_CMD_SET_DATA"
	;;
2)
	loaded
	dev=$(cat /sys/class/ioctl_example/my_device/dev 2>/dev/null)
	[ -n "$dev" ] || not_yet "sysfs has no /sys/class/ioctl_example/my_device/dev"
	[ -e /dev/my_ioctl ] || not_yet "there is no /dev/my_ioctl yet"
	[ -c /dev/my_ioctl ] || not_yet "/dev/my_ioctl is not a character device node"
	# busybox stat prints the major and minor number in hexadecimal
	node=$(stat -c '%t %T' /dev/my_ioctl)
	node="$(( 0x${node% *} )):$(( 0x${node#* } ))"
	[ "$node" = "$dev" ] ||
		not_yet "/dev/my_ioctl is device $node, but the driver's device is $dev"
	pass "/dev/my_ioctl is device $dev, the same device as /dev/my_device"
	;;
3)
	loaded
	./user_program set 7 >/dev/null 2>&1 || not_yet "./user_program set 7 failed"
	out=$(./user_program reset 2>&1) ||
		not_yet "./user_program reset failed: $(echo "$out" | head -n 1)"
	got=$(./user_program get 2>/dev/null | sed -n 's/^Data from kernel: //p')
	[ "$got" = 42 ] || not_yet "after set 7 and reset the device holds $got, not 42"
	pass "reset puts the device back to 42"
	;;
*)
	echo "usage: $0 1|2|3" >&2
	exit 2
	;;
esac
