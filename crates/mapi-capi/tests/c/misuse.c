/* Misuse from C gets statuses, never a crash: NULL out-pointers and a NULL This
 * (MAPI_E_INVALID_PARAMETER), objects used after Logoff (MAPI_E_END_OF_SESSION) and after
 * the last MAPIUninitialize (MAPI_E_NOT_INITIALIZED), two threads on one session at once,
 * and a Logoff from one thread while another is working. Exits non-zero at the first
 * unexpected result. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

#define INVALID MAPI_E_INVALID_PARAMETER

static LPMAPISESSION logon(void) {
    LPMAPISESSION s = NULL;
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s), S_OK);
    return s;
}

static LPMDB open_default(LPMAPISESSION s) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    LPMDB mdb = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    HRESULT hr = IMAPISession_GetMsgStoresTable(s, 0, &t);
    if (hr != S_OK) return NULL;
    hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    if (hr == S_OK) {
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

static void null_pointers(LPMAPISESSION s, LPMDB mdb) {
    LPMAPITABLE t = NULL;
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE, NULL), INVALID);
    EXPECT(MAPIAllocateBuffer(8, NULL), INVALID);
    EXPECT(IMAPISession_GetMsgStoresTable(s, 0, NULL), INVALID);
    EXPECT(IMAPISession_GetStatusTable(s, 0, NULL), INVALID);
    EXPECT(IMAPISession_GetLastError(s, S_OK, 0, NULL), INVALID);
    EXPECT(IMAPISession_OpenMsgStore(s, 0, 0, NULL, NULL, 0, NULL), INVALID);
    EXPECT(IMAPISession_Advise(s, 0, NULL, fnevExtended, NULL, NULL), INVALID);
    EXPECT(s->lpVtbl->QueryInterface(s, &IID_IUnknown, NULL), INVALID);
    EXPECT(s->lpVtbl->QueryInterface(s, NULL, (void **)&t), INVALID);
    /* A NULL This is refused too. */
    EXPECT(s->lpVtbl->GetMsgStoresTable(NULL, 0, &t), INVALID);

    EXPECT(IMAPISession_GetStatusTable(s, 0, &t), S_OK);
    ULONG a = 0, b = 0;
    EXPECT(IMAPITable_GetRowCount(t, 0, NULL), INVALID);
    EXPECT(IMAPITable_QueryRows(t, 1, 0, NULL), INVALID);
    EXPECT(IMAPITable_QueryColumns(t, 0, NULL), INVALID);
    EXPECT(IMAPITable_CreateBookmark(t, NULL), INVALID);
    EXPECT(IMAPITable_QueryPosition(t, NULL, &a, &b), INVALID);
    EXPECT(IMAPITable_QuerySortOrder(t, NULL), INVALID);
    EXPECT(IMAPITable_GetStatus(t, NULL, &a), INVALID);
    EXPECT(IMAPITable_SetColumns(t, NULL, 0), INVALID);
    EXPECT(IMAPITable_SortTable(t, NULL, 0), INVALID);
    EXPECT(IMAPITable_FindRow(t, NULL, BOOKMARK_BEGINNING, 0), INVALID);
    EXPECT(IMAPITable_Advise(t, fnevTableModified, NULL, NULL), INVALID);
    EXPECT(t->lpVtbl->GetRowCount(NULL, 0, &a), INVALID);
    EXPECT(HrQueryAllRows(t, NULL, NULL, NULL, 0, NULL), INVALID);
    EXPECT(HrQueryAllRows(NULL, NULL, NULL, NULL, 0, (LPSRowSet *)&t), INVALID);
    IMAPITable_Release(t);

    ULONG c = 0;
    LPSPropValue v = NULL;
    EXPECT(IMsgStore_GetProps(mdb, NULL, 0, NULL, &v), INVALID);
    EXPECT(IMsgStore_GetProps(mdb, NULL, 0, &c, NULL), INVALID);
    EXPECT(IMsgStore_GetPropList(mdb, 0, NULL), INVALID);
    EXPECT(IMsgStore_GetReceiveFolder(mdb, NULL, 0, NULL, NULL, NULL), INVALID);
    EXPECT(IMsgStore_StoreLogoff(mdb, NULL), INVALID);
    EXPECT(IMsgStore_Advise(mdb, 0, NULL, fnevNewMail, NULL, NULL), INVALID);
    EXPECT(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, NULL), INVALID);
    EXPECT(HrAllocAdviseSink(NULL, NULL, NULL), INVALID);
    /* A NULL release or AddRef is a no-op answering 0. */
    CHECK(s->lpVtbl->AddRef(NULL) == 0);
    CHECK(s->lpVtbl->Release(NULL) == 0);
    printf("NULL pointers: MAPI_E_INVALID_PARAMETER\n");
}

