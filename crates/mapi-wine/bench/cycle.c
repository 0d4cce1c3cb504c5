/* One logon cycle, timed inside the process: MAPILogonEx + GetMsgStoresTable +
 * QueryRows + Logoff + Release of the profile "Default", N cycles after 10 warm-up ones;
 * prints the median and the 10th/90th percentiles in microseconds. Built twice from this
 * file: natively against libmapi (cc, clock_gettime) and as a Windows program against
 * mapi32.dll for the Wine bridge (mingw, QueryPerformanceCounter).   cycle [N] */
#ifdef _WIN32
#include <windows.h>
#endif
#include <mapix.h>
#include <mapiutil.h>
#include <stdio.h>
#include <stdlib.h>
#ifndef _WIN32
#include <time.h>
#endif

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now_us(void)
{
#ifdef _WIN32
    static LARGE_INTEGER f;
    LARGE_INTEGER c;
    if (!f.QuadPart) QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart * 1e6 / (double)f.QuadPart;
#else
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
#endif
}

static int cycle(void)
{
    LPMAPISESSION s = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    if (MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXTENDED | MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s) != S_OK)
        return 1;
    if (s->lpVtbl->GetMsgStoresTable(s, 0, &t) != S_OK) return 1;
    if (t->lpVtbl->QueryRows(t, 50, 0, &rows) != S_OK || rows->cRows < 1) return 1;
    FreeProws(rows);
    t->lpVtbl->Release(t);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200, i;
    double *us;
    if (n < 1 || !(us = malloc(sizeof(double) * (size_t)n)) || FAILED(MAPIInitialize(NULL))) return 2;
    for (i = -10; i < n; i++) {
        double a = now_us();
        if (cycle()) {
            printf("cycle %d failed\n", i);
            return 1;
        }
        if (i >= 0) us[i] = now_us() - a;
    }
    MAPIUninitialize();
    qsort(us, (size_t)n, sizeof(double), cmp);
    printf("cycle median %.0f us (p10 %.0f, p90 %.0f) over %d\n", us[n / 2], us[n / 10], us[n * 9 / 10], n);
    free(us);
    return 0;
}
