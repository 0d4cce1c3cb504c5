/* The mapiutil functions from C: the SPropValue helpers (PpropFindProp, UlPropSize,
 * ScCountProps / ScCopyProps, PropCopyMore, LPropCompareProp), FreePadrlist,
 * MAPIGetDefaultMalloc, the advise-sink helpers, and HrGetOneProp / HrSetOneProp /
 * FPropExists over a store of the quickstart profile. Exits non-zero at the first
 * unexpected result; run under valgrind, nothing may leak. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "common.h"

#define PR_TEST_LONG PROP_TAG(PT_LONG, 0x6601)
#define PR_TEST_BIN PROP_TAG(PT_BINARY, 0x6602)
#define PR_TEST_MV PROP_TAG(PT_MV_STRING8, 0x6603)
#define PR_TEST_W PROP_TAG(PT_UNICODE, 0x6604)

static void values(void) {
    BYTE bytes[5] = {9, 8, 7, 6, 5};
    LPSTR strs[2] = {"one", "three"};
    SPropValue v[4];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = "subject";
    v[1].ulPropTag = PR_TEST_LONG;
    v[1].Value.l = 42;
    v[2].ulPropTag = PR_TEST_BIN;
    v[2].Value.bin.cb = sizeof bytes;
    v[2].Value.bin.lpb = bytes;
    v[3].ulPropTag = PR_TEST_MV;
    v[3].Value.MVszA.cValues = 2;
    v[3].Value.MVszA.lppszA = strs;

    /* PpropFindProp: the whole tag, or the id alone with PT_UNSPECIFIED. */
    CHECK(PpropFindProp(v, 4, PR_TEST_LONG) == &v[1]);
    CHECK(PpropFindProp(v, 4, PROP_TAG(PT_UNSPECIFIED, 0x0037)) == &v[0]);
    CHECK(PpropFindProp(v, 4, PR_SUBJECT_W) == NULL);
    CHECK(PpropFindProp(v, 1, PR_TEST_LONG) == NULL);
    CHECK(PpropFindProp(NULL, 4, PR_TEST_LONG) == NULL);

    /* UlPropSize: the value's own bytes. */
    CHECK(UlPropSize(&v[0]) == 8);
    CHECK(UlPropSize(&v[1]) == 4);
    CHECK(UlPropSize(&v[2]) == 5);
    CHECK(UlPropSize(&v[3]) == 4 + 6);
    SPropValue w = {PR_TEST_W, 0, {0}};
    w.Value.lpszW = L"abc";
    CHECK(UlPropSize(&w) == 4 * sizeof(wchar_t));
    LONG longs[3] = {1, 2, 3};
    SPropValue mvl = {PROP_TAG(PT_MV_LONG, 0x6605), 0, {0}};
    mvl.Value.MVl.cValues = 3;
    mvl.Value.MVl.lpl = longs;
    CHECK(UlPropSize(&mvl) == 12);

    /* ScCountProps / ScCopyProps: one block, the copies pointing inside it. */
    ULONG cb = 0, used = 0;
    EXPECT(ScCountProps(4, v, &cb), S_OK);
    CHECK(cb >= 4 * sizeof(SPropValue) + 8 + 5 + 2 * sizeof(LPSTR) + 4 + 6);
    EXPECT(ScCountProps(4, v, NULL), S_OK);
    char *block = malloc(cb);
    CHECK(block != NULL);
    EXPECT(ScCopyProps(4, v, block, &used), S_OK);
    CHECK(used == cb);
    LPSPropValue c = (LPSPropValue)block;
    CHECK(c[0].ulPropTag == PR_SUBJECT_A && strcmp(c[0].Value.lpszA, "subject") == 0);
    CHECK(c[0].Value.lpszA >= block && c[0].Value.lpszA < block + cb);
    CHECK(c[1].Value.l == 42);
    CHECK(c[2].Value.bin.cb == 5 && memcmp(c[2].Value.bin.lpb, bytes, 5) == 0);
    CHECK((char *)c[2].Value.bin.lpb >= block && (char *)c[2].Value.bin.lpb < block + cb);
    CHECK(c[3].Value.MVszA.cValues == 2 && strcmp(c[3].Value.MVszA.lppszA[1], "three") == 0);
    CHECK(c[3].Value.MVszA.lppszA[1] != strs[1]);
    for (int i = 0; i < 4; i++) CHECK(LPropCompareProp(&v[i], &c[i]) == 0);
    free(block);
    SPropValue bad = {PROP_TAG(0x0077, 0x6606), 0, {0}};
    EXPECT(ScCountProps(1, &bad, &cb), MAPI_E_INVALID_PARAMETER);

    /* PropCopyMore onto a MAPIAllocateBuffer root: freed with the root. */
    void *root = NULL;
    SPropValue dst[2];
    EXPECT(MAPIAllocateBuffer(16, &root), S_OK);
    EXPECT(PropCopyMore(&dst[0], &v[0], MAPIAllocateMore, root), S_OK);
    EXPECT(PropCopyMore(&dst[1], &v[3], MAPIAllocateMore, root), S_OK);
    CHECK(dst[0].Value.lpszA != v[0].Value.lpszA && strcmp(dst[0].Value.lpszA, "subject") == 0);
    CHECK(strcmp(dst[1].Value.MVszA.lppszA[0], "one") == 0);
    EXPECT(PropCopyMore(&dst[0], &v[0], NULL, root), MAPI_E_INVALID_PARAMETER);
    MAPIFreeBuffer(root);

    /* LPropCompareProp: orders values of one type. */
    SPropValue a = v[1], b = v[1];
    b.Value.l = 43;
    CHECK(LPropCompareProp(&a, &b) < 0 && LPropCompareProp(&b, &a) > 0);
    SPropValue s1 = v[0], s2 = v[0];
    s2.Value.lpszA = "subjects";
    CHECK(LPropCompareProp(&s1, &s2) < 0);
    s2.Value.lpszA = "subject";
    CHECK(LPropCompareProp(&s1, &s2) == 0);
    SPropValue b1 = v[2], b2 = v[2];
    BYTE more[5] = {9, 8, 7, 6, 6};
    b2.Value.bin.lpb = more;
    CHECK(LPropCompareProp(&b1, &b2) < 0);
    printf("property helpers: ok\n");
}

