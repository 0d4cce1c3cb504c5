/* A contents table paged from C: ten messages saved into a new folder, then
 * CreateBookmark / SeekRow / SeekRowApprox / QueryPosition / FreeBookmark (a bookmark
 * freed twice is MAPI_E_INVALID_BOOKMARK), SortTable descending and Restrict; and
 * IAddrBook::CreateOneOff, its entry id given to ModifyRecipients(MODRECIP_ADD) on a
 * new message, seen in GetRecipientTable. Prints what it reads; exits non-zero at the
 * first unexpected result. */
#include "common.h"

#define N 10

/* The subject of the row at the cursor (the cursor moves on); "" at the end. */
static void next_subject(LPMAPITABLE t, char *out, size_t len) {
    LPSRowSet rows = NULL;
    EXPECT(t->lpVtbl->QueryRows(t, 1, 0, &rows), S_OK);
    out[0] = 0;
    if (rows->cRows == 1) {
        CHECK(rows->aRow[0].lpProps[0].ulPropTag == PR_SUBJECT_A);
        snprintf(out, len, "%s", rows->aRow[0].lpProps[0].Value.lpszA);
    }
    FreeProws(rows);
}

static ULONG position(LPMAPITABLE t, ULONG *num, ULONG *den) {
    ULONG row = 0;
    EXPECT(t->lpVtbl->QueryPosition(t, &row, num, den), S_OK);
    CHECK(*den > 0 && *num <= *den);
    return row;
}

