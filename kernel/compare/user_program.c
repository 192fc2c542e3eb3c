// SPDX-License-Identifier: GPL-2.0
/*
 * Time a round trip through each lesson's mechanism, and 4 KiB moved in
 * bulk, with the lessons' own modules loaded:
 *
 *   syscall_example ioctl_example netlink_example procfs_example
 *   sysfs_example signal_example mmap_example
 *
 * Usage: user_program
 * Prints one line per mechanism: the median time of one round trip in
 * nanoseconds and its ratio to getppid(), the cheapest system call there
 * is, then the rate of the bulk transfers in MiB/s. Every round trip checks its answer; the program
 * exits 1 with a message if a module is missing or an answer is wrong.
 *
 * After a warm-up, each mechanism runs in batches, timed with two reads
 * of the CPU's time stamp counter per batch, so the clock's own cost is
 * spread over the batch: a batch is made long enough to take BATCH_NS,
 * and batches run until MAX_BATCHES or BUDGET_NS, whichever comes first
 * (at least MIN_BATCHES). The figure is the median batch divided by its
 * length, which an interrupt in one batch moves less than it moves a mean.
 *
 * Why the counter: the lab kernel's clock, under emulation, may be the
 * timer tick itself (clocksource refined-jiffies: 4 ms steps), far too
 * coarse for a batch. The counter's rate is found against that clock over
 * the whole run, from one tick to another, so the steps do not matter.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../ioctl/ioctl_example.h"
#include "../mmap/mmap_example.h"
#include "../netlink/netlink_example.h"
#include "../procfs/procfs_example.h"
#include "../signal/signal_example.h"
#include "../syscall/syscall_example.h"
#include "../sysfs/sysfs_example.h"

/* The C library does not know the lab kernel's system call. */
#ifndef __NR_my_syscall
#define __NR_my_syscall MY_SYSCALL_NR
#endif

#define BATCH_NS	4000000L	/* 4 ms a batch */
#define BUDGET_NS	80000000L	/* 80 ms a mechanism */
#define MIN_BATCHES	5
#define MAX_BATCHES	21
#define CALIBRATE_NS	20000000L	/* a first counter rate over 20 ms */
#define WARM_NS		10000000L	/* 10 ms a mechanism, untimed */
#define BULK_SIZE	4096		/* one page: what the mmap lesson maps */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The signal, mmap and ioctl lessons all call their node /dev/my_device,
 * so with the three loaded devtmpfs gives the name to the first only. Each
 * module's class (named after the module) still lists its device in sysfs
 * with its number, so the program makes its own node from that.
 */
#define CLASS_DEV(class) "/sys/class/" class "/" DEVICE_NAME "/dev"

static int ioctl_fd, mmap_fd, signal_fd, procfs_fd, sysfs_fd, nl_fd;
/* The mmap lesson's page: the kernel reads it while the program writes. */
static atomic_int *shared;
static char nl_bulk[BULK_SIZE], page_copy[BULK_SIZE];
static int ioctl_value, nl_value, mmap_value;
static char procfs_text[32], sysfs_text[32];
static size_t procfs_len, sysfs_len;
static pid_t self;

/* Set by the SIGIO handler: how many signals the kernel delivered. */
static atomic_long signals;

static void fail(const char *what)
{
	perror(what);
	exit(EXIT_FAILURE);
}