static void adrlist(void) {
    /* An ADRLIST as clients build one: the list a root, each entry's values a root with
     * their strings as children. FreePadrlist frees them all. */
    LPADRLIST list = NULL;
    EXPECT(MAPIAllocateBuffer(CbNewADRLIST(2), (void **)&list), S_OK);
    list->cEntries = 2;
    for (ULONG i = 0; i < 2; i++) {
        LPSPropValue pv = NULL;
        EXPECT(MAPIAllocateBuffer(2 * sizeof(SPropValue), (void **)&pv), S_OK);
        pv[0].ulPropTag = PR_DISPLAY_NAME_A;
        EXPECT(MAPIAllocateMore(16, pv, (void **)&pv[0].Value.lpszA), S_OK);
        snprintf(pv[0].Value.lpszA, 16, "user %u", i);
        pv[1].ulPropTag = PR_TEST_LONG;
        pv[1].Value.l = (LONG)i;
        list->aEntries[i].cValues = 2;
        list->aEntries[i].rgPropVals = pv;
    }
    FreePadrlist(list);
    FreePadrlist(NULL);
    printf("FreePadrlist: ok\n");
}

static void imalloc(void) {
    LPMALLOC m = MAPIGetDefaultMalloc();
    CHECK(m != NULL && m == MAPIGetDefaultMalloc());
    void *p = IMalloc_Alloc(m, 100);
    CHECK(p != NULL);
    memset(p, 1, 100);
    CHECK(m->lpVtbl->GetSize(m, p) >= 100);
    p = m->lpVtbl->Realloc(m, p, 300);
    CHECK(p != NULL);
    memset(p, 2, 300);
    m->lpVtbl->Free(m, p);
    LPUNKNOWN unk = NULL;
    EXPECT(m->lpVtbl->QueryInterface(m, &IID_IMalloc, (void **)&unk), S_OK);
    CHECK((void *)unk == (void *)m);
    EXPECT(m->lpVtbl->QueryInterface(m, &IID_IMAPITable, (void **)&unk), MAPI_E_INTERFACE_NOT_SUPPORTED);
    printf("IMalloc: ok\n");
}

struct seen {
    int calls;
    ULONG last_event;
};

static LONG STDAPICALLTYPE callback(LPVOID ctx, ULONG n, LPNOTIFICATION ns) {
    struct seen *s = ctx;
    s->calls++;
    s->last_event = n ? ns[n - 1].ulEventType : 0;
    return 0;
}