/* Pointers MAPIAllocateBuffer did not hand out: misaligned ones, one into the middle of
 * a buffer, a child given to MAPIFreeBuffer, and one from malloc are refused with
 * MAPI_E_INVALID_PARAMETER; the real buffer is untouched and still frees. */
static void bad_buffers(void) {
    LPBYTE buf = NULL, kid = NULL;
    void *more = NULL;
    EXPECT(MAPIAllocateBuffer(96, (LPVOID *)&buf), S_OK);
    memset(buf, 0x5a, 96);
    EXPECT(MAPIAllocateMore(16, buf, (LPVOID *)&kid), S_OK);
    for (int off = 1; off < 8; off++) {
        EXPECT(MAPIFreeBuffer(buf + off), INVALID);
        EXPECT(MAPIAllocateMore(8, buf + off, &more), INVALID);
    }
    EXPECT(MAPIFreeBuffer(buf + 48), INVALID);
    EXPECT(MAPIAllocateMore(8, buf + 48, &more), INVALID);
    EXPECT(MAPIFreeBuffer(kid), INVALID);
    LPBYTE heap = malloc(128);
    CHECK(heap != NULL);
    memset(heap, 0, 128);
    EXPECT(MAPIFreeBuffer(heap + 64), INVALID);
    EXPECT(MAPIFreeBuffer(heap + 65), INVALID);
    free(heap);
    EXPECT(MAPIFreeBuffer((LPVOID)(uintptr_t)8), INVALID);
    for (int i = 0; i < 96; i++) CHECK(buf[i] == 0x5a);
    EXPECT(MAPIFreeBuffer(buf), S_OK);
    printf("bad buffers: MAPI_E_INVALID_PARAMETER\n");
}

/* Worker of the concurrent phase: every call either works or gives a status. */
struct work {
    LPMAPISESSION s;
    LPMDB mdb;
    int rounds;
    int ok, ended;
    int bad;
};

/* A call that answered neither S_OK nor MAPI_E_END_OF_SESSION: counted and named. */
static void bad(struct work *w, const char *call, HRESULT hr) {
    w->bad++;
    printf("unexpected: %s answered 0x%08lx\n", call, (unsigned long)hr);
}

static void *worker(void *arg) {
    struct work *w = arg;
    for (int i = 0; i < w->rounds; i++) {
        LPMAPITABLE t = NULL;
        ULONG n = 0, c = 0;
        HRESULT hr = IMAPISession_GetStatusTable(w->s, 0, &t);
        if (hr == S_OK) {
            HRESULT h2 = IMAPITable_GetRowCount(t, 0, &n);
            if (h2 != S_OK && h2 != MAPI_E_END_OF_SESSION) bad(w, "GetRowCount", h2);
            LPSRowSet rows = NULL;
            h2 = IMAPITable_QueryRows(t, 10, 0, &rows);
            if (h2 == S_OK) FreeProws(rows);
            else if (h2 != MAPI_E_END_OF_SESSION) bad(w, "QueryRows", h2);
            IMAPITable_Release(t);
            w->ok++;
        } else if (hr == MAPI_E_END_OF_SESSION) {
            w->ended++;
        } else {
            bad(w, "GetStatusTable", hr);
        }
        LPSPropValue v = NULL;
        SizedSPropTagArray(1, tags) = {1, {PR_DISPLAY_NAME_A}};
        hr = IMsgStore_GetProps(w->mdb, (LPSPropTagArray)&tags, 0, &c, &v);
        if (SUCCEEDED(hr)) MAPIFreeBuffer(v);
        else if (hr != MAPI_E_END_OF_SESSION) bad(w, "IMsgStore::GetProps", hr);
        LPMDB other = open_default(w->s);
        if (other) IMsgStore_Release(other);
    }
    return NULL;
}

static void two_threads(LPMAPISESSION s, LPMDB mdb) {
    struct work a = {s, mdb, 15, 0, 0, 0}, b = {s, mdb, 15, 0, 0, 0};
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, worker, &a) == 0);
    CHECK(pthread_create(&tb, NULL, worker, &b) == 0);
    CHECK(pthread_join(ta, NULL) == 0 && pthread_join(tb, NULL) == 0);
    CHECK(a.bad == 0 && b.bad == 0);
    CHECK(a.ok == 15 && b.ok == 15);
    printf("two threads on one session: %d + %d rounds\n", a.ok, b.ok);
}

