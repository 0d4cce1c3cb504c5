/* MAPILogonEx + Logoff + Release of the quickstart profile from C, N cycles after a
 * warm-up; prints the median, the 10th and 90th percentiles in microseconds. Then, with
 * LEAK_CYCLES > 0, the heap bytes in use (glibc mallinfo2: every malloc of the process,
 * the library's Rust allocations included) before and after LEAK_CYCLES more cycles:
 *   logon [N] [LEAK_CYCLES] */
#include <malloc.h>
#include <mapix.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cycle(void) {
    LPMAPISESSION s = NULL;
    if (MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s) != S_OK)
        return 1;
    IMAPISession_Logoff(s, 0, 0, 0);
    IMAPISession_Release(s);
    return 0;
}

static size_t in_use(void) {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    int leak = argc > 2 ? atoi(argv[2]) : 0;
    if (n < 1 || leak < 0) return 2;
    double *us = malloc(sizeof(double) * (size_t)n);
    if (!us || FAILED(MAPIInitialize(NULL))) return 1;
    for (int i = -10; i < n; i++) {
        struct timespec a, b;
        LPMAPISESSION s = NULL;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s) != S_OK)
            return 1;
        IMAPISession_Logoff(s, 0, 0, 0);
        IMAPISession_Release(s);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (i >= 0) us[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    }
    if (leak > 0) {
        /* Warm: caches the first cycles fill are not leaks. */
        for (int i = 0; i < 200; i++)
            if (cycle()) return 1;
        size_t before = in_use();
        for (int i = 0; i < leak; i++)
            if (cycle()) return 1;
        size_t after = in_use();
        long long grown = (long long)after - (long long)before;
        printf("heap in use over %d logon cycles: %zu -> %zu bytes, %+lld (%.2f bytes per cycle)\n",
               leak, before, after, grown, (double)grown / leak);
    }
    MAPIUninitialize();
    qsort(us, (size_t)n, sizeof(double), cmp);
    printf("MAPILogonEx + Logoff from C, %d cycles: median %.0f us (p10 %.0f, p90 %.0f)\n", n,
           us[n / 2], us[n / 10], us[n * 9 / 10]);
    free(us);
    return 0;
}
