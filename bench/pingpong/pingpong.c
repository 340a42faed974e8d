// SPDX-License-Identifier: MIT
//
// The floor under every latency in build/bench-e2e.sh: a 64-byte round trip over a unix stream socket between
// two processes (socketpair + fork), blocking read/write, as a server answering one call at a time would do.
// Prints p50_us, p99_us and p999_us of N round trips after a warm-up.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MessageSize = 64 };

static int exact(int fd, char *buffer, int reading)
{
    int done = 0;
    while (done < MessageSize)
    {
        ssize_t n = reading ? read(fd, buffer + done, MessageSize - done) : write(fd, buffer + done, MessageSize - done);
        if (n <= 0)
            return -1;
        done += (int)n;
    }
    return 0;
}

static int compare(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int fds[2];
    char buffer[MessageSize];
    memset(buffer, 'x', sizeof buffer);
    if (n < 1 || socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        return 2;
    pid_t child = fork();
    if (child == 0)
    {
        close(fds[0]);
        while (exact(fds[1], buffer, 1) == 0 && exact(fds[1], buffer, 0) == 0)
            ;
        _exit(0);
    }
    close(fds[1]);
    long *ns = malloc(sizeof(long) * (size_t)n);
    for (int i = -1000; i < n; i++)
    {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (exact(fds[0], buffer, 0) != 0 || exact(fds[0], buffer, 1) != 0)
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (i >= 0)
            ns[i] = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
    }
    close(fds[0]);
    waitpid(child, NULL, 0);
    qsort(ns, (size_t)n, sizeof(long), compare);
    printf("calls=%d p50_us=%.1f p99_us=%.1f p999_us=%.1f\n", n, ns[(long)(0.5 * (n - 1))] / 1000.0,
           ns[(long)(0.99 * (n - 1))] / 1000.0, ns[(long)(0.999 * (n - 1))] / 1000.0);
    free(ns);
    return 0;
}