static void logoff_while_working(void) {
    LPMAPISESSION s = logon();
    LPMDB mdb = open_default(s);
    CHECK(mdb != NULL);
    struct work w = {s, mdb, 40, 0, 0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, &w) == 0);
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), S_OK);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(w.bad == 0);
    CHECK(w.ok + w.ended == 40);
    printf("logoff while another thread works: statuses only\n");
    IMsgStore_Release(mdb);
    IMAPISession_Release(s);
}

int main(void) {
    LPMAPISESSION s = NULL;
    /* Before MAPIInitialize. */
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE, &s), MAPI_E_NOT_INITIALIZED);
    EXPECT(MAPIInitialize(NULL), S_OK);
    s = logon();
    LPMDB mdb = open_default(s);
    CHECK(mdb != NULL);
    null_pointers(s, mdb);
    bad_buffers();
    two_threads(s, mdb);

    /* After Logoff: the session and the tables it gave answer MAPI_E_END_OF_SESSION. */
    LPMAPITABLE t = NULL;
    EXPECT(IMAPISession_GetStatusTable(s, 0, &t), S_OK);
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), S_OK);
    ULONG n = 0;
    LPMAPITABLE t2 = NULL;
    LPSRowSet rows = NULL;
    ULONG_PTR conn = 0;
    EXPECT(IMAPISession_GetMsgStoresTable(s, 0, &t2), MAPI_E_END_OF_SESSION);
    EXPECT(IMAPISession_GetStatusTable(s, 0, &t2), MAPI_E_END_OF_SESSION);
    EXPECT(IMAPISession_OpenMsgStore(s, 0, 0, NULL, NULL, 0, &mdb), MAPI_E_END_OF_SESSION);
    EXPECT(IMAPISession_Unadvise(s, 1), MAPI_E_END_OF_SESSION);
    EXPECT(IMAPISession_Advise(s, 0, NULL, fnevExtended, NULL, &conn), MAPI_E_END_OF_SESSION);
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), MAPI_E_END_OF_SESSION);
    EXPECT(IMAPITable_GetRowCount(t, 0, &n), MAPI_E_END_OF_SESSION);
    EXPECT(IMAPITable_QueryRows(t, 1, 0, &rows), MAPI_E_END_OF_SESSION);
    printf("after Logoff: MAPI_E_END_OF_SESSION\n");

    /* After the last MAPIUninitialize every object answers MAPI_E_NOT_INITIALIZED. */
    LPMAPISESSION s2 = logon();
    LPMDB mdb2 = open_default(s2);
    CHECK(mdb2 != NULL);
    MAPIUninitialize();
    ULONG c = 0;
    LPSPropValue v = NULL;
    EXPECT(IMAPISession_GetStatusTable(s2, 0, &t2), MAPI_E_NOT_INITIALIZED);
    EXPECT(IMAPISession_Logoff(s2, 0, 0, 0), MAPI_E_NOT_INITIALIZED);
    EXPECT(IMsgStore_GetProps(mdb2, NULL, 0, &c, &v), MAPI_E_NOT_INITIALIZED);
    EXPECT(IMsgStore_Advise(mdb2, 0, NULL, fnevNewMail, NULL, &conn), MAPI_E_NOT_INITIALIZED);
    EXPECT(IMAPITable_GetRowCount(t, 0, &n), MAPI_E_NOT_INITIALIZED);
    EXPECT(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), MAPI_E_NOT_INITIALIZED);
    EXPECT(HrGetOneProp((LPMAPIPROP)mdb2, PR_DISPLAY_NAME_A, &v), MAPI_E_NOT_INITIALIZED);
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE, &s), MAPI_E_NOT_INITIALIZED);
    printf("after MAPIUninitialize: MAPI_E_NOT_INITIALIZED\n");
    /* Releasing still works (and logs the session off). */
    IMAPITable_Release(t);
    IMsgStore_Release(mdb);
    IMsgStore_Release(mdb2);
    IMAPISession_Release(s);
    IMAPISession_Release(s2);

    EXPECT(MAPIInitialize(NULL), S_OK);
    logoff_while_working();
    MAPIUninitialize();
    printf("misuse ok\n");
    return 0;
}