static void sinks(void) {
    struct seen seen = {0, 0};
    LPMAPIADVISESINK sink = NULL, same = NULL;
    EXPECT(HrAllocAdviseSink(NULL, &seen, &sink), MAPI_E_INVALID_PARAMETER);
    EXPECT(HrAllocAdviseSink(callback, &seen, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(HrAllocAdviseSink(callback, &seen, &sink), S_OK);
    NOTIFICATION n[2];
    memset(n, 0, sizeof n);
    n[0].ulEventType = fnevNewMail;
    n[1].ulEventType = fnevExtended;
    CHECK(IMAPIAdviseSink_OnNotify(sink, 2, n) == 0);
    CHECK(seen.calls == 1 && seen.last_event == fnevExtended);
    LPUNKNOWN unk = NULL;
    EXPECT(sink->lpVtbl->QueryInterface(sink, &IID_IMAPIAdviseSink, (void **)&unk), S_OK);
    CHECK(unk->lpVtbl->Release(unk) == 1);
    EXPECT(HrThisThreadAdviseSink(sink, &same), S_OK);
    CHECK(same == sink);
    CHECK(same->lpVtbl->Release(same) == 1);
    EXPECT(HrThisThreadAdviseSink(NULL, &same), MAPI_E_INVALID_PARAMETER);
    EXPECT(HrDispatchNotifications(0), S_OK);
    CHECK(sink->lpVtbl->Release(sink) == 0);
    printf("advise sinks: ok\n");
}

static void one_prop(void) {
    LPMAPISESSION s = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    LPMDB mdb = NULL;
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s), S_OK);
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    EXPECT(IMAPISession_GetMsgStoresTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows; i++) {
        if (!rows->aRow[i].lpProps[1].Value.b) continue;
        SBinary *eid = &rows->aRow[i].lpProps[0].Value.bin;
        EXPECT(IMAPISession_OpenMsgStore(s, 0, eid->cb, (LPENTRYID)eid->lpb, NULL, 0, &mdb), S_OK);
    }
    CHECK(mdb != NULL);
    FreeProws(rows);
    IMAPITable_Release(t);

    LPSPropValue p = NULL;
    EXPECT(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &p), S_OK);
    CHECK(p->ulPropTag == PR_DISPLAY_NAME_A);
    printf("HrGetOneProp: %s\n", p->Value.lpszA);
    MAPIFreeBuffer(p);
    EXPECT(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_W, &p), S_OK);
    CHECK(wcscmp((const wchar_t *)p->Value.lpszW, L"Personal Folders") == 0);
    MAPIFreeBuffer(p);
    p = (LPSPropValue)1;
    EXPECT(HrGetOneProp((LPMAPIPROP)mdb, PR_SUBJECT_A, &p), MAPI_E_NOT_FOUND);
    CHECK(p == NULL);
    EXPECT(HrGetOneProp(NULL, PR_DISPLAY_NAME_A, &p), MAPI_E_INVALID_PARAMETER);
    EXPECT(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, NULL), MAPI_E_INVALID_PARAMETER);

    CHECK(FPropExists((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A));
    CHECK(FPropExists((LPMAPIPROP)mdb, PROP_TAG(PT_UNSPECIFIED, 0x3001)));
    CHECK(!FPropExists((LPMAPIPROP)mdb, PR_SUBJECT_A));
    CHECK(!FPropExists(NULL, PR_DISPLAY_NAME_A));

    /* HrSetOneProp answers what the object's SetProps does with one value. */
    SPropValue v = {PR_TEST_LONG, 0, {0}};
    v.Value.l = 7;
    LPSPropProblemArray problems = NULL;
    HRESULT direct = IMsgStore_SetProps(mdb, 1, &v, &problems);
    HRESULT want = direct;
    if (SUCCEEDED(direct) && problems && problems->cProblem) want = problems->aProblem[0].scode;
    MAPIFreeBuffer(problems);
    EXPECT(HrSetOneProp((LPMAPIPROP)mdb, &v), want);
    EXPECT(HrSetOneProp((LPMAPIPROP)mdb, NULL), MAPI_E_INVALID_PARAMETER);
    printf("HrSetOneProp: 0x%08X\n", (unsigned)want);

    IMsgStore_Release(mdb);
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), S_OK);
    IMAPISession_Release(s);
}

int main(void) {
    /* The value helpers need no MAPIInitialize. */
    values();
    imalloc();
    sinks();
    EXPECT(MAPIInitialize(NULL), S_OK);
    adrlist();
    one_prop();
    MAPIUninitialize();
    printf("mapiutil ok\n");
    return 0;
}