static void wrong(const char *what)
{
	fprintf(stderr, "%s: the kernel's answer is not the expected one\n",
		what);
	exit(EXIT_FAILURE);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static unsigned long long ticks(void)
{
	return __builtin_ia32_rdtsc();
}

/*
 * Waits for the clock to step, and returns the time it stepped to, with
 * the counter read just before that in *tsc.
 */
static long long clock_step(unsigned long long *tsc)
{
	long long t0 = now_ns(), t;

	do {
		*tsc = ticks();
		t = now_ns();
	} while (t == t0);
	return t;
}

/* Counter ticks per nanosecond, between two clock steps. */
static double tick_rate(long long ns0, unsigned long long tsc0,
			long long ns1, unsigned long long tsc1)
{
	return (double)(tsc1 - tsc0) / (double)(ns1 - ns0);
}

static int open_class_device(const char *dev_file, const char *node, int flags)
{
	unsigned int major, minor;
	FILE *f;
	int fd;

	f = fopen(dev_file, "r");
	if (!f)
		fail(dev_file);
	if (fscanf(f, "%u:%u", &major, &minor) != 2) {
		fprintf(stderr, "%s: no device number\n", dev_file);
		exit(EXIT_FAILURE);
	}
	fclose(f);

	unlink(node);
	if (mknod(node, S_IFCHR | 0600, makedev(major, minor)) < 0)
		fail(node);
	fd = open(node, flags);
	if (fd < 0)
		fail(node);
	/* The open file keeps the device; the name is not needed again. */
	unlink(node);
	return fd;
}

/* ---- the round trips: each does n of them, and checks every answer ---- */

static void trip_getppid(long n)
{
	while (n--)
		if (syscall(SYS_getppid) < 0)
			fail("getppid");
}

static void trip_syscall(long n)
{
	while (n--)
		if (syscall(__NR_my_syscall, MY_SYSCALL_ARG) != MY_SYSCALL_ARG)
			wrong("my_syscall");
}

static void trip_ioctl(long n)
{
	int v;

	while (n--) {
		if (ioctl(ioctl_fd, IOCTL_CMD_GET_DATA, &v) < 0)
			fail("ioctl");
		if (v != ioctl_value)
			wrong("ioctl");
	}
}

/* SET stores the value the device has, and the module logs each SET. */
static void trip_ioctl_set(long n)
{
	while (n--)
		if (ioctl(ioctl_fd, IOCTL_CMD_SET_DATA, &ioctl_value) < 0)
			fail("ioctl");
}

/* Send one message to the kernel: a header and len bytes of payload. */
static void nl_send(unsigned short type, unsigned short flags,
		    const void *payload, size_t len)
{
	static union {
		struct nlmsghdr nlh;
		char buf[NLMSG_SPACE(BULK_SIZE)];
	} msg;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	msg.nlh.nlmsg_len = NLMSG_LENGTH(len);
	msg.nlh.nlmsg_type = type;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	msg.nlh.nlmsg_seq++;
	if (len)
		memcpy(NLMSG_DATA(&msg.nlh), payload, len);
	if (sendto(nl_fd, &msg, msg.nlh.nlmsg_len, 0,
		   (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		fail("sendto");
}

/* The reply: the int of a MY_NL_GET, or 0 for an acknowledgement. */
static int nl_receive(unsigned short type)
{
	/* Room for an error reply, which quotes a bulk request whole. */
	static union {
		struct nlmsghdr nlh;
		char buf[NLMSG_SPACE(sizeof(struct nlmsgerr) + BULK_SIZE)];
	} msg;
	struct nlmsgerr *err;
	int value;
	ssize_t n;

	n = recv(nl_fd, &msg, sizeof(msg), 0);
	if (n < 0)
		fail("recv");
	if (!NLMSG_OK(&msg.nlh, (size_t)n) || msg.nlh.nlmsg_type != type)
		wrong("netlink");
	if (type == NLMSG_ERROR) {
		err = NLMSG_DATA(&msg.nlh);
		if (err->error) {
			errno = -err->error;
			fail("netlink");
		}
		return 0;
	}
	memcpy(&value, NLMSG_DATA(&msg.nlh), sizeof(value));
	return value;
}

static void trip_netlink(long n)
{
	while (n--) {
		nl_send(MY_NL_GET, 0, NULL, 0);
		if (nl_receive(MY_NL_GET) != nl_value)
			wrong("netlink");
	}
}

/* A text file read again from its start, with pread: seek and read. */
static void read_text(int fd, const char *text, size_t len, const char *what)
{
	char buf[32];

	if (pread(fd, buf, sizeof(buf), 0) != (ssize_t)len)
		fail(what);
	if (memcmp(buf, text, len))
		wrong(what);
}

static void trip_procfs(long n)
{
	while (n--)
		read_text(procfs_fd, procfs_text, procfs_len, PROC_FILE_PATH);
}

static void trip_sysfs(long n)
{
	while (n--)
		read_text(sysfs_fd, sysfs_text, sysfs_len, SYSFS_FILE_PATH);
}

/* What `cat` pays for each sample: open, read, close. */
static void trip_sysfs_open(long n)
{
	int fd;

	while (n--) {
		fd = open(SYSFS_FILE_PATH, O_RDONLY);
		if (fd < 0)
			fail(SYSFS_FILE_PATH);
		read_text(fd, sysfs_text, sysfs_len, SYSFS_FILE_PATH);
		close(fd);
	}
}

static void on_sigio(int sig)
{
	(void)sig;
	signals++;
}

/*
 * The module signals the PID written to it. The signal is delivered on the
 * way back to user space from that write(): the handler has run before the
 * program sees write() return.
 */
static void trip_signal(long n)
{
	long want = signals;

	while (n--) {
		if (write(signal_fd, &self, sizeof(self)) != sizeof(self))
			fail("write " DEVICE_PATH);
		if (signals != ++want)
			wrong("signal");
	}
}

/* A store to the shared page that the kernel then reads, with read(2). */
static void trip_mmap(long n)
{
	int v;

	while (n--) {
		atomic_store_explicit(&shared[0], (int)n,
				      memory_order_relaxed);
		if (pread(mmap_fd, &v, sizeof(v), 0) != sizeof(v))
			fail("read " DEVICE_PATH);
		if (v != (int)n)
			wrong("mmap");
	}
	atomic_store_explicit(&shared[0], mmap_value, memory_order_relaxed);
}

/* A store and a load in the shared page: no kernel at all. */
static void trip_store(long n)
{
	while (n--) {
		atomic_store_explicit(&shared[1], (int)n,
				      memory_order_relaxed);
		if (atomic_load_explicit(&shared[1], memory_order_relaxed) !=
		    (int)n)
			wrong("store");
	}
}

/* ---- bulk: BULK_SIZE bytes each time ---- */

/* MY_NL_SET takes the int at the start of a payload of any length. */
static void bulk_netlink(long n)
{
	while (n--) {
		nl_send(MY_NL_SET, NLM_F_ACK, nl_bulk, sizeof(nl_bulk));
		nl_receive(NLMSG_ERROR);
	}
}

/* The data goes into the page; one read(2) tells the kernel it is there. */
static void bulk_mmap_notify(long n)
{
	int v;

	while (n--) {
		memcpy((void *)shared, page_copy, sizeof(page_copy));
		if (pread(mmap_fd, &v, sizeof(v), 0) != sizeof(v))
			fail("read " DEVICE_PATH);
	}
}

static void bulk_mmap(long n)
{
	while (n--) {
		memcpy((void *)shared, page_copy, sizeof(page_copy));
		/* Keep the compiler from merging the copies. */
		__asm__ __volatile__("" : : : "memory");
	}
}

/* ---- measuring ---- */

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Counter ticks per nanosecond, roughly: enough to size the batches. */
static double rough_rate;

/* Counter ticks per call of trip(1), the median over the batches. */
static double measure(void (*trip)(long n))
{
	double per_call[MAX_BATCHES];
	double batch = BATCH_NS * rough_rate, budget = BUDGET_NS * rough_rate;
	unsigned long long start, took, spent;
	long n = 1;
	int i;

	/* Warm up (caches, the first faults), and size a batch. */
	trip(1);
	for (;;) {
		start = ticks();
		trip(n);
		took = ticks() - start;
		if (took >= batch || n >= 1L << 28)
			break;
		n *= took * 8 > batch ? 2 : 8;
	}

	spent = 0;
	for (i = 0; i < MAX_BATCHES; i++) {
		if (i >= MIN_BATCHES && spent >= budget)
			break;
		start = ticks();
		trip(n);
		took = ticks() - start;
		spent += took;
		per_call[i] = (double)took / n;
	}
	qsort(per_call, i, sizeof(per_call[0]), by_value);
	return i % 2 ? per_call[i / 2] :
		(per_call[i / 2 - 1] + per_call[i / 2]) / 2;
}

static const struct {
	const char *name;
	void (*trip)(long n);
} trips[] = {
	{ "getppid(), a bare system call", trip_getppid },
	{ "my_syscall(42), the lab's", trip_syscall },
	{ "ioctl GET", trip_ioctl },
	{ "ioctl SET, which logs a line", trip_ioctl_set },
	{ "netlink GET and its reply", trip_netlink },
	{ "procfs pread", trip_procfs },
	{ "sysfs pread", trip_sysfs },
	{ "sysfs open, read, close", trip_sysfs_open },
	{ "signal: write PID, SIGIO back", trip_signal },
	{ "mmap: store, kernel reads it", trip_mmap },
	{ "mmap: store and load, no kernel", trip_store },
};

static const struct {
	const char *name;
	void (*move)(long n);
} bulks[] = {
	{ "netlink SET of 4 KiB, acked", bulk_netlink },
	{ "mmap: copy 4 KiB, read(2) notice", bulk_mmap_notify },
	{ "mmap: copy 4 KiB", bulk_mmap },
};

/*
 * Before timing anything, every mechanism runs for WARM_NS: the first
 * calls fault pages in and fill caches, and v86 (the lab in a tab)
 * compiles the code it runs often to WebAssembly as it goes, which makes
 * that code many times faster than it ran the first time.
 */
static void warm_up(void)
{
	unsigned long long end;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(trips); i++)
		for (end = ticks() + WARM_NS * rough_rate; ticks() < end;)
			trips[i].trip(1);
	for (i = 0; i < ARRAY_SIZE(bulks); i++)
		for (end = ticks() + WARM_NS * rough_rate; ticks() < end;)
			bulks[i].move(1);
}

/* Open everything, and take the answers each round trip must get back. */
static void set_up(void)
{
	struct timeval timeout = { .tv_sec = 2 };
	struct sigaction sa = { .sa_handler = on_sigio };
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	ssize_t n;

	self = getpid();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGIO, &sa, NULL) < 0)
		fail("sigaction");

	ioctl_fd = open_class_device(CLASS_DEV("ioctl_example"),
				     "/tmp/.roundtrip-ioctl", O_RDWR);
	if (ioctl(ioctl_fd, IOCTL_CMD_GET_DATA, &ioctl_value) < 0)
		fail("ioctl");

	signal_fd = open_class_device(CLASS_DEV("signal_example"),
				      "/tmp/.roundtrip-signal", O_WRONLY);

	mmap_fd = open_class_device(CLASS_DEV("mmap_example"),
				    "/tmp/.roundtrip-mmap", O_RDWR);
	shared = mmap(NULL, BULK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      mmap_fd, 0);
	if (shared == MAP_FAILED)
		fail("mmap");
	mmap_value = atomic_load_explicit(&shared[0], memory_order_relaxed);
	/* Bulk copies write the page as it is: it holds the same after. */
	memcpy(page_copy, (const void *)shared, sizeof(page_copy));

	procfs_fd = open(PROC_FILE_PATH, O_RDONLY);
	if (procfs_fd < 0)
		fail(PROC_FILE_PATH);
	n = pread(procfs_fd, procfs_text, sizeof(procfs_text), 0);
	if (n <= 0)
		fail(PROC_FILE_PATH);
	procfs_len = n;

	sysfs_fd = open(SYSFS_FILE_PATH, O_RDONLY);
	if (sysfs_fd < 0)
		fail(SYSFS_FILE_PATH);
	n = pread(sysfs_fd, sysfs_text, sizeof(sysfs_text), 0);
	if (n <= 0)
		fail(SYSFS_FILE_PATH);
	sysfs_len = n;

	nl_fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_USER);
	if (nl_fd < 0)
		fail("socket");
	if (bind(nl_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		fail("bind");
	if (setsockopt(nl_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout,
		       sizeof(timeout)) < 0)
		fail("setsockopt");
	nl_send(MY_NL_GET, 0, NULL, 0);
	nl_value = nl_receive(MY_NL_GET);
	/* A bulk SET stores the int it starts with: the value it has. */
	memcpy(nl_bulk, &nl_value, sizeof(nl_value));
}

int main(int argc, char *argv[])
{
	double ns[ARRAY_SIZE(trips)], rate[ARRAY_SIZE(bulks)], base, per_ns;
	unsigned long long tsc0, tsc1;
	long long ns0, ns1;
	size_t i;

	if (argc > 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return EXIT_FAILURE;
	}
	set_up();

	ns0 = clock_step(&tsc0);
	do
		ns1 = clock_step(&tsc1);
	while (ns1 - ns0 < CALIBRATE_NS);
	rough_rate = tick_rate(ns0, tsc0, ns1, tsc1);
	warm_up();

	/* Measure everything first: printing while timing would time the tty. */
	for (i = 0; i < ARRAY_SIZE(trips); i++)
		ns[i] = measure(trips[i].trip);
	for (i = 0; i < ARRAY_SIZE(bulks); i++)
		rate[i] = measure(bulks[i].move);

	ns1 = clock_step(&tsc1);
	per_ns = tick_rate(ns0, tsc0, ns1, tsc1);
	for (i = 0; i < ARRAY_SIZE(trips); i++)
		ns[i] /= per_ns;
	for (i = 0; i < ARRAY_SIZE(bulks); i++)
		rate[i] = BULK_SIZE / (rate[i] / per_ns) * 1e9 / 1048576;
	base = ns[0];

	printf("%-34s %9s %11s\n", "round trip", "ns", "x getppid");
	for (i = 0; i < ARRAY_SIZE(trips); i++)
		printf("%-34s %9.0f %11.3f\n", trips[i].name, ns[i],
		       ns[i] / base);

	printf("%-34s %9s\n", "bulk, 4 KiB at a time", "MiB/s");
	for (i = 0; i < ARRAY_SIZE(bulks); i++)
		printf("%-34s %9.1f\n", bulks[i].name, rate[i]);
	return EXIT_SUCCESS;
}
