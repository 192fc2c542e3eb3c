/*
 * One round trip per mechanism, drawn with the names the lessons' code uses
 * (kernel/<lesson>/): the program's call above the line, the kernel's path
 * and the lesson's module below it, and the way back. Coordinates are in
 * viewBox units, laid out by hand; each diagram scales to its figure.
 *
 * Prose is given in both languages, t(English, Chinese); code names are the
 * same in both. Boxes of the lesson's own code (the module's functions, the
 * program's calls) are `own`.
 */
import type {ReactNode} from 'react';
import {Arrow, Box, Label, code, codeSmall, note, boxHeight} from './parts';
import styles from './styles.module.css';

/** Picks the page's language: t('English', '中文'). */
export type Tr = (en: string, zh: string) => string;

export interface Diagram {
  readonly title: string;
  readonly desc: string;
  readonly width: number;
  readonly height: number;
  readonly boundary: number;
  /** Whether data moves without a call (dotted arrows), for the legend. */
  readonly data?: boolean;
  /** Whether boxes of the lesson's own code are drawn (all but the overview). */
  readonly own?: boolean;
  readonly body: ReactNode;
}

export const MECHANISMS = ['syscall', 'signal', 'mmap', 'ioctl', 'netlink', 'procfs-sysfs'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

function syscall(t: Tr, id: string): Diagram {
  return {
    title: t('A system call, there and back: my_syscall(42)', '一次系统调用的往返：my_syscall(42)'),
    desc: t(
      'user_program calls syscall(511, 42). The syscall instruction enters the kernel at entry_SYSCALL_64 with 511 in rax and 42 in rdi; do_syscall_64() hands the number to x64_sys_call(), whose switch calls sys_my_syscall() from the lab kernel\'s patch, which calls my_syscall_handler() in syscall_example.ko. The handler returns 42, which goes back to the program in rax, and user_program prints "my_syscall returned: 42".',
      'user_program 调用 syscall(511, 42)。syscall 指令从 entry_SYSCALL_64 进入内核，rax 里是 511，rdi 里是 42；do_syscall_64() 把调用号交给 x64_sys_call()，其中的 switch 调用实验内核补丁里的 sys_my_syscall()，它再调用 syscall_example.ko 里的 my_syscall_handler()。处理函数返回 42，经 rax 回到程序，user_program 打印“my_syscall returned: 42”。',
    ),
    width: 760,
    height: 384,
    boundary: 150,
    body: (
      <>
        <Box cx={160} y={40} w={230} kind="own" lines={[code('syscall(511, 42)'), codeSmall('user_program')]} />
        <Box cx={445} y={40} w={240} kind="own" lines={[code('my_syscall returned: 42'), note(t('printed by user_program', 'user_program 打印的结果'))]} />
        <Arrow id={id} points={[[160, 92], [160, 180]]} />
        <Label x={170} y={104} lines={[note(t('the syscall instruction', 'syscall 指令')), codeSmall('rax = 511, rdi = 42')]} />
        <Box cx={160} y={180} w={230} lines={[code('entry_SYSCALL_64')]} />
        <Arrow id={id} points={[[160, 216], [160, 242]]} />
        <Box cx={160} y={242} w={230} lines={[code('do_syscall_64()')]} />
        <Arrow id={id} points={[[160, 278], [160, 304]]} />
        <Box cx={160} y={304} w={230} lines={[code('x64_sys_call()'), note(t('a switch: case 511', 'switch 语句：case 511'))]} />
        <Arrow id={id} points={[[275, 330], [345, 330]]} />
        <Box cx={445} y={304} w={200} lines={[code('sys_my_syscall()'), note(t("the lab kernel's patch", '实验内核的补丁'))]} />
        <Arrow id={id} points={[[545, 320], [570, 320]]} />
        <Arrow id={id} kind="return" points={[[570, 340], [545, 340]]} />
        <Box cx={662} y={304} w={184} kind="own" lines={[code('my_syscall_handler()'), codeSmall('syscall_example.ko')]} />
        <Arrow id={id} kind="return" points={[[445, 304], [445, 92]]} />
        <Label x={455} y={168} lines={[codeSmall('return 42'), note(t('in rax, back through the entry code', '经 rax，沿入口代码返回'))]} />
      </>
    ),
  };
}

function signal(t: Tr, id: string): Diagram {
  const U = 50; // top of the program's boxes
  const K = 240; // top of the kernel's boxes
  const uh = boxHeight([code(''), note('')]);
  return {
    title: t('A signal from a driver, there and back', '驱动发出的信号：一次往返'),
    desc: t(
      'user_program writes its own PID to /dev/my_device. In the kernel, my_device_write() in signal_example.ko calls send_sig_info(), which only marks SIGIO pending; write() returns 4. The program calls sigsuspend(), which unblocks SIGIO; on the way back to user space the kernel\'s handle_signal() builds a frame on the user stack and returns into signal_handler(), which reads si_int, 42. The handler\'s return makes the rt_sigreturn() system call, which restores the registers, sigsuspend() returns, and the program prints "Data from kernel: 42".',
      'user_program 把自己的 PID 写进 /dev/my_device。内核里，signal_example.ko 的 my_device_write() 调用 send_sig_info()，它只是把 SIGIO 标记为待处理；write() 返回 4。程序调用 sigsuspend() 解除对 SIGIO 的屏蔽；在返回用户空间的路上，内核的 handle_signal() 在用户栈上建好信号帧，返回到 signal_handler()，它读到 si_int 为 42。处理函数返回时发起 rt_sigreturn() 系统调用，恢复寄存器，sigsuspend() 返回，程序打印“Data from kernel: 42”。',
    ),
    width: 780,
    height: 384,
    boundary: 180,
    body: (
      <>
        <Box cx={100} y={U} w={180} kind="own" lines={[code('write(fd, &pid, 4)'), codeSmall('/dev/my_device')]} />
        <Arrow id={id} points={[[120, U + uh], [165, 210]]} />
        <Box cx={190} y={210} w={172} kind="own" lines={[code('my_device_write()'), codeSmall('signal_example.ko')]} />
        <Arrow id={id} points={[[190, 262], [190, 296]]} />
        <Box cx={190} y={296} w={172} lines={[code('send_sig_info()'), note(t('SIGIO is now pending', 'SIGIO 进入待处理'))]} />
        <Arrow id={id} kind="return" points={[[276, 322], [296, 322], [296, U + uh]]} />
        <Label x={303} y={U + uh + 26} lines={[codeSmall('= 4')]} />
        <Box cx={300} y={U} w={180} kind="own" lines={[code('sigsuspend(&old)'), note(t('unblocks SIGIO, waits', '解除屏蔽并等待'))]} />
        <Arrow id={id} points={[[340, U + uh], [372, K]]} />
        <Box cx={395} y={K} w={180} lines={[code('handle_signal()'), note(t('a frame on the user stack', '在用户栈上建信号帧'))]} />
        <Arrow id={id} kind="return" points={[[418, K], [462, U + uh]]} />
        <Box cx={490} y={U} w={180} kind="own" lines={[code('signal_handler()'), codeSmall('si_int == 42')]} />
        <Arrow id={id} points={[[515, U + uh], [560, K]]} />
        <Box cx={585} y={K} w={180} lines={[code('rt_sigreturn()'), note(t('restores the registers', '恢复寄存器'))]} />
        <Arrow id={id} kind="return" points={[[610, K], [652, U + uh]]} />
        <Box cx={682} y={U} w={180} kind="own" lines={[code('Data from kernel: 42'), note(t('sigsuspend() has returned', 'sigsuspend() 已返回'))]} />
        <Arrow id={id} points={[[620, 362], [766, 362]]} kind="axis" />
        <Label x={690} y={340} anchor="middle" lines={[note(t('time', '时间'))]} />
      </>
    ),
  };
}

function mmap(t: Tr, id: string): Diagram {
  const B = 170;
  return {
    title: t('Shared memory: one page, two addresses', '共享内存：一页内存，两个地址'),
    desc: t(
      'user_program calls mmap() on /dev/my_device with MAP_SHARED. The kernel builds the area and calls my_device_mmap() in mmap_example.ko, which checks the size, the offset and the sharing and calls vm_insert_page() to map its page, my_page, into the program. mmap() returns the user address, data. From then on the program stores 24 with a plain *data = 24, with no system call; pread() asks the kernel, and my_device_read() reads the same page through its own address, my_data, and returns 24.',
      'user_program 以 MAP_SHARED 对 /dev/my_device 调用 mmap()。内核建好映射区域，调用 mmap_example.ko 的 my_device_mmap()，它检查大小、偏移和共享方式，再用 vm_insert_page() 把自己的那一页 my_page 映射进程序。mmap() 返回用户地址 data。之后程序用普通的 *data = 24 写入 24，没有系统调用；pread() 问内核，my_device_read() 通过内核自己的地址 my_data 读同一页，返回 24。',
    ),
    width: 780,
    height: 384,
    boundary: B,
    data: true,
    body: (
      <>
        <Box cx={150} y={40} w={260} kind="own" lines={[code('mmap(…, MAP_SHARED, fd, 0)'), codeSmall('user_program')]} />
        <Arrow id={id} points={[[92, 92], [92, 215]]} />
        <Label x={99} y={108} lines={[codeSmall('/dev/my_device')]} />
        <Arrow id={id} kind="return" points={[[222, 215], [222, 92]]} />
        <Label x={229} y={128} lines={[codeSmall('data')]} />
        <Box cx={150} y={215} w={260} kind="own" lines={[code('my_device_mmap()'), note(t('checks size, offset, sharing', '检查大小、偏移、共享方式'))]} />
        <Arrow id={id} points={[[150, 267], [150, 300]]} />
        <Box cx={150} y={300} w={260} lines={[code('vm_insert_page()'), note(t('maps my_page at vm_start', '把 my_page 映射到 vm_start'))]} />
        <Arrow id={id} kind="data" points={[[280, 326], [318, 326], [318, 130], [336, 130]]} />
        {/* The page sits across the line: each side has its own address for it. */}
        <g className={styles.data}>
          <rect className={styles.box} x={338} y={96} width={120} height={150} rx={4} />
        </g>
        <Label x={398} y={70} anchor="middle" lines={[code('my_page')]} />
        <Label x={398} y={108} anchor="middle" lines={[code('data'), note(t("the program's", '程序的地址'))]} />
        <Label x={398} y={190} anchor="middle" lines={[code('my_data'), note(t("the kernel's", '内核的地址'))]} />
        <Box cx={625} y={26} w={270} kind="own" lines={[code('*data = 24;'), note(t('a plain store: no system call', '普通的内存写入，没有系统调用'))]} />
        <Arrow id={id} kind="data" points={[[490, 52], [432, 52], [432, 106]]} />
        <Box cx={625} y={96} w={270} kind="own" lines={[code('pread(fd, &value, 4, 0)'), codeSmall('Kernel read back: 24')]} />
        <Arrow id={id} points={[[585, 148], [585, 240]]} />
        <Arrow id={id} kind="return" points={[[665, 240], [665, 148]]} />
        <Label x={672} y={186} lines={[codeSmall('24')]} />
        <Box cx={625} y={240} w={270} kind="own" lines={[code('my_device_read()'), note(t('reads *my_data', '读 *my_data'))]} />
        <Arrow id={id} kind="data" points={[[458, 214], [474, 214], [474, 266], [488, 266]]} />
      </>
    ),
  };
}

function ioctl(t: Tr, id: string): Diagram {
  return {
    title: t('ioctl, there and back: IOCTL_CMD_GET_DATA', 'ioctl 的往返：IOCTL_CMD_GET_DATA'),
    desc: t(
      "user_program calls ioctl(fd, IOCTL_CMD_GET_DATA, &data), a command built by _IOR('x', 1, int). In the kernel, sys_ioctl() first lets do_vfs_ioctl() handle the few commands every file knows; for the rest, vfs_ioctl() calls the file's unlocked_ioctl operation, my_device_ioctl() in ioctl_example.ko, which answers an unknown command with -ENOTTY. For this command it calls put_user(), which checks the program's address and copies 42 into data, or fails with -EFAULT; IOCTL_CMD_SET_DATA uses get_user() the other way. ioctl() returns 0.",
      "user_program 调用 ioctl(fd, IOCTL_CMD_GET_DATA, &data)，命令号由 _IOR('x', 1, int) 生成。内核里，sys_ioctl() 先让 do_vfs_ioctl() 处理少数所有文件通用的命令；其余的由 vfs_ioctl() 交给文件的 unlocked_ioctl 操作，即 ioctl_example.ko 的 my_device_ioctl()；不认识的命令回答 -ENOTTY。对这条命令，它调用 put_user()，检查程序给的地址，把 42 复制进 data，地址不对就得到 -EFAULT；IOCTL_CMD_SET_DATA 反过来用 get_user()。ioctl() 返回 0。",
    ),
    width: 760,
    height: 372,
    boundary: 160,
    data: true,
    body: (
      <>
        <Box cx={210} y={40} w={330} kind="own" lines={[code('ioctl(fd, IOCTL_CMD_GET_DATA, &data)'), codeSmall("_IOR('x', 1, int) = 0x80047801")]} />
        <Box cx={600} y={40} w={210} kind="data" lines={[code('int data'), note(t("in user_program's memory", '在 user_program 的内存里'))]} />
        <Arrow id={id} points={[[150, 92], [150, 195]]} />
        <Arrow id={id} kind="return" points={[[270, 195], [270, 92]]} />
        <Label x={278} y={108} lines={[codeSmall('0')]} />
        <Box cx={210} y={195} w={330} lines={[code('sys_ioctl()'), note(t('do_vfs_ioctl(): commands every file knows', 'do_vfs_ioctl()：所有文件通用的命令'))]} />
        <Arrow id={id} points={[[210, 247], [210, 284]]} />
        <Label x={218} y={253} lines={[codeSmall('vfs_ioctl() → f_op->unlocked_ioctl')]} />
        <Box cx={210} y={284} w={330} kind="own" lines={[code('my_device_ioctl(file, cmd, arg)'), note(t('an unknown cmd gets -ENOTTY', '不认识的命令得到 -ENOTTY'))]} />
        <Arrow id={id} points={[[375, 310], [495, 310]]} />
        <Box cx={600} y={284} w={210} lines={[code('put_user(data, uarg)'), note(t('SET: get_user()', 'SET 时用 get_user()'))]} />
        <Arrow id={id} kind="data" points={[[600, 284], [600, 92]]} />
        <Label x={608} y={112} lines={[codeSmall('42')]} />
        <Label x={608} y={196} lines={[note(t('checks the address:', '先检查地址：')), note(t('a bad one is -EFAULT', '不对就是 -EFAULT'))]} />
      </>
    ),
  };
}

function netlink(t: Tr, id: string): Diagram {
  return {
    title: t('Netlink, there and back: MY_NL_GET on protocol 31', 'Netlink 的往返：协议 31 上的 MY_NL_GET'),
    desc: t(
      "user_program opens socket(AF_NETLINK, SOCK_RAW, 31) and sends a MY_NL_GET message to port 0 with sendto(). netlink_unicast() hands it to the kernel socket the module made with netlink_kernel_create(), whose input callback, my_nl_input() in netlink_example.ko, passes each message through netlink_rcv_skb() to my_nl_rcv_msg(). That builds a reply holding 42 and sends it with nlmsg_unicast() to the sending socket's port, NETLINK_CB(skb).portid; recvfrom() reads it and the program prints \"Data from kernel: 42\".",
      'user_program 打开 socket(AF_NETLINK, SOCK_RAW, 31)，用 sendto() 向端口 0 发一条 MY_NL_GET 消息。netlink_unicast() 把它交给模块用 netlink_kernel_create() 建的内核套接字，其 input 回调，即 netlink_example.ko 的 my_nl_input()，经 netlink_rcv_skb() 把每条消息交给 my_nl_rcv_msg()。后者构造一条带 42 的回复，用 nlmsg_unicast() 发回发送者套接字的端口 NETLINK_CB(skb).portid；recvfrom() 读到它，程序打印“Data from kernel: 42”。',
    ),
    width: 780,
    height: 384,
    boundary: 170,
    body: (
      <>
        <Box cx={190} y={30} w={300} kind="own" lines={[codeSmall('socket(AF_NETLINK, SOCK_RAW, 31)'), code('sendto(…)'), note(t('MY_NL_GET, to port 0', 'MY_NL_GET，发往端口 0'))]} />
        <Arrow id={id} points={[[190, 98], [190, 212]]} />
        <Box cx={190} y={212} w={300} lines={[code('netlink_unicast()'), note(t('to the kernel socket of protocol 31', '交给协议 31 的内核套接字'))]} />
        <Arrow id={id} points={[[190, 264], [190, 300]]} />
        <Box cx={190} y={300} w={240} kind="own" lines={[code('my_nl_input(skb)'), note(t('the input callback', 'input 回调函数'))]} />
        <Arrow id={id} points={[[310, 326], [466, 326]]} />
        <Label x={389} y={302} anchor="middle" lines={[codeSmall('netlink_rcv_skb()')]} />
        <Box cx={598} y={300} w={260} kind="own" lines={[code('my_nl_rcv_msg()'), note(t('MY_NL_GET: reply with 42', 'MY_NL_GET：回复 42'))]} />
        <Arrow id={id} points={[[598, 300], [598, 264]]} />
        <Box cx={598} y={212} w={260} lines={[code('nlmsg_unicast(…, portid)'), note(t("to the sending socket's port", '发回发送者套接字的端口'))]} />
        <Arrow id={id} kind="return" points={[[598, 212], [598, 98]]} />
        <Label x={606} y={112} lines={[codeSmall('MY_NL_GET, 42')]} />
        <Box cx={598} y={46} w={260} kind="own" lines={[code('recvfrom(…)'), codeSmall('Data from kernel: 42')]} />
      </>
    ),
  };
}

function procfsSysfs(t: Tr, id: string): Diagram {
  const B = 165;
  const K = 222; // top of the kernel's boxes
  const kh = boxHeight([code(''), note('')]);
  return {
    title: t('procfs and sysfs: a read and a write of a file', 'procfs 与 sysfs：读一个文件、写一个文件'),
    desc: t(
      'Left, procfs: cat /proc/my_proc_file is a read() that procfs passes to my_proc_ops, the struct proc_ops of procfs_example.ko; seq_read calls my_proc_show(), which prints "42\\n". echo 7 > /proc/my_proc_file is a write() to my_proc_write(), which copies the text in and parses it with kstrtoint(). Right, sysfs: a read() of /sys/kernel/my_sysfs/data calls data_show() of sysfs_example.ko, which fills a page with sysfs_emit(); a write() calls data_store() with the text already copied in.',
      '左边是 procfs：cat /proc/my_proc_file 是一次 read()，procfs 把它交给 procfs_example.ko 的 struct proc_ops，即 my_proc_ops；seq_read 调用 my_proc_show()，输出“42\\n”。echo 7 > /proc/my_proc_file 是一次 write()，到达 my_proc_write()，它把文本复制进来，用 kstrtoint() 解析。右边是 sysfs：read() /sys/kernel/my_sysfs/data 调用 sysfs_example.ko 的 data_show()，它用 sysfs_emit() 填满一页缓冲区；write() 调用 data_store()，文本已经复制进内核。',
    ),
    width: 780,
    height: 350,
    boundary: B,
    body: (
      <>
        <line className={styles.divider} x1={390} y1={8} x2={390} y2={342} />
        <text className={styles.heading} x={195} y={24} textAnchor="middle">
          procfs
        </text>
        <text className={styles.heading} x={585} y={24} textAnchor="middle">
          sysfs
        </text>
        <Box cx={205} y={36} w={320} lines={[code('cat /proc/my_proc_file'), code('echo 7 > /proc/my_proc_file')]} />
        <Arrow id={id} points={[[92, 90], [92, K]]} />
        <Label x={99} y={112} lines={[codeSmall('read()')]} />
        <Arrow id={id} kind="return" points={[[160, K], [160, 90]]} />
        <Label x={167} y={112} lines={[codeSmall('"42\\n"')]} />
        <Arrow id={id} points={[[300, 90], [300, K]]} />
        <Label x={307} y={112} lines={[codeSmall('write()')]} />
        <Box cx={122} y={K} w={180} kind="own" lines={[code('my_proc_show()'), note(t('via seq_read', '经 seq_read 调用'))]} />
        <Box cx={300} y={K} w={164} kind="own" lines={[code('my_proc_write()'), codeSmall('copy_from_user()')]} />
        <Label x={205} y={K + kh + 14} anchor="middle" lines={[note(t('my_proc_ops: the file’s struct proc_ops', 'my_proc_ops：这个文件的 struct proc_ops'))]} />
        <Box cx={585} y={36} w={320} lines={[code('cat /sys/kernel/my_sysfs/data'), code('echo 5 > …/my_sysfs/data')]} />
        <Arrow id={id} points={[[466, 90], [466, K]]} />
        <Label x={473} y={112} lines={[codeSmall('read()')]} />
        <Arrow id={id} kind="return" points={[[538, K], [538, 90]]} />
        <Label x={545} y={112} lines={[codeSmall('"42\\n"')]} />
        <Arrow id={id} points={[[688, 90], [688, K]]} />
        <Label x={695} y={112} lines={[codeSmall('write()')]} />
        <Box cx={500} y={K} w={180} kind="own" lines={[code('data_show()'), codeSmall('sysfs_emit()')]} />
        <Box cx={688} y={K} w={164} kind="own" lines={[code('data_store()'), codeSmall('kstrtoint()')]} />
        <Label x={595} y={K + kh + 14} anchor="middle" lines={[note(t('data_attr: an attribute of the kobject my_sysfs', 'data_attr：kobject my_sysfs 的属性'))]} />
      </>
    ),
  };
}

/** All six side by side, small, for the overview: who starts, which way, through what. */
function overview(t: Tr, id: string): Diagram {
  const col = (i: number): number => 139 + i * 118;
  const U = 40;
  const K = 212;
  const one = boxHeight([code('')]);
  const two = boxHeight([codeSmall(''), codeSmall('')]);
  const heads = [
    t('System call', '系统调用'),
    t('Signal', '信号'),
    t('Shared memory', '共享内存'),
    'ioctl',
    'Netlink',
    'procfs / sysfs',
  ];
  return {
    title: t('Six ways across the boundary', '跨越边界的六条路'),
    desc: t(
      'Six columns, one per mechanism, user space above the line and the kernel below. System call: the program calls syscall(), the kernel runs the sys_ function and returns. Signal: the kernel starts, send_sig_info() runs a handler in the process. Shared memory: after mmap(), the driver\'s .mmap makes one page that both sides read and write directly. ioctl: ioctl() reaches the driver\'s unlocked_ioctl and returns. Netlink: sendmsg() reaches the kernel socket\'s input callback, which answers with nlmsg_unicast() to be read with recvmsg(). procfs and sysfs: read() and write() of a file reach the kernel\'s show and store functions.',
      '六列，每列一种机制，线上是用户空间，线下是内核。系统调用：程序调用 syscall()，内核执行对应的 sys_ 函数并返回。信号：由内核发起，send_sig_info() 让进程里的处理函数运行。共享内存：mmap() 之后，驱动的 .mmap 映射出一页，两边直接读写。ioctl：ioctl() 到达驱动的 unlocked_ioctl 并返回。Netlink：sendmsg() 到达内核套接字的 input 回调，它用 nlmsg_unicast() 回复，程序用 recvmsg() 读取。procfs 与 sysfs：读写一个文件，到达内核的 show 和 store 函数。',
    ),
    width: 800,
    height: 290,
    boundary: 150,
    own: false,
    body: (
      <>
        {heads.map((h, i) => (
          <text key={h} className={styles.heading} x={col(i)} y={24} textAnchor="middle">
            {h}
          </text>
        ))}
        {/* System call */}
        <Box cx={col(0)} y={U} w={110} lines={[code('syscall()')]} />
        <Arrow id={id} points={[[col(0) - 22, U + one], [col(0) - 22, K]]} />
        <Arrow id={id} kind="return" points={[[col(0) + 22, K], [col(0) + 22, U + one]]} />
        <Box cx={col(0)} y={K} w={110} lines={[code('sys_…()')]} />
        {/* Signal: the kernel starts */}
        <Box cx={col(1)} y={U} w={110} lines={[code('handler()')]} />
        <Arrow id={id} points={[[col(1), K], [col(1), U + one]]} />
        <Box cx={col(1)} y={K} w={110} lines={[codeSmall('send_sig_info()')]} />
        {/* Shared memory */}
        <Box cx={col(2)} y={U} w={110} lines={[code('mmap()')]} />
        <Arrow id={id} points={[[col(2) - 34, U + one], [col(2) - 34, K]]} />
        <Box cx={col(2) + 20} y={104} w={68} kind="data" lines={[note(t('one page', '同一页')), note(''), note(''), note(t('shared', '两边共用'))]} />
        <Box cx={col(2)} y={K} w={110} lines={[code('.mmap')]} />
        {/* ioctl */}
        <Box cx={col(3)} y={U} w={110} lines={[code('ioctl()')]} />
        <Arrow id={id} points={[[col(3) - 22, U + one], [col(3) - 22, K]]} />
        <Arrow id={id} kind="return" points={[[col(3) + 22, K], [col(3) + 22, U + one]]} />
        <Box cx={col(3)} y={K} w={110} lines={[codeSmall('unlocked_ioctl')]} />
        {/* Netlink */}
        <Box cx={col(4)} y={U} w={110} lines={[codeSmall('sendmsg()'), codeSmall('recvmsg()')]} />
        <Arrow id={id} points={[[col(4) - 22, U + two], [col(4) - 22, K]]} />
        <Arrow id={id} kind="return" points={[[col(4) + 22, K], [col(4) + 22, U + two]]} />
        <Box cx={col(4)} y={K} w={110} lines={[codeSmall('.input'), codeSmall('nlmsg_unicast()')]} />
        {/* procfs / sysfs */}
        <Box cx={col(5)} y={U} w={110} lines={[codeSmall('read()'), codeSmall('write()')]} />
        <Arrow id={id} points={[[col(5) - 22, U + two], [col(5) - 22, K]]} />
        <Arrow id={id} kind="return" points={[[col(5) + 22, K], [col(5) + 22, U + two]]} />
        <Box cx={col(5)} y={K} w={110} lines={[codeSmall('show()'), codeSmall('store()')]} />
      </>
    ),
  };
}

export const DIAGRAMS: Record<Mechanism | 'overview', (t: Tr, id: string) => Diagram> = {
  overview,
  syscall,
  signal,
  mmap,
  ioctl,
  netlink,
  'procfs-sysfs': procfsSysfs,
};
