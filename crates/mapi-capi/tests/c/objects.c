/* The whole client flow of c-abi.md §5 on the quickstart profile, through libmapi's
 * objects: the Inbox via GetReceiveFolder + OpenEntry, its contents table paged newest
 * first, a message opened and its PR_BODY read through an OpenProperty stream; a new
 * message in Drafts with SetProps (a computed property gives a problem),
 * ModifyRecipients, CreateAttach and an attachment stream, saved and reopened by entry
 * id with everything checked; folder operations (CreateFolder, CopyMessages,
 * SetReadFlags, EmptyFolder, DeleteFolder), SetReadFlag, OpenStreamOnFile and CopyTo;
 * and NULL out-pointers answered with MAPI_E_INVALID_PARAMETER. Prints what it reads;
 * exits non-zero at the first unexpected result. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapiguid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define ATTACH_BYTES 100000
#define MSGFLAG_READ_BIT 0x1

static unsigned char pattern(ULONG i) { return (unsigned char)((i * 7 + 3) & 0xFF); }

/* A folder's PR_ENTRYID, a copy the caller frees with MAPIFreeBuffer. */
static void entry_id(LPMAPIPROP o, ULONG *cb, LPENTRYID *eid) {
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

static ULONG one_long(LPMAPIPROP o, ULONG tag) {
    SizedSPropTagArray(1, t) = {1, {tag}};
    ULONG n = 0, r;
    LPSPropValue v = NULL;
    EXPECT(o->lpVtbl->GetProps(o, (LPSPropTagArray)&t, 0, &n, &v), S_OK);
    CHECK(n == 1 && v[0].ulPropTag == tag);
    r = (ULONG)v[0].Value.l;
    MAPIFreeBuffer(v);
    return r;
}

/* A folder's count as the store has it now: the folder opened afresh by its entry id
 * (an open folder object keeps the values it was opened with). */
static ULONG count_now(LPMAPIFOLDER f, ULONG tag) {
    ULONG cb = 0, type = 0, r;
    LPENTRYID eid = NULL;
    LPMAPIFOLDER fresh = NULL;
    entry_id((LPMAPIPROP)f, &cb, &eid);
    EXPECT(f->lpVtbl->OpenEntry(f, cb, eid, NULL, 0, &type, (LPUNKNOWN *)&fresh), S_OK);
    r = one_long((LPMAPIPROP)fresh, tag);
    fresh->lpVtbl->Release(fresh);
    MAPIFreeBuffer(eid);
    return r;
}

/* Everything a stream holds from its position, as a malloc'd buffer. */
static unsigned char *read_all(LPSTREAM s, ULONG *len) {
    ULONG cap = 4096, have = 0, got = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (have == cap) buf = realloc(buf, cap *= 2);
        EXPECT(s->lpVtbl->Read(s, buf + have, cap - have, &got), S_OK);
        if (got == 0) break;
        have += got;
    }
    *len = have;
    return buf;
}

