/* The address book from C, on the quickstart profile: OpenAddressBook, the root
 * container's hierarchy table, CreateEntry in the contacts container (IMAPIProp SetProps +
 * SaveChanges), its contents table, ResolveName over an ADRLIST (a contact, an ambiguous
 * name, an unknown one; MAPI_E_AMBIGUOUS_RECIP / MAPI_E_NOT_FOUND; resolved entries get
 * new rgPropVals roots), IABContainer::ResolveNames with its FlagList, OpenEntry of the
 * resolved entry id as an IMailUser (GetProps), CreateOneOff with the documented bytes,
 * CompareEntryIDs, GetSearchPath, and the statuses misuse gets. Every ADRLIST is freed
 * with MAPIFreeBuffer per entry, then the list. Exits non-zero at the first surprise. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapiguid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "common.h"

#ifndef PR_DEF_CREATE_MAILUSER
#define PR_DEF_CREATE_MAILUSER PROP_TAG(PT_BINARY, 0x3605)
#endif
#ifndef PR_CONTAINER_FLAGS
#define PR_CONTAINER_FLAGS PROP_TAG(PT_LONG, 0x3600)
#endif
#ifndef PR_DISPLAY_TYPE
#define PR_DISPLAY_TYPE PROP_TAG(PT_LONG, 0x3900)
#endif
#ifndef MAPI_E_AMBIGUOUS_RECIP
#define MAPI_E_AMBIGUOUS_RECIP ((HRESULT)0x80040700)
#endif
#ifndef MAPI_E_UNKNOWN_ENTRYID
#define MAPI_E_UNKNOWN_ENTRYID ((HRESULT)0x80040201)
#endif
#define AB_RECIPIENTS_ 0x1
#define MAPI_AMBIGUOUS_ 1
#define MAPI_RESOLVED_ 2
#define MAPI_DIALOG_ 0x8

static void free_adrlist(LPADRLIST l) {
    for (ULONG i = 0; i < l->cEntries; i++) MAPIFreeBuffer(l->aEntries[i].rgPropVals);
    MAPIFreeBuffer(l);
}

/* An ADRLIST of names, each entry its own root with PR_DISPLAY_NAME_A and
 * PR_RECIPIENT_TYPE, as a client builds one. */
static LPADRLIST names(int n, const char **list) {
    LPADRLIST l = NULL;
    EXPECT(MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&l), S_OK);
    l->cEntries = n;
    for (int i = 0; i < n; i++) {
        LPSPropValue v = NULL;
        EXPECT(MAPIAllocateBuffer(2 * sizeof(SPropValue), (void **)&v), S_OK);
        char *copy = NULL;
        EXPECT(MAPIAllocateMore(strlen(list[i]) + 1, v, (void **)&copy), S_OK);
        strcpy(copy, list[i]);
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        v[0].Value.lpszA = copy;
        v[1].ulPropTag = PR_RECIPIENT_TYPE;
        v[1].Value.l = 1; /* MAPI_TO */
        l->aEntries[i].ulReserved1 = 0;
        l->aEntries[i].cValues = 2;
        l->aEntries[i].rgPropVals = v;
    }
    return l;
}

static const SPropValue *find(const ADRENTRY *e, ULONG tag) {
    for (ULONG i = 0; i < e->cValues; i++)
        if (e->rgPropVals[i].ulPropTag == tag) return &e->rgPropVals[i];
    return NULL;
}

static void add(LPABCONT c, const SBinary *tmpl, const char *name, const char *email) {
    LPMAPIPROP p = NULL;
    EXPECT(IABContainer_CreateEntry(c, tmpl->cb, (LPENTRYID)tmpl->lpb, 0, &p), S_OK);
    SPropValue v[2];
    v[0].ulPropTag = PR_DISPLAY_NAME_A;
    v[0].Value.lpszA = (char *)name;
    v[1].ulPropTag = PR_EMAIL_ADDRESS_A;
    v[1].Value.lpszA = (char *)email;
    LPSPropProblemArray problems = NULL;
    EXPECT(p->lpVtbl->SetProps(p, 2, v, &problems), S_OK);
    CHECK(problems == NULL);
    EXPECT(p->lpVtbl->SaveChanges(p, 0), S_OK);
    CHECK(p->lpVtbl->Release(p) == 0);
}

