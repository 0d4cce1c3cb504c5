/* QueryRows of the default store's Inbox contents table from C: the same 8 columns as
 * benches/capi.rs, SeekRow to the beginning + QueryRows of every row + FreeProws, N runs
 * after a warm-up; prints the row count and the median, 10th and 90th percentiles in
 * milliseconds:
 *   rows [N] */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapiguid.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define COLUMNS 8

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static LPMDB default_store(LPMAPISESSION s) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    LPMDB mdb = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    if (IMAPISession_GetMsgStoresTable(s, 0, &t) != S_OK) return NULL;
    if (HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows) == S_OK) {
        for (ULONG i = 0; i < rows->cRows && !mdb; i++) {
            if (!rows->aRow[i].lpProps[1].Value.b) continue;
            SBinary *eid = &rows->aRow[i].lpProps[0].Value.bin;
            if (IMAPISession_OpenMsgStore(s, 0, eid->cb, (LPENTRYID)eid->lpb, NULL, 0, &mdb) != S_OK)
                mdb = NULL;
        }
        FreeProws(rows);
    }
    IMAPITable_Release(t);
    return mdb;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 15;
    if (n < 1) return 2;
    double *ms = malloc(sizeof(double) * (size_t)n);
    LPMAPISESSION s = NULL;
    if (!ms || FAILED(MAPIInitialize(NULL))) return 1;
    if (MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s) != S_OK)
        return 1;
    LPMDB mdb = default_store(s);
    ULONG cb = 0, type = 0;
    LPENTRYID eid = NULL;
    LPMAPIFOLDER inbox = NULL;
    LPMAPITABLE t = NULL;
    if (!mdb || IMsgStore_GetReceiveFolder(mdb, (LPTSTR) "IPM", 0, &cb, &eid, NULL) != S_OK ||
        IMsgStore_OpenEntry(mdb, cb, eid, &IID_IMAPIFolder, 0, &type, (LPUNKNOWN *)&inbox) != S_OK ||
        IMAPIFolder_GetContentsTable(inbox, 0, &t) != S_OK)
        return 1;
    SizedSPropTagArray(COLUMNS, cols) = {
        COLUMNS,
        {0x0FFF0102, 0x0FF60102, 0x0037001F, 0x0C1A001F, 0x0E060040, 0x0E080003, 0x0E070003,
         0x001A001F}};
    ULONG total = 0;
    if (IMAPITable_SetColumns(t, (LPSPropTagArray)&cols, 0) != S_OK ||
        IMAPITable_GetRowCount(t, 0, &total) != S_OK || total == 0)
        return 1;
    for (int i = -1; i < n; i++) {
        struct timespec a, b;
        LPSRowSet rows = NULL;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (IMAPITable_SeekRow(t, BOOKMARK_BEGINNING, 0, NULL) != S_OK ||
            IMAPITable_QueryRows(t, (LONG)total, 0, &rows) != S_OK || rows->cRows != total ||
            rows->aRow[0].cValues != COLUMNS)
            return 1;
        FreeProws(rows);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (i >= 0) ms[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
    }
    IMAPITable_Release(t);
    IMAPIFolder_Release(inbox);
    MAPIFreeBuffer(eid);
    IMsgStore_Release(mdb);
    IMAPISession_Logoff(s, 0, 0, 0);
    IMAPISession_Release(s);
    MAPIUninitialize();
    qsort(ms, (size_t)n, sizeof(double), cmp);
    printf("QueryRows %lu rows x %d columns from a C program, %d runs: median %.3f ms (p10 %.3f, p90 %.3f)\n",
           (unsigned long)total, COLUMNS, n, ms[n / 2], ms[n / 10], ms[n * 9 / 10]);
    free(ms);
    return 0;
}