static LPMDB open_default_store(LPMAPISESSION s) {
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

/* The Inbox: GetReceiveFolder, then OpenEntry on the store and on the session. */
static LPMAPIFOLDER open_inbox(LPMAPISESSION s, LPMDB store) {
    ULONG cb = 0, type = 0;
    LPENTRYID eid = NULL;
    LPTSTR cls = NULL;
    LPMAPIFOLDER inbox = NULL, again = NULL;
    LPUNKNOWN u = NULL;
    EXPECT(store->lpVtbl->GetReceiveFolder(store, (LPTSTR) "IPM", 0, &cb, &eid, &cls), S_OK);
    EXPECT(store->lpVtbl->OpenEntry(store, cb, eid, NULL, MAPI_BEST_ACCESS, &type, NULL),
           MAPI_E_INVALID_PARAMETER);
    EXPECT(store->lpVtbl->OpenEntry(store, cb, eid, &IID_IMessage, 0, &type, &u),
           MAPI_E_INTERFACE_NOT_SUPPORTED);
    EXPECT(store->lpVtbl->OpenEntry(store, cb, eid, &IID_IMAPIFolder, MAPI_BEST_ACCESS, &type,
                                    (LPUNKNOWN *)&inbox),
           S_OK);
    CHECK(type == MAPI_FOLDER);
    type = 0;
    EXPECT(s->lpVtbl->OpenEntry(s, cb, eid, NULL, 0, &type, (LPUNKNOWN *)&again), S_OK);
    CHECK(type == MAPI_FOLDER);
    /* The IID chain of a folder. */
    EXPECT(again->lpVtbl->QueryInterface(again, &IID_IMAPIContainer, (void **)&u), S_OK);
    u->lpVtbl->Release(u);
    EXPECT(again->lpVtbl->QueryInterface(again, &IID_IMAPIProp, (void **)&u), S_OK);
    u->lpVtbl->Release(u);
    EXPECT(again->lpVtbl->QueryInterface(again, &IID_IMessage, (void **)&u),
           MAPI_E_INTERFACE_NOT_SUPPORTED);
    again->lpVtbl->Release(again);
    MAPIFreeBuffer(eid);
    MAPIFreeBuffer(cls);
    return inbox;
}

/* The Inbox's contents table, newest first, paged two rows at a time; the newest
 * message opened and its body read through a stream. Returns the newest's entry id. */
static void read_inbox(LPMAPIFOLDER inbox, LPMESSAGE *newest_out) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    ULONG n = 0, total = 0, type = 0;
    SizedSPropTagArray(3, cols) = {3, {PR_SUBJECT_A, PR_ENTRYID, PR_MESSAGE_DELIVERY_TIME}};
    SSortOrderSet sort = {1, 0, 0, {{PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND}}};
    LPMESSAGE msg = NULL;
    SBinary first = {0, NULL};

    CHECK(count_now(inbox, PR_CONTENT_COUNT) == 3);
    EXPECT(inbox->lpVtbl->GetContentsTable(inbox, 0, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(inbox->lpVtbl->GetContentsTable(inbox, 0, &t), S_OK);
    EXPECT(t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0), S_OK);
    EXPECT(t->lpVtbl->SortTable(t, (LPSSortOrderSet)&sort, 0), S_OK);
    EXPECT(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    CHECK(n == 3);
    for (;;) {
        EXPECT(t->lpVtbl->QueryRows(t, 2, 0, &rows), S_OK);
        if (rows->cRows == 0) {
            FreeProws(rows);
            break;
        }
        CHECK(rows->cRows <= 2);
        for (ULONG i = 0; i < rows->cRows; i++) {
            printf("inbox: %s\n", rows->aRow[i].lpProps[0].Value.lpszA);
            if (total == 0) {
                first.cb = rows->aRow[i].lpProps[1].Value.bin.cb;
                EXPECT(MAPIAllocateBuffer(first.cb, (void **)&first.lpb), S_OK);
                memcpy(first.lpb, rows->aRow[i].lpProps[1].Value.bin.lpb, first.cb);
            }
            total++;
        }
        FreeProws(rows);
    }
    CHECK(total == 3);
    t->lpVtbl->Release(t);

    EXPECT(inbox->lpVtbl->OpenEntry(inbox, first.cb, (LPENTRYID)first.lpb, NULL, MAPI_MODIFY,
                                    &type, (LPUNKNOWN *)&msg),
           S_OK);
    CHECK(type == MAPI_MESSAGE);
    MAPIFreeBuffer(first.lpb);
    {
        SizedSPropTagArray(2, t2) = {2, {PR_SUBJECT_A, PR_BODY_A}};
        ULONG nv = 0, len = 0;
        LPSPropValue v = NULL;
        LPSTREAM body = NULL;
        STATSTG st;
        unsigned char *text;
        EXPECT(msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&t2, 0, NULL, &v),
               MAPI_E_INVALID_PARAMETER);
        EXPECT(msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&t2, 0, &nv, &v), S_OK);
        CHECK(nv == 2 && PROP_TYPE(v[1].ulPropTag) == PT_STRING8);
        printf("newest: %s\n", v[0].Value.lpszA);
        EXPECT(msg->lpVtbl->OpenProperty(msg, PR_BODY_A, NULL, 0, 0, (LPUNKNOWN *)&body),
               MAPI_E_INVALID_PARAMETER);
        EXPECT(msg->lpVtbl->OpenProperty(msg, PR_BODY_A, &IID_IStream, 0, 0, NULL),
               MAPI_E_INVALID_PARAMETER);
        EXPECT(msg->lpVtbl->OpenProperty(msg, PR_BODY_A, &IID_IStream, 0, 0,
                                         (LPUNKNOWN *)&body),
               S_OK);
        EXPECT(body->lpVtbl->Stat(body, NULL, STATFLAG_NONAME), MAPI_E_INVALID_PARAMETER);
        EXPECT(body->lpVtbl->Stat(body, &st, STATFLAG_NONAME), S_OK);
        CHECK(st.type == STGTY_STREAM);
        text = read_all(body, &len);
        CHECK(st.cbSize.QuadPart == len);
        CHECK(len == strlen(v[1].Value.lpszA) && memcmp(text, v[1].Value.lpszA, len) == 0);
        printf("body by stream: %.*s", (int)len, text);
        EXPECT(body->lpVtbl->Read(body, NULL, 10, &len), MAPI_E_INVALID_PARAMETER);
        free(text);
        body->lpVtbl->Release(body);
        MAPIFreeBuffer(v);
    }
    *newest_out = msg;
}

