/* MAPILogonEx + Logoff + Release of the quickstart profile from C, N cycles after a
 * warm-up; prints the median, the 10th and 90th percentiles in microseconds. */
#include <mapix.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    if (n < 1) return 2;
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
    MAPIUninitialize();
    qsort(us, (size_t)n, sizeof(double), cmp);
    printf("MAPILogonEx + Logoff from C, %d cycles: median %.0f us (p10 %.0f, p90 %.0f)\n", n,
           us[n / 2], us[n / 10], us[n * 9 / 10]);
    free(us);
    return 0;
}
