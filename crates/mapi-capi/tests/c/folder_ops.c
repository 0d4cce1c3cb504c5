/* Folder and message operations from C, each checked through a table or GetProps:
 * CopyMessages with MESSAGE_MOVE (gone from the source, in the destination),
 * DeleteMessages (gone, the others kept), CopyFolder (a renamed copy with its messages
 * beside the original), IMessage::DeleteAttach (the attachment table loses exactly that
 * row, also after reopening), and IStream::SetSize past what the store keeps
 * (MAPI_E_TOO_BIG; a small size works and Stat shows it). Exits non-zero at the first
 * surprise. */
#include "common.h"

#ifndef PR_ATTACH_NUM
#define PR_ATTACH_NUM PROP_TAG(PT_LONG, 0x0E21)
#endif

/* The subjects of a folder's messages, sorted, joined with ','. */
static void subjects(LPMAPIFOLDER f, char *out, size_t n) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_SUBJECT_A}};
    SSortOrderSet sort = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    EXPECT(f->lpVtbl->GetContentsTable(f, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, &sort, 0, &rows),
           S_OK);
    out[0] = 0;
    for (ULONG i = 0; i < rows->cRows; i++) {
        if (i) strncat(out, ",", n - strlen(out) - 1);
        CHECK(rows->aRow[i].lpProps[0].ulPropTag == PR_SUBJECT_A);
        strncat(out, rows->aRow[i].lpProps[0].Value.lpszA, n - strlen(out) - 1);
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

/* The child folder of `parent` named `name` (opened for writing), or NULL. */
static LPMAPIFOLDER child(LPMDB store, LPMAPIFOLDER parent, const char *name) {
    LPMAPITABLE h = NULL;
    LPSRowSet rows = NULL;
    LPMAPIFOLDER f = NULL;
    ULONG type = 0;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DISPLAY_NAME_A}};
    EXPECT(parent->lpVtbl->GetHierarchyTable(parent, 0, &h), S_OK);
    EXPECT(HrQueryAllRows(h, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows && !f; i++) {
        if (rows->aRow[i].lpProps[1].ulPropTag != PR_DISPLAY_NAME_A) continue;
        if (strcmp(rows->aRow[i].lpProps[1].Value.lpszA, name) != 0) continue;
        SBinary *id = &rows->aRow[i].lpProps[0].Value.bin;
        EXPECT(store->lpVtbl->OpenEntry(store, id->cb, (LPENTRYID)id->lpb, NULL, MAPI_MODIFY,
                                        &type, (LPUNKNOWN *)&f),
               S_OK);
        CHECK(type == MAPI_FOLDER);
    }
    FreeProws(rows);
    h->lpVtbl->Release(h);
    return f;
}

static void move_delete_copy(LPMDB store, LPMAPIFOLDER inbox) {
    LPMAPIFOLDER a = NULL, b = NULL;
    char got[512];
    ULONG cb[3];
    LPENTRYID eid[3];
    EXPECT(inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR) "Ops A", NULL, NULL, 0,
                                       &a),
           S_OK);
    EXPECT(inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR) "Ops B", NULL, NULL, 0,
                                       &b),
           S_OK);
    save_message(a, "one", &cb[0], &eid[0]);
    save_message(a, "two", &cb[1], &eid[1]);
    save_message(a, "three", &cb[2], &eid[2]);
    subjects(a, got, sizeof got);
    CHECK(strcmp(got, "one,three,two") == 0);

    /* Move "one" to B. */
    SBinary first = {cb[0], (LPBYTE)eid[0]};
    ENTRYLIST l1 = {1, &first};
    EXPECT(a->lpVtbl->CopyMessages(a, &l1, NULL, b, 0, NULL, MESSAGE_MOVE), S_OK);
    subjects(a, got, sizeof got);
    CHECK(strcmp(got, "three,two") == 0);
    subjects(b, got, sizeof got);
    CHECK(strcmp(got, "one") == 0);
    CHECK(one_long((LPMAPIPROP)a, PR_CONTENT_COUNT) == 2);
    printf("moved: A three,two; B one\n");

    /* Delete "two" from A. */
    SBinary second = {cb[1], (LPBYTE)eid[1]};
    ENTRYLIST l2 = {1, &second};
    EXPECT(a->lpVtbl->DeleteMessages(a, &l2, 0, NULL, 0), S_OK);
    subjects(a, got, sizeof got);
    CHECK(strcmp(got, "three") == 0);
    CHECK(one_long((LPMAPIPROP)a, PR_CONTENT_COUNT) == 1);
    ULONG type = 0;
    LPUNKNOWN gone = NULL;
    HRESULT hr = store->lpVtbl->OpenEntry(store, cb[1], eid[1], NULL, 0, &type, &gone);
    CHECK(hr != S_OK && gone == NULL);
    printf("deleted: A three\n");

    /* Copy A into B as "Ops A copy": the original stays, the copy has its message. */
    ULONG acb = 0;
    LPENTRYID aeid = NULL;
    entry_id((LPMAPIPROP)a, &acb, &aeid);
    EXPECT(inbox->lpVtbl->CopyFolder(inbox, acb, aeid, NULL, b, (LPTSTR) "Ops A copy", 0, NULL,
                                     0),
           S_OK);
    LPMAPIFOLDER copy = child(store, b, "Ops A copy");
    CHECK(copy != NULL);
    subjects(copy, got, sizeof got);
    CHECK(strcmp(got, "three") == 0);
    subjects(a, got, sizeof got);
    CHECK(strcmp(got, "three") == 0);
    LPMAPIFOLDER still = child(store, inbox, "Ops A");
    CHECK(still != NULL);
    still->lpVtbl->Release(still);
    printf("copied folder: B/Ops A copy three\n");

    copy->lpVtbl->Release(copy);
    MAPIFreeBuffer(aeid);
    for (int i = 0; i < 3; i++) MAPIFreeBuffer(eid[i]);
    a->lpVtbl->Release(a);
    b->lpVtbl->Release(b);
}

