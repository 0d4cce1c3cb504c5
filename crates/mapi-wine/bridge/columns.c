/* HrAddColumns / HrAddColumnsEx: the table's current columns (QueryColumns, after the
 * client's filter if given) behind the new ones, each once, set with SetColumns. The table is the
 * client's view of one of ours, called through its ms_abi vtable like any client would;
 * the arrays are the client's SPropTagArray (count, then tags). */
#include "bridge.h"

typedef int32_t (WINAPI *set_columns_t)(void *, void *, uint32_t);
typedef int32_t (WINAPI *query_columns_t)(void *, uint32_t, void **);
typedef int32_t (WINAPI *allocbuf_t)(uint32_t, void **);
typedef uint32_t (WINAPI *freebuf_t)(void *);
typedef void (WINAPI *filter_t)(void *);

int32_t WINAPI HrAddColumnsEx(void *table, void *add, void *alloc, void *freebuf, void *filter)
{
    void *const *vt;
    uint32_t *have = NULL, *cols = NULL, *a = add, n, i, j;
    int32_t hr;
    if (!table || !a || !alloc || !freebuf) return BR_E_INVALIDARG;
    vt = *(void *const *const *)table;
    if ((hr = ((query_columns_t)vt[8])(table, 0, (void **)&have)) < 0) return hr;
    if (!have) return BR_E_CALL_FAILED;
    if (filter) ((filter_t)filter)(have);
    if ((uint64_t)a[0] + have[0] > 0x3FFFFFF0u) {
        ((freebuf_t)freebuf)(have);
        return BR_E_INVALIDARG;
    }
    hr = ((allocbuf_t)alloc)(4 * (1 + a[0] + have[0]), (void **)&cols);
    if (hr >= 0 && !cols) hr = BR_E_NOT_ENOUGH_MEMORY;
    if (hr < 0) {
        ((freebuf_t)freebuf)(have);
        return hr;
    }
    n = 0;
    for (i = 0; i < a[0]; i++) cols[1 + n++] = a[1 + i];
    for (i = 0; i < have[0]; i++) {
        for (j = 0; j < a[0] && a[1 + j] != have[1 + i]; j++) {}
        if (j == a[0]) cols[1 + n++] = have[1 + i];
    }
    cols[0] = n;
    hr = ((set_columns_t)vt[7])(table, cols, 0);
    ((freebuf_t)freebuf)(cols);
    ((freebuf_t)freebuf)(have);
    return hr;
}

int32_t WINAPI HrAddColumns(void *table, void *add, void *alloc, void *freebuf)
{
    return HrAddColumnsEx(table, add, alloc, freebuf, NULL);
}