int main(void) {
    LPMAPISESSION s = NULL;
    LPADRBOOK ab = NULL;
    EXPECT(MAPIInitialize(NULL), S_OK);
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s), S_OK);
    EXPECT(IMAPISession_OpenAddressBook(s, 0, NULL, 0, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(IMAPISession_OpenAddressBook(s, 0, (LPCIID)&IID_IMsgStore, 0, &ab), MAPI_E_INTERFACE_NOT_SUPPORTED);
    EXPECT(IMAPISession_OpenAddressBook(s, 0, (LPCIID)&IID_IAddrBook, 0, &ab), S_OK);

    /* The root container and its hierarchy table. */
    ULONG type = 0;
    LPABCONT root = NULL;
    EXPECT(IAddrBook_OpenEntry(ab, 0, NULL, NULL, 0, &type, (LPUNKNOWN *)&root), S_OK);
    CHECK(type == MAPI_ABCONT);
    LPMAPITABLE h = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(3, hcols) = {3, {PR_ENTRYID, PR_DISPLAY_NAME_A, PR_CONTAINER_FLAGS}};
    EXPECT(IABContainer_GetHierarchyTable(root, 0, &h), S_OK);
    EXPECT(HrQueryAllRows(h, (LPSPropTagArray)&hcols, NULL, NULL, 0, &rows), S_OK);
    CHECK(rows->cRows == 1);
    printf("container: %s flags %d\n", rows->aRow[0].lpProps[1].Value.lpszA, rows->aRow[0].lpProps[2].Value.l);
    CHECK(rows->aRow[0].lpProps[2].Value.l & AB_RECIPIENTS_);
    SBinary cid = rows->aRow[0].lpProps[0].Value.bin;

    LPABCONT c = NULL;
    EXPECT(IAddrBook_OpenEntry(ab, cid.cb, (LPENTRYID)cid.lpb, (LPCIID)&IID_IABContainer, 0, &type, (LPUNKNOWN *)&c), S_OK);
    CHECK(type == MAPI_ABCONT);
    SizedSPropTagArray(1, tcol) = {1, {PR_DEF_CREATE_MAILUSER}};
    ULONG n = 0;
    LPSPropValue tv = NULL;
    EXPECT(IABContainer_GetProps(c, (LPSPropTagArray)&tcol, 0, &n, &tv), S_OK);
    CHECK(n == 1 && tv[0].ulPropTag == PR_DEF_CREATE_MAILUSER);
    add(c, &tv[0].Value.bin, "Ann Example", "ann@example.org");
    add(c, &tv[0].Value.bin, "Anna Other", "anna@example.org");
    add(c, &tv[0].Value.bin, "Bob Builder", "bob@example.org");
    {
        SBinary bad = {3, (LPBYTE) "xyz"};
        LPMAPIPROP p = NULL;
        EXPECT(IABContainer_CreateEntry(c, bad.cb, (LPENTRYID)bad.lpb, 0, &p), MAPI_E_INVALID_ENTRYID);
    }
    MAPIFreeBuffer(tv);

    LPMAPITABLE t = NULL;
    ULONG count = 0;
    EXPECT(IABContainer_GetContentsTable(c, 0, &t), S_OK);
    EXPECT(IMAPITable_GetRowCount(t, 0, &count), S_OK);
    printf("contacts: %u\n", count);
    CHECK(count == 3);
    CHECK(IMAPITable_Release(t) == 0);
    EXPECT(IABContainer_GetContentsTable(root, 0, &t), MAPI_E_NO_SUPPORT);

    /* ResolveName: a contact by name, by address, an ambiguous and an unknown name. */
    const char *ok[] = {"Bob Builder", "ann@example.org"};
    LPADRLIST l = names(2, ok);
    EXPECT(IAddrBook_ResolveName(ab, 0, 0, NULL, l), S_OK);
    const SPropValue *email = find(&l->aEntries[0], PR_EMAIL_ADDRESS_A);
    const SPropValue *eid = find(&l->aEntries[0], PR_ENTRYID);
    const SPropValue *rt = find(&l->aEntries[0], PR_RECIPIENT_TYPE);
    CHECK(email && strcmp(email->Value.lpszA, "bob@example.org") == 0);
    CHECK(eid && eid->Value.bin.cb > 0);
    CHECK(rt && rt->Value.l == 1);
    const SPropValue *name1 = find(&l->aEntries[1], PR_DISPLAY_NAME_A);
    CHECK(name1 && strcmp(name1->Value.lpszA, "Ann Example") == 0);
    printf("resolved: %s <%s>\n", find(&l->aEntries[0], PR_DISPLAY_NAME_A)->Value.lpszA, email->Value.lpszA);

    /* The resolved entry id opens as an IMailUser. */
    LPMAILUSER u = NULL;
    EXPECT(IAddrBook_OpenEntry(ab, eid->Value.bin.cb, (LPENTRYID)eid->Value.bin.lpb, NULL, 0, &type, (LPUNKNOWN *)&u), S_OK);
    CHECK(type == MAPI_MAILUSER);
    SizedSPropTagArray(4, ucols) = {4, {PR_DISPLAY_NAME_W, PR_SMTP_ADDRESS_A, PR_ADDRTYPE_A, PROP_TAG(PT_LONG, 0x6001)}};
    LPSPropValue uv = NULL;
    EXPECT(IMailUser_GetProps(u, (LPSPropTagArray)&ucols, MAPI_UNICODE, &n, &uv), MAPI_W_ERRORS_RETURNED);
    CHECK(n == 4);
    CHECK(wcscmp((const wchar_t *)uv[0].Value.lpszW, L"Bob Builder") == 0);
    CHECK(strcmp(uv[1].Value.lpszA, "bob@example.org") == 0);
    CHECK(strcmp(uv[2].Value.lpszA, "SMTP") == 0);
    CHECK(PROP_TYPE(uv[3].ulPropTag) == PT_ERROR && uv[3].Value.err == MAPI_E_NOT_FOUND);
    printf("mail user: %ls %s\n", (const wchar_t *)uv[0].Value.lpszW, uv[1].Value.lpszA);
    MAPIFreeBuffer(uv);
    {
        SPropValue v = {PR_DISPLAY_NAME_A, 0, {0}};
        v.Value.lpszA = (char *)"x";
        EXPECT(u->lpVtbl->SetProps(u, 1, &v, NULL), MAPI_E_NO_ACCESS);
    }
    ULONG same = 0;
    EXPECT(IAddrBook_CompareEntryIDs(ab, eid->Value.bin.cb, (LPENTRYID)eid->Value.bin.lpb, eid->Value.bin.cb,
                                     (LPENTRYID)eid->Value.bin.lpb, 0, &same), S_OK);
    CHECK(same == 1);
    CHECK(IMailUser_Release(u) == 0);
    free_adrlist(l);

    const char *mixed[] = {"Ann", "Nobody Here", "Bob"};
    l = names(3, mixed);
    EXPECT(IAddrBook_ResolveName(ab, 0, MAPI_DIALOG_, NULL, l), MAPI_E_AMBIGUOUS_RECIP);
    CHECK(find(&l->aEntries[0], PR_ENTRYID) == NULL);
    CHECK(l->aEntries[0].cValues == 2);
    CHECK(find(&l->aEntries[1], PR_ENTRYID) == NULL);
    CHECK(find(&l->aEntries[2], PR_ENTRYID) != NULL);
    LPMAPIERROR err = NULL;
    EXPECT(IAddrBook_GetLastError(ab, MAPI_E_AMBIGUOUS_RECIP, 0, &err), S_OK);
    CHECK(err != NULL);
    printf("ambiguous: %s\n", (const char *)err->lpszError);
    MAPIFreeBuffer(err);
    free_adrlist(l);
    const char *unknown[] = {"Nobody Here"};
    l = names(1, unknown);
    EXPECT(IAddrBook_ResolveName(ab, 0, 0, NULL, l), MAPI_E_NOT_FOUND);
    free_adrlist(l);
    EXPECT(IAddrBook_ResolveName(ab, 0, 0, NULL, NULL), MAPI_E_INVALID_PARAMETER);

    /* IABContainer::ResolveNames with its flag list. */
    l = names(3, mixed);
    struct { ULONG cFlags; ULONG ulFlag[3]; } fl = {3, {0, 0, 0}};
    EXPECT(IABContainer_ResolveNames(c, NULL, 0, l, (LPFlagList)&fl), S_OK);
    CHECK(fl.ulFlag[0] == MAPI_AMBIGUOUS_ && fl.ulFlag[1] == 0 && fl.ulFlag[2] == MAPI_RESOLVED_);
    free_adrlist(l);

    /* CreateOneOff: the documented layout, UTF-16LE with MAPI_UNICODE. */
    ULONG cb = 0;
    LPENTRYID oo = NULL;
    EXPECT(IAddrBook_CreateOneOff(ab, (LPTSTR)L"Zed", (LPTSTR)L"SMTP", (LPTSTR)L"zed@example.org", MAPI_UNICODE, &cb, &oo), S_OK);
    static const BYTE uid[16] = {0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19,
                                 0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02};
    const BYTE *b = (const BYTE *)oo;
    CHECK(cb == 24 + 2 * (4 + 5 + 16));
    CHECK(b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0);
    CHECK(memcmp(b + 4, uid, 16) == 0);
    CHECK(b[20] == 0 && b[21] == 0 && b[22] == 0x00 && b[23] == 0x80);
    CHECK(b[24] == 'Z' && b[25] == 0 && b[26] == 'e' && b[30] == 0 && b[31] == 0);
    printf("one-off: %u bytes\n", cb);
    EXPECT(IAddrBook_OpenEntry(ab, cb, oo, NULL, 0, &type, (LPUNKNOWN *)&u), S_OK);
    CHECK(type == MAPI_MAILUSER);
    CHECK(IMailUser_Release(u) == 0);
    MAPIFreeBuffer(oo);
    EXPECT(IAddrBook_CreateOneOff(ab, (LPTSTR) "Zed", (LPTSTR) "SMTP", (LPTSTR) "zed@example.org", 0, &cb, &oo), S_OK);
    CHECK(cb == 24 + 4 + 5 + 16);
    MAPIFreeBuffer(oo);
    EXPECT(IAddrBook_CreateOneOff(ab, (LPTSTR) "Zed", NULL, (LPTSTR) "z@x", 0, &cb, &oo), MAPI_E_INVALID_PARAMETER);
    {
        BYTE junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        EXPECT(IAddrBook_OpenEntry(ab, 8, (LPENTRYID)junk, NULL, 0, &type, (LPUNKNOWN *)&u), MAPI_E_UNKNOWN_ENTRYID);
    }

    /* The search path: the containers. */
    LPSRowSet path = NULL;
    EXPECT(IAddrBook_GetSearchPath(ab, 0, &path), S_OK);
    CHECK(path->cRows == 1);
    FreeProws(path);
    FreeProws(rows);
    CHECK(IMAPITable_Release(h) == 0);
    CHECK(IABContainer_Release(c) == 0);
    CHECK(IABContainer_Release(root) == 0);
    CHECK(IAddrBook_Release(ab) == 0);
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), S_OK);
    EXPECT(IMAPISession_OpenAddressBook(s, 0, NULL, 0, &ab), MAPI_E_END_OF_SESSION);
    IMAPISession_Release(s);
    MAPIUninitialize();
    printf("address book ok\n");
    return 0;
}