/* Drafts, found by name in the root folder's hierarchy (OpenEntry with no entry id). */
static LPMAPIFOLDER open_drafts(LPMDB store) {
    LPMAPIFOLDER root = NULL, drafts = NULL;
    LPMAPITABLE h = NULL;
    LPSRowSet rows = NULL;
    ULONG type = 0;
    SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_A, PR_ENTRYID}};
    SPropValue name;
    SRestriction r;
    EXPECT(store->lpVtbl->OpenEntry(store, 0, NULL, NULL, 0, &type, (LPUNKNOWN *)&root), S_OK);
    CHECK(type == MAPI_FOLDER);
    EXPECT(root->lpVtbl->GetHierarchyTable(root, 0, &h), S_OK);
    name.ulPropTag = PR_DISPLAY_NAME_A;
    name.Value.lpszA = (char *)"Drafts";
    r.rt = RES_PROPERTY;
    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = PR_DISPLAY_NAME_A;
    r.res.resProperty.lpProp = &name;
    EXPECT(HrQueryAllRows(h, (LPSPropTagArray)&cols, &r, NULL, 0, &rows), S_OK);
    CHECK(rows->cRows == 1);
    EXPECT(root->lpVtbl->OpenEntry(root, rows->aRow[0].lpProps[1].Value.bin.cb,
                                   (LPENTRYID)rows->aRow[0].lpProps[1].Value.bin.lpb, NULL,
                                   MAPI_MODIFY, &type, (LPUNKNOWN *)&drafts),
           S_OK);
    FreeProws(rows);
    h->lpVtbl->Release(h);
    root->lpVtbl->Release(root);
    return drafts;
}

