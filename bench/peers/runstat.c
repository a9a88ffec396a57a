/* runstat: GNU time's measurement with microseconds, for bench/compare.sh.
 *
 *   runstat OUT_FILE PROGRAM [ARGS...]
 *
 * Runs PROGRAM (fork + execvp, stdio inherited), waits for it with wait4() and writes one line to
 * OUT_FILE: "WALL_S USER_S SYS_S MAXRSS_BYTES", the wall time on the monotonic clock, the CPU
 * times and peak resident set of PROGRAM and every descendant it waited for (the kernel's rusage:
 * times summed, maxrss the largest single process). /usr/bin/time -f '%e %U %S %M' reports the
 * same rusage but prints CPU in 10 ms steps, coarser than a whole lsedge cold start.
 * Like time's, the child's peak RSS has a floor: the anonymous pages the child inherits from
 * this small program before exec (~0.5 MiB, the same floor as /usr/bin/time's).
 * Exit status: PROGRAM's (128 + signal when it was killed); 127 when it cannot be run.
 *
 * Build: cc -O2 -Wall -Wextra -o runstat runstat.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: runstat OUT_FILE PROGRAM [ARGS...]\n", stderr);
        return 2;
    }
    double start = monotonic_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("runstat: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("runstat: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("runstat: wait4");
        return 127;
    }
    double wall = monotonic_s() - start;
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror("runstat: output file");
        return 127;
    }
    fprintf(out, "%.6f %.6f %.6f %ld\n", wall, seconds(ru.ru_utime), seconds(ru.ru_stime),
            ru.ru_maxrss * 1024L);
    if (fclose(out) != 0) {
        perror("runstat: output file");
        return 127;
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