/* The attachment numbers of a message, in table order; returns how many. */
static ULONG attach_nums(LPMESSAGE m, LONG *nums, ULONG max) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_ATTACH_NUM}};
    EXPECT(m->lpVtbl->GetAttachmentTable(m, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    ULONG n = rows->cRows;
    for (ULONG i = 0; i < n && i < max; i++) nums[i] = rows->aRow[i].lpProps[0].Value.l;
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return n;
}

static void attachments_and_streams(LPMDB store, LPMAPIFOLDER inbox) {
    LPMESSAGE m = NULL;
    LPATTACH at = NULL;
    ULONG num[3];
    EXPECT(inbox->lpVtbl->CreateMessage(inbox, NULL, 0, &m), S_OK);
    for (int i = 0; i < 3; i++) {
        SPropValue p[2];
        char name[16];
        snprintf(name, sizeof name, "file%d.txt", i);
        EXPECT(m->lpVtbl->CreateAttach(m, NULL, 0, &num[i], &at), S_OK);
        p[0].ulPropTag = PR_ATTACH_METHOD;
        p[0].Value.l = ATTACH_BY_VALUE;
        p[1].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
        p[1].Value.lpszA = name;
        EXPECT(at->lpVtbl->SetProps(at, 2, p, NULL), S_OK);
        EXPECT(at->lpVtbl->SaveChanges(at, 0), S_OK);
        at->lpVtbl->Release(at);
    }
    EXPECT(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    LONG have[8];
    CHECK(attach_nums(m, have, 8) == 3);
    EXPECT(m->lpVtbl->DeleteAttach(m, num[1], 0, NULL, 0), S_OK);
    EXPECT(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    CHECK(attach_nums(m, have, 8) == 2);
    CHECK((ULONG)have[0] != num[1] && (ULONG)have[1] != num[1]);
    /* Reopened, the attachment is still gone and the other two are there. */
    ULONG cb = 0, type = 0;
    LPENTRYID eid = NULL;
    LPMESSAGE again = NULL;
    entry_id((LPMAPIPROP)m, &cb, &eid);
    EXPECT(store->lpVtbl->OpenEntry(store, cb, eid, NULL, MAPI_MODIFY, &type,
                                    (LPUNKNOWN *)&again),
           S_OK);
    CHECK(attach_nums(again, have, 8) == 2);
    CHECK(((ULONG)have[0] == num[0] && (ULONG)have[1] == num[2]) ||
          ((ULONG)have[0] == num[2] && (ULONG)have[1] == num[0]));
    printf("attachment %lu deleted: 2 left\n", (unsigned long)num[1]);

    /* A body stream: past the store's limit is MAPI_E_TOO_BIG, a small size works. */
    LPSTREAM s = NULL;
    ULARGE_INTEGER big, small;
    STATSTG st;
    EXPECT(again->lpVtbl->OpenProperty(again, PR_BODY_A, &IID_IStream, 0,
                                       MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&s),
           S_OK);
    big.QuadPart = 3ULL << 30; /* 3 GiB */
    EXPECT(s->lpVtbl->SetSize(s, big), MAPI_E_TOO_BIG);
    big.QuadPart = (1ULL << 31) + 1; /* just past 2 GiB */
    EXPECT(s->lpVtbl->SetSize(s, big), MAPI_E_TOO_BIG);
    EXPECT(s->lpVtbl->Stat(s, &st, STATFLAG_NONAME), S_OK);
    CHECK(st.cbSize.QuadPart == 0);
    small.QuadPart = 4096;
    EXPECT(s->lpVtbl->SetSize(s, small), S_OK);
    EXPECT(s->lpVtbl->Stat(s, &st, STATFLAG_NONAME), S_OK);
    CHECK(st.cbSize.QuadPart == 4096);
    printf("SetSize past 2 GiB: MAPI_E_TOO_BIG; 4096 ok\n");
    s->lpVtbl->Release(s);

    MAPIFreeBuffer(eid);
    again->lpVtbl->Release(again);
    m->lpVtbl->Release(m);
}

int main(void) {
    EXPECT(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_default();
    LPMDB store = open_default_store(s);
    LPMAPIFOLDER inbox = open_inbox(store);
    move_delete_copy(store, inbox);
    attachments_and_streams(store, inbox);
    inbox->lpVtbl->Release(inbox);
    store->lpVtbl->Release(store);
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("folder_ops ok\n");
    return 0;
}