/* A message made in Drafts: properties, one recipient, one 100,000-byte attachment. */
static void make_draft(LPMAPIFOLDER drafts, ULONG *cb, LPENTRYID *eid) {
    LPMESSAGE m = NULL;
    LPATTACH a = NULL;
    LPSTREAM s = NULL;
    LPSPropProblemArray problems = NULL;
    LPADRLIST list = NULL;
    ULONG num = 99, written = 0, n = 0;
    ULARGE_INTEGER pos;
    LARGE_INTEGER zero;
    unsigned char *data = malloc(ATTACH_BYTES);
    SPropValue props[4];
    for (ULONG i = 0; i < ATTACH_BYTES; i++) data[i] = pattern(i);

    EXPECT(drafts->lpVtbl->CreateMessage(drafts, NULL, 0, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(drafts->lpVtbl->CreateMessage(drafts, NULL, 0, &m), S_OK);
    props[0].ulPropTag = PR_SUBJECT_A;
    props[0].Value.lpszA = (char *)"Made from C";
    props[1].ulPropTag = PR_BODY_A;
    props[1].Value.lpszA = (char *)"A body written by a C program.\n";
    props[2].ulPropTag = PR_MESSAGE_CLASS_A;
    props[2].Value.lpszA = (char *)"IPM.Note";
    props[3].ulPropTag = PR_ENTRYID; /* computed by the store: a problem, not a failure */
    props[3].Value.bin.cb = 4;
    props[3].Value.bin.lpb = (LPBYTE) "abcd";
    EXPECT(m->lpVtbl->SetProps(m, 4, NULL, &problems), MAPI_E_INVALID_PARAMETER);
    EXPECT(m->lpVtbl->SetProps(m, 4, props, &problems), S_OK);
    CHECK(problems != NULL && problems->cProblem == 1);
    CHECK(problems->aProblem[0].ulIndex == 3 && problems->aProblem[0].ulPropTag == PR_ENTRYID);
    CHECK(problems->aProblem[0].scode == MAPI_E_COMPUTED);
    MAPIFreeBuffer(problems);

    EXPECT(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&list), S_OK);
    list->cEntries = 1;
    list->aEntries[0].ulReserved1 = 0;
    list->aEntries[0].cValues = 4;
    EXPECT(MAPIAllocateBuffer(4 * sizeof(SPropValue), (void **)&list->aEntries[0].rgPropVals),
           S_OK);
    list->aEntries[0].rgPropVals[0].ulPropTag = PR_RECIPIENT_TYPE;
    list->aEntries[0].rgPropVals[0].Value.l = MAPI_TO;
    list->aEntries[0].rgPropVals[1].ulPropTag = PR_DISPLAY_NAME_A;
    list->aEntries[0].rgPropVals[1].Value.lpszA = (char *)"Bob";
    list->aEntries[0].rgPropVals[2].ulPropTag = PR_EMAIL_ADDRESS_A;
    list->aEntries[0].rgPropVals[2].Value.lpszA = (char *)"bob@example.org";
    list->aEntries[0].rgPropVals[3].ulPropTag = PR_ADDRTYPE_A;
    list->aEntries[0].rgPropVals[3].Value.lpszA = (char *)"SMTP";
    EXPECT(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, list), S_OK);
    /* The list was copied: it is the caller's to free at once. */
    MAPIFreeBuffer(list->aEntries[0].rgPropVals);
    MAPIFreeBuffer(list);

    EXPECT(m->lpVtbl->CreateAttach(m, NULL, 0, NULL, &a), MAPI_E_INVALID_PARAMETER);
    EXPECT(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    props[0].ulPropTag = PR_ATTACH_METHOD;
    props[0].Value.l = ATTACH_BY_VALUE;
    props[1].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
    props[1].Value.lpszA = (char *)"pattern.bin";
    EXPECT(a->lpVtbl->SetProps(a, 2, props, NULL), S_OK);
    EXPECT(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0,
                                   MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&s),
           S_OK);
    for (ULONG off = 0; off < ATTACH_BYTES; off += 30000) {
        ULONG k = ATTACH_BYTES - off < 30000 ? ATTACH_BYTES - off : 30000;
        EXPECT(s->lpVtbl->Write(s, data + off, k, &written), S_OK);
        CHECK(written == k);
    }
    zero.QuadPart = 0;
    EXPECT(s->lpVtbl->Seek(s, zero, STREAM_SEEK_END, &pos), S_OK);
    CHECK(pos.QuadPart == ATTACH_BYTES);
    EXPECT(s->lpVtbl->Commit(s, STGC_DEFAULT), S_OK);
    s->lpVtbl->Release(s);
    EXPECT(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);

    EXPECT(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    {
        LPMAPITABLE r = NULL;
        EXPECT(m->lpVtbl->GetRecipientTable(m, 0, &r), S_OK);
        EXPECT(r->lpVtbl->GetRowCount(r, 0, &n), S_OK);
        CHECK(n == 1);
        r->lpVtbl->Release(r);
    }
    entry_id((LPMAPIPROP)m, cb, eid);
    m->lpVtbl->Release(m);
    free(data);
    printf("draft saved with attachment %u\n", num);
}

/* The draft opened again by entry id through the session, everything checked. */
static void check_draft(LPMAPISESSION session, ULONG cb, LPENTRYID eid) {
    LPMESSAGE m = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    LPATTACH a = NULL;
    LPSTREAM s = NULL;
    ULONG type = 0, len = 0, n = 0;
    unsigned char *data;
    SizedSPropTagArray(3, want) = {3, {PR_SUBJECT_A, PR_BODY_A, PR_HASATTACH}};
    LPSPropValue v = NULL;

    EXPECT(session->lpVtbl->OpenEntry(session, cb, eid, &IID_IMessage, 0, &type,
                                      (LPUNKNOWN *)&m),
           S_OK);
    CHECK(type == MAPI_MESSAGE);
    EXPECT(m->lpVtbl->GetProps(m, (LPSPropTagArray)&want, 0, &n, &v), S_OK);
    CHECK(n == 3 && strcmp(v[0].Value.lpszA, "Made from C") == 0);
    CHECK(strcmp(v[1].Value.lpszA, "A body written by a C program.\n") == 0);
    CHECK(v[2].ulPropTag == PR_HASATTACH && v[2].Value.b);
    MAPIFreeBuffer(v);

    EXPECT(m->lpVtbl->GetRecipientTable(m, 0, &t), S_OK);
    {
        SizedSPropTagArray(2, rc) = {2, {PR_EMAIL_ADDRESS_A, PR_RECIPIENT_TYPE}};
        EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&rc, NULL, NULL, 0, &rows), S_OK);
        CHECK(rows->cRows == 1);
        CHECK(strcmp(rows->aRow[0].lpProps[0].Value.lpszA, "bob@example.org") == 0);
        CHECK(rows->aRow[0].lpProps[1].Value.l == MAPI_TO);
        printf("recipient: %s\n", rows->aRow[0].lpProps[0].Value.lpszA);
        FreeProws(rows);
    }
    t->lpVtbl->Release(t);

    EXPECT(m->lpVtbl->GetAttachmentTable(m, 0, &t), S_OK);
    {
        SizedSPropTagArray(2, ac) = {2, {PR_ATTACH_NUM, PR_ATTACH_LONG_FILENAME_A}};
        EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&ac, NULL, NULL, 0, &rows), S_OK);
        CHECK(rows->cRows == 1);
        printf("attachment: %s\n", rows->aRow[0].lpProps[1].Value.lpszA);
        EXPECT(m->lpVtbl->OpenAttach(m, (ULONG)rows->aRow[0].lpProps[0].Value.l, NULL, 0, &a),
               S_OK);
        FreeProws(rows);
    }
    t->lpVtbl->Release(t);
    EXPECT(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0, 0,
                                   (LPUNKNOWN *)&s),
           S_OK);
    data = read_all(s, &len);
    CHECK(len == ATTACH_BYTES);
    for (ULONG i = 0; i < len; i++) CHECK(data[i] == pattern(i));
    free(data);
    printf("attachment bytes intact: %u\n", len);

    /* CopyTo a file stream (OpenStreamOnFile, removed on release). */
    {
        LPSTREAM f = NULL;
        LARGE_INTEGER zero;
        ULARGE_INTEGER all, r, w;
        STATSTG st;
        unsigned char head[4];
        ULONG got = 0;
        EXPECT(OpenStreamOnFile(MAPIAllocateBuffer, MAPIFreeBuffer,
                                STGM_READWRITE | SOF_UNIQUEFILENAME | STGM_DELETEONRELEASE,
                                NULL, (LPTSTR) "cap", NULL),
               MAPI_E_INVALID_PARAMETER);
        EXPECT(OpenStreamOnFile(MAPIAllocateBuffer, MAPIFreeBuffer,
                                STGM_READWRITE | SOF_UNIQUEFILENAME | STGM_DELETEONRELEASE,
                                NULL, (LPTSTR) "cap", &f),
               S_OK);
        zero.QuadPart = 0;
        EXPECT(s->lpVtbl->Seek(s, zero, STREAM_SEEK_SET, NULL), S_OK);
        all.QuadPart = ATTACH_BYTES;
        EXPECT(s->lpVtbl->CopyTo(s, f, all, &r, &w), S_OK);
        CHECK(r.QuadPart == ATTACH_BYTES && w.QuadPart == ATTACH_BYTES);
        EXPECT(f->lpVtbl->Stat(f, &st, STATFLAG_NONAME), S_OK);
        CHECK(st.cbSize.QuadPart == ATTACH_BYTES);
        EXPECT(f->lpVtbl->Seek(f, zero, STREAM_SEEK_SET, NULL), S_OK);
        EXPECT(f->lpVtbl->Read(f, head, 4, &got), S_OK);
        CHECK(got == 4 && head[3] == pattern(3));
        EXPECT(f->lpVtbl->Revert(f), S_OK);
        EXPECT(s->lpVtbl->Revert(s), MAPI_E_NO_SUPPORT);
        f->lpVtbl->Release(f);
        printf("copied to a file stream: %u\n", (unsigned)w.QuadPart);
    }
    s->lpVtbl->Release(s);
    a->lpVtbl->Release(a);
    m->lpVtbl->Release(m);
}

