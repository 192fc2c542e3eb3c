#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The lab's kernel coding-style check, the one command that both a reader
# and test/kernel/checkpatch.test.ts run: scripts/checkpatch.pl from the lab
# kernel tree, over every lesson module, header and user program, the
# lessons' kernel patches, lab/kernel-patches/ and the image's programs.
# The originals (kernel/*/original/) are exempt: they are the article's code.
#
#   kernel/checkpatch.sh            check all of those
#   kernel/checkpatch.sh FILE...    check these (.patch as a patch, the rest as source)
#
# Prints `FILE: ok` for a clean file and checkpatch's findings otherwise;
# exits 1 if any file has an error or a warning. KDIR picks another kernel
# tree (default: the lab kernel, from kernel/lab.mk).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# Asked of make, from the caller's directory, so that a relative UKLAB_CACHE
# means what it means to the Makefiles.
kdir=${KDIR:-$(make -s --no-print-directory -f "$root/kernel/lab.mk" print-KDIR)}
checkpatch=$kdir/scripts/checkpatch.pl
if [ ! -f "$checkpatch" ]; then
	echo "checkpatch.sh: $checkpatch is missing; build the lab kernel first: npm run lab -- build" >&2
	exit 2
fi

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	cd "$root"
	# *.mod.c is what Kbuild generates when a lesson is built in place.
	mapfile -t files < <(
		find kernel -name original -prune -o -type f \( -name '*.c' -o -name '*.h' -o -name '*.patch' \) \
			! -name '*.mod.c' -print | LC_ALL=C sort
		ls lab/kernel-patches/*.patch
		ls lab/image/*.c
	)
fi

# GIT_DIR names no repository on purpose. checkpatch asks git whether each
# FILE is a tracked file and, if so, checks it as a source file (as -f
# would), whatever its name: a patch named by its path relative to this
# repository (kernel/syscall/0001-my_syscall.patch) was read as text, its
# blank context lines (" ") became added lines with trailing whitespace, and
# its C went unchecked. Without git, a .patch is always read as a patch.
# (checkpatch also looks commit ids up in git, and this repository's history
# is not the kernel's.)
export GIT_DIR=/dev/null/no-git

status=0
for f in "${files[@]}"; do
	mode=()
	[[ $f == *.patch ]] || mode=(-f)
	if out=$(perl "$checkpatch" --no-tree --terse --show-types "${mode[@]}" "$f" 2>&1); then
		echo "$f: ok"
	else
		echo "$out"
		status=1
	fi
done
exit $status
