/*
 * LAB: the article's user program, with one line changed (marked LAB).
 * 333 is io_pgetevents, so the call reaches aio, not a module; and it
 * exits 0 even on failure.
 */
#include <unistd.h>
#include <stdio.h>
#include <sys/syscall.h>


#define __NR_my_syscall 333

int main() {
    int arg = 42;
    long result;


    /*
     * LAB: the article passed arg alone. io_pgetevents takes six
     * arguments, and syscall() hands it six registers either way: the
     * five not passed held whatever the code before the call left there,
     * and what the kernel answered depended on them. Zeros make it the
     * same call on every build. The article's line was:
     *     result = syscall(__NR_my_syscall, arg);
     */
    result = syscall(__NR_my_syscall, arg, 0L, 0L, NULL, NULL, NULL);
    if (result >= 0) {
        printf("my_syscall returned: %ld\n", result);
    } else {
        perror("my_syscall failed");
    }

    return 0;
}
