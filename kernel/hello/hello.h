/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What hello.ko offers other modules: one function, defined and exported
 * in hello.c. A module that calls it (hello_friend.c) includes this header,
 * so that both sides agree on its type.
 */
#ifndef HELLO_H
#define HELLO_H

void hello_greet(const char *name);

#endif /* HELLO_H */
