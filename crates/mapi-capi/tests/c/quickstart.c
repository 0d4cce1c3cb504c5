/* Logs on to the quickstart profile through libmapi and exercises what the library
 * really implements: the allocator, MAPILogonEx (char* and wchar_t* names), IUnknown,
 * the stores and status tables (QueryRows paging, bookmarks, SeekRow, QueryPosition,
 * SortTable, Restrict, FindRow), OpenMsgStore + GetProps, GetLastError, HrQueryAllRows,
 * FreeProws, Logoff and MAPIUninitialize, and the statuses misuse gets. Prints what it
 * reads; exits non-zero at the first unexpected result. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include "common.h"

static int failures = 0;

static void print_row(const char *what, const SRow *row) {
    printf("%s:", what);
    for (ULONG i = 0; i < row->cValues; i++) {
        const SPropValue *v = &row->lpProps[i];
        switch (PROP_TYPE(v->ulPropTag)) {
        case PT_STRING8: printf(" [%08X] %s", v->ulPropTag, v->Value.lpszA); break;
        case PT_UNICODE: printf(" [%08X] %ls", v->ulPropTag, (const wchar_t *)v->Value.lpszW); break;
        case PT_LONG: printf(" [%08X] %d", v->ulPropTag, v->Value.l); break;
        case PT_BOOLEAN: printf(" [%08X] %s", v->ulPropTag, v->Value.b ? "true" : "false"); break;
        case PT_BINARY: printf(" [%08X] %u bytes", v->ulPropTag, v->Value.bin.cb); break;
        case PT_ERROR: printf(" [%08X] error 0x%08X", v->ulPropTag, (unsigned)v->Value.err); break;
        default: printf(" [%08X] (type %04X)", v->ulPropTag, PROP_TYPE(v->ulPropTag)); break;
        }
    }
    printf("\n");
}

static void allocator(void) {
    void *root = NULL, *kid = NULL;
    EXPECT(MAPIAllocateBuffer(64, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(MAPIAllocateBuffer(64, &root), S_OK);
    for (int i = 0; i < 3; i++) {
        EXPECT(MAPIAllocateMore(100 + i, root, &kid), S_OK);
        memset(kid, 0x5A, 100 + i);
    }
    /* A child of a child still belongs to the root. */
    EXPECT(MAPIAllocateMore(8, kid, &kid), S_OK);
    EXPECT(MAPIAllocateMore(8, NULL, &kid), MAPI_E_INVALID_PARAMETER);
    CHECK(MAPIFreeBuffer(root) == 0);
    CHECK(MAPIFreeBuffer(NULL) == 0);
}