static void page(LPMAPIFOLDER folder) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    char subject[64], want[64];
    ULONG num = 0, den = 0, count = 0;
    LONG sought = 0;
    BOOKMARK mark = 0;
    SizedSPropTagArray(2, cols) = {2, {PR_SUBJECT_A, PR_ENTRYID}};
    SSortOrderSet up = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    SSortOrderSet down = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_DESCEND}}};

    EXPECT(folder->lpVtbl->GetContentsTable(folder, 0, &t), S_OK);
    EXPECT(t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0), S_OK);
    EXPECT(t->lpVtbl->SortTable(t, &up, 0), S_OK);
    EXPECT(t->lpVtbl->GetRowCount(t, 0, &count), S_OK);
    CHECK(count == N);

    /* A first page of three, a bookmark at row 3, the next page. */
    EXPECT(t->lpVtbl->QueryRows(t, 3, 0, &rows), S_OK);
    CHECK(rows->cRows == 3 && strcmp(rows->aRow[0].lpProps[0].Value.lpszA, "message 00") == 0);
    CHECK(rows->aRow[0].lpProps[1].ulPropTag == PR_ENTRYID);
    FreeProws(rows);
    CHECK(position(t, &num, &den) == 3);
    EXPECT(t->lpVtbl->CreateBookmark(t, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(t->lpVtbl->CreateBookmark(t, &mark), S_OK);
    EXPECT(t->lpVtbl->QueryRows(t, 3, 0, &rows), S_OK);
    CHECK(rows->cRows == 3 && strcmp(rows->aRow[2].lpProps[0].Value.lpszA, "message 05") == 0);
    FreeProws(rows);
    CHECK(position(t, &num, &den) == 6);

    /* Back to the bookmark, and on from it. */
    EXPECT(t->lpVtbl->SeekRow(t, mark, 0, &sought), S_OK);
    CHECK(sought == 0 && position(t, &num, &den) == 3);
    next_subject(t, subject, sizeof subject);
    CHECK(strcmp(subject, "message 03") == 0);
    EXPECT(t->lpVtbl->SeekRow(t, mark, 2, &sought), S_OK);
    CHECK(sought == 2 && position(t, &num, &den) == 5);

    /* SeekRowApprox: half way, the end, the beginning; a bad fraction refused. */
    EXPECT(t->lpVtbl->SeekRowApprox(t, 1, 2), S_OK);
    CHECK(position(t, &num, &den) == N / 2);
    CHECK(num * N == den * (N / 2));
    next_subject(t, subject, sizeof subject);
    snprintf(want, sizeof want, "message %02d", N / 2);
    CHECK(strcmp(subject, want) == 0);
    EXPECT(t->lpVtbl->SeekRowApprox(t, 7, 7), S_OK);
    CHECK(position(t, &num, &den) == N && num == den);
    next_subject(t, subject, sizeof subject);
    CHECK(subject[0] == 0);
    EXPECT(t->lpVtbl->SeekRowApprox(t, 0, 3), S_OK);
    CHECK(position(t, &num, &den) == 0 && num == 0);
    EXPECT(t->lpVtbl->SeekRowApprox(t, 1, 0), MAPI_E_INVALID_PARAMETER);
    EXPECT(t->lpVtbl->SeekRowApprox(t, 3, 2), MAPI_E_INVALID_PARAMETER);
    printf("paged: 3 + 3 rows, bookmark at 3, approx 1/2 at %d\n", N / 2);

    /* A bookmark freed twice. */
    EXPECT(t->lpVtbl->FreeBookmark(t, mark), S_OK);
    EXPECT(t->lpVtbl->FreeBookmark(t, mark), MAPI_E_INVALID_BOOKMARK);
    EXPECT(t->lpVtbl->SeekRow(t, mark, 0, &sought), MAPI_E_INVALID_BOOKMARK);
    printf("bookmark freed twice: MAPI_E_INVALID_BOOKMARK\n");

    /* Descending. */
    EXPECT(t->lpVtbl->SortTable(t, &down, 0), S_OK);
    EXPECT(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    next_subject(t, subject, sizeof subject);
    snprintf(want, sizeof want, "message %02d", N - 1);
    CHECK(strcmp(subject, want) == 0);
    EXPECT(t->lpVtbl->SeekRow(t, BOOKMARK_END, -1, &sought), S_OK);
    next_subject(t, subject, sizeof subject);
    CHECK(strcmp(subject, "message 00") == 0);
    printf("descending: first %s, last %s\n", want, subject);

    /* Restrict: subjects >= "message 06", then the restriction lifted. */
    SPropValue from;
    SRestriction r;
    from.ulPropTag = PR_SUBJECT_A;
    from.Value.lpszA = (char *)"message 06";
    r.rt = RES_PROPERTY;
    r.res.resProperty.relop = RELOP_GE;
    r.res.resProperty.ulPropTag = PR_SUBJECT_A;
    r.res.resProperty.lpProp = &from;
    EXPECT(t->lpVtbl->Restrict(t, &r, 0), S_OK);
    EXPECT(t->lpVtbl->GetRowCount(t, 0, &count), S_OK);
    CHECK(count == N - 6);
    EXPECT(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    EXPECT(t->lpVtbl->QueryRows(t, 50, 0, &rows), S_OK);
    CHECK(rows->cRows == N - 6);
    snprintf(want, sizeof want, "message %02d", N - 1);
    CHECK(strcmp(rows->aRow[0].lpProps[0].Value.lpszA, want) == 0);
    CHECK(strcmp(rows->aRow[N - 7].lpProps[0].Value.lpszA, "message 06") == 0);
    FreeProws(rows);
    EXPECT(t->lpVtbl->Restrict(t, NULL, 0), S_OK);
    EXPECT(t->lpVtbl->GetRowCount(t, 0, &count), S_OK);
    CHECK(count == N);
    printf("restricted: %d rows, then %u\n", N - 6, count);
    t->lpVtbl->Release(t);
}

/* A one-off recipient from CreateOneOff, added with ModifyRecipients. */
static void one_off_recipient(LPMAPISESSION s, LPMAPIFOLDER folder) {
    LPADRBOOK ab = NULL;
    LPMESSAGE m = NULL;
    LPADRLIST list = NULL;
    LPMAPITABLE rt = NULL;
    LPSRowSet rows = NULL;
    ULONG cb = 0, n = 0;
    LPENTRYID oo = NULL;
    EXPECT(s->lpVtbl->OpenAddressBook(s, 0, NULL, 0, &ab), S_OK);
    EXPECT(ab->lpVtbl->CreateOneOff(ab, (LPTSTR) "Carol Cable", (LPTSTR) "SMTP",
                                    (LPTSTR) "carol@example.org", 0, &cb, &oo),
           S_OK);
    CHECK(cb > 0 && oo != NULL);
    EXPECT(folder->lpVtbl->CreateMessage(folder, NULL, 0, &m), S_OK);
    EXPECT(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&list), S_OK);
    list->cEntries = 1;
    list->aEntries[0].ulReserved1 = 0;
    list->aEntries[0].cValues = 5;
    EXPECT(MAPIAllocateBuffer(5 * sizeof(SPropValue), (void **)&list->aEntries[0].rgPropVals),
           S_OK);
    LPSPropValue p = list->aEntries[0].rgPropVals;
    p[0].ulPropTag = PR_ENTRYID;
    p[0].Value.bin.cb = cb;
    p[0].Value.bin.lpb = (LPBYTE)oo;
    p[1].ulPropTag = PR_RECIPIENT_TYPE;
    p[1].Value.l = MAPI_TO;
    p[2].ulPropTag = PR_DISPLAY_NAME_A;
    p[2].Value.lpszA = (char *)"Carol Cable";
    p[3].ulPropTag = PR_EMAIL_ADDRESS_A;
    p[3].Value.lpszA = (char *)"carol@example.org";
    p[4].ulPropTag = PR_ADDRTYPE_A;
    p[4].Value.lpszA = (char *)"SMTP";
    EXPECT(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, list), S_OK);
    /* Copied before the call returned: the caller's to free at once. */
    MAPIFreeBuffer(list->aEntries[0].rgPropVals);
    MAPIFreeBuffer(list);

    EXPECT(m->lpVtbl->GetRecipientTable(m, 0, &rt), S_OK);
    EXPECT(rt->lpVtbl->GetRowCount(rt, 0, &n), S_OK);
    CHECK(n == 1);
    SizedSPropTagArray(3, cols) = {3, {PR_ENTRYID, PR_DISPLAY_NAME_A, PR_RECIPIENT_TYPE}};
    EXPECT(HrQueryAllRows(rt, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    CHECK(rows->cRows == 1);
    LPSPropValue r = rows->aRow[0].lpProps;
    CHECK(r[0].ulPropTag == PR_ENTRYID && r[0].Value.bin.cb == cb);
    CHECK(memcmp(r[0].Value.bin.lpb, oo, cb) == 0);
    CHECK(r[1].ulPropTag == PR_DISPLAY_NAME_A && strcmp(r[1].Value.lpszA, "Carol Cable") == 0);
    CHECK(r[2].ulPropTag == PR_RECIPIENT_TYPE && r[2].Value.l == MAPI_TO);
    printf("recipient: %s, one-off entry id of %u bytes\n", r[1].Value.lpszA, cb);
    FreeProws(rows);
    rt->lpVtbl->Release(rt);
    m->lpVtbl->Release(m);
    MAPIFreeBuffer(oo);
    ab->lpVtbl->Release(ab);
}

int main(void) {
    EXPECT(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_default();
    LPMDB store = open_default_store(s);
    LPMAPIFOLDER inbox = open_inbox(store), folder = NULL;
    EXPECT(inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR) "Paging", NULL, NULL, 0,
                                       &folder),
           S_OK);
    /* Saved out of order, so the sort has work to do. */
    for (int i = 0; i < N; i++) {
        char subject[32];
        snprintf(subject, sizeof subject, "message %02d", (i * 7) % N);
        save_message(folder, subject, NULL, NULL);
    }
    page(folder);
    one_off_recipient(s, folder);
    folder->lpVtbl->Release(folder);
    inbox->lpVtbl->Release(inbox);
    store->lpVtbl->Release(store);
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("contents ok\n");
    return 0;
}
