/*
 * LAB: the article's user program, unchanged. 333 is io_pgetevents, so
 * the call reaches aio, not a module; and it exits 0 even on failure.
 */
#include <unistd.h>
#include <stdio.h>
#include <sys/syscall.h>


#define __NR_my_syscall 333

int main() {
    int arg = 42;
    long result;


    result = syscall(__NR_my_syscall, arg);
    if (result >= 0) {
        printf("my_syscall returned: %ld\n", result);
    } else {
        perror("my_syscall failed");
    }

    return 0;
}