/* CreateFolder, CopyMessages (move), EmptyFolder, DeleteFolder; SetReadFlags. */
static void folder_ops(LPMAPIFOLDER drafts, LPMAPIFOLDER inbox, ULONG cb, LPENTRYID eid) {
    LPMAPIFOLDER sub = NULL;
    ULONG scb = 0;
    LPENTRYID seid = NULL;
    SBinary one = {cb, (LPBYTE)eid};
    ENTRYLIST list = {1, &one};
    EXPECT(drafts->lpVtbl->CreateFolder(drafts, FOLDER_GENERIC, (LPTSTR) "From C", NULL, NULL,
                                        0, NULL),
           MAPI_E_INVALID_PARAMETER);
    EXPECT(drafts->lpVtbl->CreateFolder(drafts, FOLDER_GENERIC, (LPTSTR) "From C", NULL, NULL,
                                        0, &sub),
           S_OK);
    EXPECT(drafts->lpVtbl->CopyMessages(drafts, &list, NULL, sub, 0, NULL, 0), S_OK);
    CHECK(count_now(sub, PR_CONTENT_COUNT) == 1);
    CHECK(count_now(drafts, PR_CONTENT_COUNT) == 1);
    EXPECT(sub->lpVtbl->EmptyFolder(sub, 0, NULL, 0), S_OK);
    CHECK(count_now(sub, PR_CONTENT_COUNT) == 0);
    entry_id((LPMAPIPROP)sub, &scb, &seid);
    sub->lpVtbl->Release(sub);
    EXPECT(drafts->lpVtbl->DeleteFolder(drafts, scb, seid, 0, NULL, 0), S_OK);
    MAPIFreeBuffer(seid);
    printf("folder made, copied into, emptied, deleted\n");

    EXPECT(inbox->lpVtbl->SetReadFlags(inbox, NULL, 0, NULL, 0), S_OK);
    CHECK(count_now(inbox, PR_CONTENT_UNREAD) == 0);
    EXPECT(inbox->lpVtbl->SetReadFlags(inbox, NULL, 0, NULL, CLEAR_READ_FLAG), S_OK);
    CHECK(count_now(inbox, PR_CONTENT_UNREAD) == 3);
}

