/*
 * bench/scale.ts's guest side: one module's life, timed with the guest's
 * CLOCK_MONOTONIC around each system call, in one process (no fork/exec of
 * insmod or rmmod inside a timed step).
 *
 *   scalectl KO NAME [CTL]
 *
 * load:    finit_module(KO)      (a hand-written floor registers, and so arms, its kprobes here;
 *                                 guru registers them disabled)
 * arm:     open(CTL), write "arm" (guru only: enable_kprobe on each; the fd stays open, as the supervisor's)
 * disarm:  write "disarm", close  (guru only)
 * rm:      delete_module(NAME)   (both: unregister_kprobes, free)
 *
 * Between arm and disarm it reads the module's core size
 * (/sys/module/NAME/coresize), the number of kprobes the kernel lists
 * (/sys/kernel/debug/kprobes/list, before the load and while armed), and
 * the kernel's allocations (/proc/meminfo Slab + VmallocUsed + Percpu, before
 * the load and while armed).
 *
 * Prints one line: load_ns arm_ns disarm_ns rm_ns coresize kprobes alloc_kb
 * Under QEMU -icount shift=0,sleep=off the guest clock advances 1 ns per
 * guest instruction (and jumps over idle time to the next timer), so the
 * figures are instruction counts, repeatable run to run.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static long long now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long kprobes_listed(void)
{
	FILE *f = fopen("/sys/kernel/debug/kprobes/list", "r");
	long n = 0;
	int c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Slab + VmallocUsed + Percpu: what a module's load allocates (its core is vmalloc'd), at slab and page grain. */
static long kernel_alloc_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb, sum = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1 || sscanf(line, "VmallocUsed: %ld kB", &kb) == 1 ||
		    sscanf(line, "Percpu: %ld kB", &kb) == 1)
			sum += kb;
	fclose(f);
	return sum;
}

static long coresize(const char *name)
{
	char path[256];
	FILE *f;
	long n = -1;

	snprintf(path, sizeof(path), "/sys/module/%s/coresize", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

static void cmd(int fd, const char *c)
{
	if (write(fd, c, strlen(c)) != (ssize_t)strlen(c))
		fail(c);
}

int main(int argc, char **argv)
{
	long long t0, t1, t2, t3, t4;
	long kp0, kp1, mem0, mem1, core;
	int ko, ctl = -1;

	if (argc < 3) {
		fprintf(stderr, "usage: scalectl KO NAME [CTL]\n");
		return 2;
	}
	ko = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (ko < 0)
		fail(argv[1]);
	sync();
	kp0 = kprobes_listed();
	mem0 = kernel_alloc_kb();
	t0 = now();
	if (syscall(SYS_finit_module, ko, "", 0))
		fail("finit_module");
	t1 = now();
	if (argc > 3) {
		ctl = open(argv[3], O_RDWR | O_CLOEXEC);
		if (ctl < 0)
			fail(argv[3]);
		cmd(ctl, "arm");
	}
	t2 = now();
	core = coresize(argv[2]);
	kp1 = kprobes_listed();
	mem1 = kernel_alloc_kb();
	t3 = now();
	if (ctl >= 0) {
		cmd(ctl, "disarm");
		close(ctl);
	}
	t4 = now();
	if (syscall(SYS_delete_module, argv[2], O_NONBLOCK))
		fail("delete_module");
	printf("%lld %lld %lld %lld %ld %ld %ld\n", t1 - t0, t2 - t1, t4 - t3, now() - t4, core, kp1 - kp0, mem1 - mem0);
	return 0;
}
