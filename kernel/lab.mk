# SPDX-License-Identifier: GPL-2.0
# Where the lessons' Makefiles find the lab kernel, said once: every
# kernel/*/Makefile and kernel/*/original/Makefile includes this file.
#
# The rule is cacheRoot() in lab/paths.ts, which `npm run lab -- build` uses
# to put the kernel there: $UKLAB_CACHE, else $XDG_CACHE_HOME/user-kernel-lab,
# else ~/.cache/user-kernel-lab, made absolute as Node's path.resolve() does.
# test/lab/lab-mk.test.ts checks that the two agree.
#
# `make KDIR=...` still builds against any other tree, e.g. a distribution's
# headers in /lib/modules/$(uname -r)/build.
LAB_CACHE ?= $(abspath $(or $(UKLAB_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/user-kernel-lab))
KDIR ?= $(LAB_CACHE)/kernel/current

# `make print-KDIR` shows what a variable came out as. A pattern rule, so it
# never becomes the default goal of the Makefile that includes this file.
print-%:
	@echo '$($*)'
