/*
 * bench/overhead.ts's workload: N write(2)s of 2 bytes to /dev/null, timed
 * with CLOCK_MONOTONIC around the loop (after a warm-up). Under QEMU's
 * -icount shift=0 the guest's clock advances one nanosecond per guest
 * instruction, so the time printed is the loop's instruction count.
 * Usage: write_loop N  (its name, argv[0]'s, is what the patches match)
 * The result goes out with writev(2): the patches clamp this program's
 * write(2)s to one byte, which would cut the number short.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000, i;
	int fd = open("/dev/null", O_WRONLY);
	struct timespec t0, t1;

	if (fd < 0)
		return 2;
	for (i = 0; i < 1000; i++)
		if (write(fd, "ab", 2) != 2)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		if (write(fd, "ab", 2) != 2)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		char line[32];
		struct iovec v = { line, 0 };

		v.iov_len = snprintf(line, sizeof(line), "%lld\n",
				     (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
		return writev(1, &v, 1) == (ssize_t)v.iov_len ? 0 : 3;
	}
}
