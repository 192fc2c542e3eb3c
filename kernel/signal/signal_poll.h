/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * What signal_poll.ko and poll_program agree on.
 *
 * Protocol: a write(2) of anything to /dev/my_events raises one event.
 * read(2) waits until at least one event is pending and returns how many
 * came since the last read, as decimal text and a newline, and clears
 * them; with O_NONBLOCK it fails with EAGAIN when none is pending. A read
 * needs room for the whole line, EVENTS_LINE_MAX bytes, or fails with
 * EINVAL. poll(2) reports POLLIN while an event is pending, and a file
 * with O_ASYNC set gets its owner (F_SETOWN) SIGIO when an event comes.
 */
#ifndef _SIGNAL_POLL_H
#define _SIGNAL_POLL_H

#define EVENTS_DEVICE_NAME "my_events"
#define EVENTS_DEVICE_PATH "/dev/" EVENTS_DEVICE_NAME

/* "2147483647\n": the longest line a read returns. */
#define EVENTS_LINE_MAX 11

#endif /* _SIGNAL_POLL_H */
