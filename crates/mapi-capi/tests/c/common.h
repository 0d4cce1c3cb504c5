/* What the C tests share: EXPECT / CHECK (exit non-zero at the first unexpected
 * result, naming the line), the default store, the Inbox, a PR_ENTRYID copy, and a
 * wait with a deadline. Each program includes it once. */
#ifndef MAPI_C_TESTS_COMMON_H
#define MAPI_C_TESTS_COMMON_H
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapiguid.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPECT(expr, want)                                                          \
    do {                                                                            \
        HRESULT got_ = (expr);                                                      \
        if (got_ != (HRESULT)(want)) {                                              \
            fprintf(stderr, "line %d: %s = 0x%08X, expected 0x%08X\n", __LINE__,    \
                    #expr, (unsigned)got_, (unsigned)(want));                       \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "line %d: %s is false\n", __LINE__, #cond);             \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

/* Logs on to the quickstart `Default` profile (a new session). */
static inline LPMAPISESSION logon_default(void) {
    LPMAPISESSION s = NULL;
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s),
           S_OK);
    return s;
}

/* The session's default store, opened with MAPI_BEST_ACCESS. */
static inline LPMDB open_default_store(LPMAPISESSION s) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    LPMDB store = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    EXPECT(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows; i++) {
        if (rows->aRow[i].lpProps[1].Value.b) {
            SBinary *id = &rows->aRow[i].lpProps[0].Value.bin;
            EXPECT(s->lpVtbl->OpenMsgStore(s, 0, id->cb, (LPENTRYID)id->lpb, NULL,
                                           MAPI_BEST_ACCESS, &store),
                   S_OK);
        }
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    CHECK(store != NULL);
    return store;
}

/* The store's receive folder for "IPM" (the Inbox), opened for writing. */
static inline LPMAPIFOLDER open_inbox(LPMDB store) {
    ULONG cb = 0, type = 0;
    LPENTRYID eid = NULL;
    LPMAPIFOLDER inbox = NULL;
    EXPECT(store->lpVtbl->GetReceiveFolder(store, (LPTSTR) "IPM", 0, &cb, &eid, NULL), S_OK);
    EXPECT(store->lpVtbl->OpenEntry(store, cb, eid, &IID_IMAPIFolder, MAPI_MODIFY, &type,
                                    (LPUNKNOWN *)&inbox),
           S_OK);
    CHECK(type == MAPI_FOLDER);
    MAPIFreeBuffer(eid);
    return inbox;
}

/* An object's PR_ENTRYID, a copy the caller frees with MAPIFreeBuffer. */
static inline void entry_id(LPMAPIPROP o, ULONG *cb, LPENTRYID *eid) {
    SizedSPropTagArray(1, t) = {1, {PR_ENTRYID}};
    ULONG n = 0;
    LPSPropValue v = NULL;
    EXPECT(o->lpVtbl->GetProps(o, (LPSPropTagArray)&t, 0, &n, &v), S_OK);
    CHECK(n == 1 && v[0].ulPropTag == PR_ENTRYID);
    EXPECT(MAPIAllocateBuffer(v[0].Value.bin.cb, (void **)eid), S_OK);
    memcpy(*eid, v[0].Value.bin.lpb, v[0].Value.bin.cb);
    *cb = v[0].Value.bin.cb;
    MAPIFreeBuffer(v);
}

/* One PT_LONG property of an object. */
static inline ULONG one_long(LPMAPIPROP o, ULONG tag) {
    SizedSPropTagArray(1, t) = {1, {tag}};
    ULONG n = 0, r;
    LPSPropValue v = NULL;
    EXPECT(o->lpVtbl->GetProps(o, (LPSPropTagArray)&t, 0, &n, &v), S_OK);
    CHECK(n == 1 && v[0].ulPropTag == tag);
    r = (ULONG)v[0].Value.l;
    MAPIFreeBuffer(v);
    return r;
}

/* A message made in `folder` with that subject, saved; its entry id out when `cb` is
 * not NULL (free it with MAPIFreeBuffer). */
static inline void save_message(LPMAPIFOLDER folder, const char *subject, ULONG *cb,
                                LPENTRYID *eid) {
    LPMESSAGE m = NULL;
    SPropValue p[2];
    EXPECT(folder->lpVtbl->CreateMessage(folder, NULL, 0, &m), S_OK);
    p[0].ulPropTag = PR_SUBJECT_A;
    p[0].Value.lpszA = (char *)subject;
    p[1].ulPropTag = PR_MESSAGE_CLASS_A;
    p[1].Value.lpszA = (char *)"IPM.Note";
    EXPECT(m->lpVtbl->SetProps(m, 2, p, NULL), S_OK);
    EXPECT(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    if (cb) entry_id((LPMAPIPROP)m, cb, eid);
    m->lpVtbl->Release(m);
}

/* Waits on `cv` (its mutex `lock` held by the caller) until *flag is non-zero or
 * `seconds` pass; returns *flag. */
static inline int wait_flag(pthread_mutex_t *lock, pthread_cond_t *cv, const int *flag,
                            int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    while (*flag == 0)
        if (pthread_cond_timedwait(cv, lock, &deadline) != 0) break;
    return *flag;
}
#endif