static void stores(LPMAPISESSION s) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(3, cols) = {3, {PR_DISPLAY_NAME_A, PR_ENTRYID, PR_DEFAULT_STORE}};
    EXPECT(s->lpVtbl->GetMsgStoresTable(s, 0, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(IMAPISession_GetMsgStoresTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    CHECK(rows->cRows >= 1);
    ULONG def = rows->cRows;
    for (ULONG i = 0; i < rows->cRows; i++) {
        print_row("store", &rows->aRow[i]);
        CHECK(rows->aRow[i].cValues == 3);
        if (rows->aRow[i].lpProps[2].Value.b) def = i;
    }
    CHECK(def < rows->cRows);
    /* The default store opens by its entry id; its properties come back in one root. */
    LPMDB mdb = NULL;
    SBinary *eid = &rows->aRow[def].lpProps[1].Value.bin;
    EXPECT(IMAPISession_OpenMsgStore(s, 0, eid->cb, (LPENTRYID)eid->lpb, NULL, 0, NULL),
           MAPI_E_INVALID_PARAMETER);
    BYTE bogus[4] = {1, 2, 3, 4};
    EXPECT(IMAPISession_OpenMsgStore(s, 0, 4, (LPENTRYID)bogus, NULL, 0, &mdb),
           MAPI_E_INVALID_ENTRYID);
    EXPECT(IMAPISession_OpenMsgStore(s, 0, eid->cb, (LPENTRYID)eid->lpb, &IID_IMAPITable, 0, &mdb),
           MAPI_E_INTERFACE_NOT_SUPPORTED);
    EXPECT(IMAPISession_OpenMsgStore(s, 0, eid->cb, (LPENTRYID)eid->lpb, &IID_IMsgStore, 0, &mdb),
           S_OK);
    SizedSPropTagArray(2, sp) = {2, {PR_DISPLAY_NAME_W, PR_IPM_SUBTREE_ENTRYID}};
    ULONG n = 0;
    LPSPropValue props = NULL;
    HRESULT hr = IMsgStore_GetProps(mdb, (LPSPropTagArray)&sp, MAPI_UNICODE, &n, &props);
    CHECK(hr == S_OK || hr == MAPI_W_ERRORS_RETURNED);
    CHECK(n == 2 && PROP_TYPE(props[0].ulPropTag) == PT_UNICODE);
    printf("default store: %ls\n", (const wchar_t *)props[0].Value.lpszW);
    MAPIFreeBuffer(props);
    LPMAPIPROP prop = NULL;
    EXPECT(mdb->lpVtbl->QueryInterface(mdb, &IID_IMAPIProp, (void **)&prop), S_OK);
    CHECK((void *)prop == (void *)mdb);
    prop->lpVtbl->Release(prop);
    ULONG cookie = 0;
    (void)cookie;
    /* A slot this library leaves out still answers (with the stub's status). */
    EXPECT(IMsgStore_SetLockState(mdb, NULL, 0), MAPI_E_NO_SUPPORT);
    EXPECT(IMsgStore_OpenEntry(mdb, 0, NULL, NULL, 0, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    /* The receive folder of IPM messages, and of "" (the default), is the same folder. */
    ULONG cb1 = 0, cb2 = 0;
    LPENTRYID in1 = NULL, in2 = NULL;
    LPTSTR cls = NULL;
    EXPECT(IMsgStore_GetReceiveFolder(mdb, (LPTSTR) "IPM.Note", 0, &cb1, &in1, &cls), S_OK);
    EXPECT(IMsgStore_GetReceiveFolder(mdb, NULL, 0, &cb2, &in2, NULL), S_OK);
    CHECK(cb1 > 0 && cb1 == cb2 && memcmp(in1, in2, cb1) == 0);
    printf("receive folder of IPM.Note: %u-byte entry id, class \"%s\"\n", cb1, (char *)cls);
    MAPIFreeBuffer(in1);
    MAPIFreeBuffer(in2);
    MAPIFreeBuffer(cls);
    EXPECT(IMsgStore_GetReceiveFolder(mdb, NULL, 0, NULL, &in2, NULL), MAPI_E_INVALID_PARAMETER);
    ULONG lf = 0;
    EXPECT(IMsgStore_StoreLogoff(mdb, &lf), S_OK);
    CHECK(IMsgStore_Release(mdb) == 0);
    FreeProws(rows);
    CHECK(IMAPITable_Release(t) == 0);
}

static void status(LPMAPISESSION s) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    ULONG count = 0, row = 0, num = 0, den = 0;
    BOOKMARK mark = 0;
    LONG sought = 0;
    SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_W, PR_RESOURCE_TYPE}};
    EXPECT(IMAPISession_GetStatusTable(s, MAPI_UNICODE, &t), S_OK);
    EXPECT(IMAPITable_SetColumns(t, NULL, 0), MAPI_E_INVALID_PARAMETER);
    EXPECT(IMAPITable_SetColumns(t, (LPSPropTagArray)&cols, 0), S_OK);
    EXPECT(IMAPITable_GetRowCount(t, 0, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(IMAPITable_GetRowCount(t, 0, &count), S_OK);
    CHECK(count >= 2);
    printf("status rows: %u\n", count);
    LPSPropTagArray got = NULL;
    EXPECT(IMAPITable_QueryColumns(t, 0, &got), S_OK);
    CHECK(got->cValues == 2 && got->aulPropTag[0] == PR_DISPLAY_NAME_W);
    MAPIFreeBuffer(got);

    /* Page one row at a time; a bookmark after the first. */
    EXPECT(IMAPITable_QueryRows(t, 1, 0, &rows), S_OK);
    CHECK(rows->cRows == 1);
    print_row("status", &rows->aRow[0]);
    FreeProws(rows);
    EXPECT(IMAPITable_CreateBookmark(t, &mark), S_OK);
    EXPECT(IMAPITable_QueryRows(t, 1, 0, &rows), S_OK);
    CHECK(rows->cRows == 1);
    wchar_t second[256];
    wcsncpy(second, (const wchar_t *)rows->aRow[0].lpProps[0].Value.lpszW, 255);
    second[255] = 0;
    print_row("status", &rows->aRow[0]);
    FreeProws(rows);
    for (;;) {
        EXPECT(IMAPITable_QueryRows(t, 1, 0, &rows), S_OK);
        ULONG got_rows = rows->cRows;
        if (got_rows) print_row("status", &rows->aRow[0]);
        FreeProws(rows);
        if (!got_rows) break;
    }
    EXPECT(IMAPITable_QueryPosition(t, &row, &num, &den), S_OK);
    CHECK(row == count);
    EXPECT(IMAPITable_SeekRow(t, mark, 0, &sought), S_OK);
    EXPECT(IMAPITable_QueryPosition(t, &row, &num, &den), S_OK);
    CHECK(row == 1);
    EXPECT(IMAPITable_QueryRows(t, 1, 0, &rows), S_OK);
    CHECK(rows->cRows == 1 && wcscmp(second, (const wchar_t *)rows->aRow[0].lpProps[0].Value.lpszW) == 0);
    FreeProws(rows);
    EXPECT(IMAPITable_FreeBookmark(t, mark), S_OK);
    EXPECT(IMAPITable_SeekRow(t, mark, 0, &sought), MAPI_E_INVALID_BOOKMARK);
    /* The failure is explained by GetLastError, in the width asked for. */
    LPMAPIERROR err = NULL;
    EXPECT(IMAPITable_GetLastError(t, MAPI_E_INVALID_BOOKMARK, 0, &err), S_OK);
    CHECK(err != NULL && strstr(err->lpszError, "MAPI_E_INVALID_BOOKMARK") != NULL);
    printf("last error: %s (%s)\n", err->lpszError, err->lpszComponent);
    MAPIFreeBuffer(err);
    EXPECT(IMAPITable_GetLastError(t, MAPI_E_INVALID_BOOKMARK, MAPI_UNICODE, &err), S_OK);
    CHECK(err != NULL && wcsstr((const wchar_t *)err->lpszError, L"MAPI_E_INVALID_BOOKMARK") != NULL);
    MAPIFreeBuffer(err);
    EXPECT(IMAPITable_SeekRow(t, BOOKMARK_BEGINNING, 1, &sought), S_OK);
    CHECK(sought == 1);
    EXPECT(IMAPITable_SeekRow(t, BOOKMARK_END, -1, NULL), S_OK);
    EXPECT(IMAPITable_QueryPosition(t, &row, &num, &den), S_OK);
    CHECK(row == count - 1);

    /* Sort descending by name; the order is reported back. */
    SSortOrderSet sort = {1, 0, 0, {{PR_DISPLAY_NAME_W, TABLE_SORT_DESCEND}}};
    EXPECT(IMAPITable_SortTable(t, &sort, 0), S_OK);
    LPSSortOrderSet have = NULL;
    EXPECT(IMAPITable_QuerySortOrder(t, &have), S_OK);
    CHECK(have->cSorts == 1 && have->aSort[0].ulOrder == TABLE_SORT_DESCEND);
    MAPIFreeBuffer(have);
    EXPECT(IMAPITable_QueryRows(t, 2, 0, &rows), S_OK);
    CHECK(rows->cRows == 2);
    CHECK(wcscmp((const wchar_t *)rows->aRow[0].lpProps[0].Value.lpszW,
                 (const wchar_t *)rows->aRow[1].lpProps[0].Value.lpszW) >= 0);
    FreeProws(rows);
    SSortOrderSet cat = {1, 1, 1, {{PR_DISPLAY_NAME_W, TABLE_SORT_ASCEND}}};
    EXPECT(IMAPITable_SortTable(t, &cat, 0), MAPI_E_TOO_COMPLEX);

    /* Restrict to rows whose name is the second one; FindRow finds it. */
    SPropValue name = {PR_DISPLAY_NAME_W, 0, {0}};
    name.Value.lpszW = second;
    SRestriction eq;
    memset(&eq, 0, sizeof eq);
    eq.rt = RES_PROPERTY;
    eq.res.resProperty.relop = RELOP_EQ;
    eq.res.resProperty.ulPropTag = PR_DISPLAY_NAME_W;
    eq.res.resProperty.lpProp = &name;
    EXPECT(IMAPITable_FindRow(t, &eq, BOOKMARK_BEGINNING, 0), S_OK);
    EXPECT(IMAPITable_Restrict(t, &eq, 0), S_OK);
    EXPECT(IMAPITable_GetRowCount(t, 0, &count), S_OK);
    CHECK(count >= 1);
    SRestriction cnt;
    memset(&cnt, 0, sizeof cnt);
    cnt.rt = RES_COUNT;
    EXPECT(IMAPITable_Restrict(t, &cnt, 0), MAPI_E_TOO_COMPLEX);
    EXPECT(IMAPITable_Restrict(t, NULL, 0), S_OK);

    /* Every slot exists; the ones not implemented say so. */
    ULONG_PTR conn = 0;
    EXPECT(IMAPITable_Advise(t, fnevTableModified, NULL, &conn), MAPI_E_NO_SUPPORT);
    /* SeekRowApprox works: half-way through the status rows, then back to the start. */
    EXPECT(IMAPITable_SeekRowApprox(t, 1, 2), S_OK);
    EXPECT(IMAPITable_QueryPosition(t, &row, &num, &den), S_OK);
    CHECK(row > 0);
    EXPECT(IMAPITable_SeekRowApprox(t, 0, 1), S_OK);
    EXPECT(IMAPITable_QueryPosition(t, &row, &num, &den), S_OK);
    CHECK(row == 0);
    EXPECT(IMAPITable_Abort(t), S_OK);
    LPUNKNOWN unk = NULL;
    EXPECT(IMAPITable_QueryInterface(t, &IID_IUnknown, (void **)&unk), S_OK);
    CHECK(unk->lpVtbl->AddRef(unk) == 3);
    CHECK(unk->lpVtbl->Release(unk) == 2);
    CHECK(unk->lpVtbl->Release(unk) == 1);
    EXPECT(IMAPITable_QueryInterface(t, &IID_IMAPISession, (void **)&unk), MAPI_E_INTERFACE_NOT_SUPPORTED);
    CHECK(unk == NULL);
    CHECK(IMAPITable_Release(t) == 0);
}

/* Two threads on one session at once: each opens, counts and releases tables. */
static void *hammer(void *arg) {
    LPMAPISESSION s = (LPMAPISESSION)arg;
    for (int i = 0; i < 25; i++) {
        LPMAPITABLE t = NULL;
        ULONG n = 0;
        if (IMAPISession_GetStatusTable(s, 0, &t) != S_OK) return (void *)1;
        if (IMAPITable_GetRowCount(t, 0, &n) != S_OK || n < 2) return (void *)1;
        IMAPISession_AddRef(s);
        IMAPISession_Release(s);
        if (IMAPITable_Release(t) != 0) return (void *)1;
    }
    return NULL;
}

static void threads(LPMAPISESSION s) {
    pthread_t a, b;
    void *ra = NULL, *rb = NULL;
    CHECK(pthread_create(&a, NULL, hammer, s) == 0);
    CHECK(pthread_create(&b, NULL, hammer, s) == 0);
    CHECK(pthread_join(a, &ra) == 0 && pthread_join(b, &rb) == 0);
    CHECK(ra == NULL && rb == NULL);
    printf("two threads on one session: ok\n");
}

int main(void) {
    LPMAPISESSION s = NULL;
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE, &s), MAPI_E_NOT_INITIALIZED);
    MAPIINIT_0 init = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};
    MAPIINIT_0 bad = {7, 0};
    EXPECT(MAPIInitialize(&bad), MAPI_E_VERSION);
    EXPECT(MAPIInitialize(NULL), S_OK);
    EXPECT(MAPIInitialize(&init), S_OK);
    allocator();

    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(MAPILogonEx(0, (LPTSTR) "No Such Profile", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s),
           MAPI_E_LOGON_FAILED);
    /* A char* profile name, then a wchar_t* one with MAPI_UNICODE. */
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s), S_OK);
    stores(s);
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), S_OK);
    LPMAPITABLE t = NULL;
    EXPECT(IMAPISession_GetMsgStoresTable(s, 0, &t), MAPI_E_END_OF_SESSION);
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), MAPI_E_END_OF_SESSION);
    CHECK(IMAPISession_Release(s) == 0);

    EXPECT(MAPILogonEx(0, (LPTSTR)L"Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION | MAPI_UNICODE, &s), S_OK);
    status(s);
    threads(s);
    LPADRBOOK ab = NULL;
    EXPECT(IMAPISession_OpenAddressBook(s, 0, NULL, 0, &ab), S_OK);
    CHECK(IAddrBook_Release(ab) == 0);
    /* A table kept past Logoff answers MAPI_E_END_OF_SESSION. */
    EXPECT(IMAPISession_GetStatusTable(s, 0, &t), S_OK);
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), S_OK);
    ULONG count = 0;
    EXPECT(IMAPITable_GetRowCount(t, 0, &count), MAPI_E_END_OF_SESSION);
    IMAPISession_Release(s);

    MAPIUninitialize();
    EXPECT(IMAPITable_GetRowCount(t, 0, &count), MAPI_E_END_OF_SESSION);
    MAPIUninitialize();
    /* After the last MAPIUninitialize. */
    EXPECT(IMAPITable_GetRowCount(t, 0, &count), MAPI_E_NOT_INITIALIZED);
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE, &s), MAPI_E_NOT_INITIALIZED);
    CHECK(IMAPITable_Release(t) == 0);
    MAPIUninitialize(); /* one too many: harmless */
    printf("ok (%d failures)\n", failures);
    return 0;
}
