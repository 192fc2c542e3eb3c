/*
 * LAB: the article's system call module, kept as it was published.
 * It cannot work: no kernel has syscall_register() (or a way for a
 * module to add a system call), and 333 is io_pgetevents. The lines
 * marked LAB are the least that makes it compile, a stand-in for the
 * header the article assumed; insmod then fails with "Unknown symbol
 * syscall_register". ../ has the real thing: 0001-my_syscall.patch
 * and syscall_example.c.
 */
#include <linux/kernel.h>
#include <linux/syscalls.h>
#include <linux/unistd.h>

#undef __NR_my_syscall		/* LAB: the lab kernel has it, as 511 */
#define __NR_my_syscall 333

/* LAB: declared here because no kernel declares (or defines) them. */
int syscall_register(int nr, sys_call_ptr_t fn);
void syscall_unregister(void);

/* LAB: SYSCALL_DEFINE1 defines no my_syscall(), but this, per x86 table. */
#ifdef CONFIG_X86_64
#define LAB_SYS_MY_SYSCALL __x64_sys_my_syscall
#else
#define LAB_SYS_MY_SYSCALL __ia32_sys_my_syscall
#endif

SYSCALL_DEFINE1(my_syscall, int, arg)
{
    printk(KERN_INFO "my_syscall called with arg %d\n", arg);
    return arg;
}

static int __init syscall_example_init(void)
{

    if (syscall_register(__NR_my_syscall, (sys_call_ptr_t)LAB_SYS_MY_SYSCALL) /* LAB */ < 0) {
        printk(KERN_ALERT "Failed to register syscall!\n");
        return -1;
    }
    printk(KERN_INFO "syscall_example module loaded\n");
    return 0;
}


static void __exit syscall_example_exit(void)
{

    syscall_unregister( );
    printk(KERN_INFO "syscall_example module unloaded\n");
}

module_init(syscall_example_init);
module_exit(syscall_example_exit);

MODULE_LICENSE("GPL");