int main(void) {
    LPMAPISESSION s = NULL;
    LPMDB store;
    LPMAPIFOLDER inbox, drafts;
    LPMESSAGE newest = NULL;
    ULONG cb = 0;
    LPENTRYID eid = NULL;
    LPMAPIERROR err = NULL;

    EXPECT(MAPIInitialize(NULL), S_OK);
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s),
           S_OK);
    store = open_default_store(s);
    inbox = open_inbox(s, store);
    read_inbox(inbox, &newest);

    /* SetReadFlag on the opened message, seen in its flags and the folder's count. */
    EXPECT(newest->lpVtbl->SetReadFlag(newest, 0), S_OK);
    CHECK(count_now(inbox, PR_CONTENT_UNREAD) == 2);
    EXPECT(newest->lpVtbl->SetReadFlag(newest, 0x100), MAPI_E_UNKNOWN_FLAGS);
    EXPECT(newest->lpVtbl->GetLastError(newest, MAPI_E_UNKNOWN_FLAGS, 0, &err), S_OK);
    CHECK(err != NULL && strstr(err->lpszError, "MAPI_E_UNKNOWN_FLAGS") != NULL);
    printf("last error: %s\n", err->lpszError);
    MAPIFreeBuffer(err);
    newest->lpVtbl->Release(newest);

    drafts = open_drafts(store);
    make_draft(drafts, &cb, &eid);
    check_draft(s, cb, eid);
    folder_ops(drafts, inbox, cb, eid);
    MAPIFreeBuffer(eid);

    drafts->lpVtbl->Release(drafts);
    inbox->lpVtbl->Release(inbox);
    store->lpVtbl->Release(store);
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("objects ok\n");
    return 0;
}
