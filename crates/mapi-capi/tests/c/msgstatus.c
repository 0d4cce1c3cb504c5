/* IMAPIFolder::GetMessageStatus / SetMessageStatus: a new message has status 0;
 * SetMessageStatus changes only the masked bits and hands back the prior status; the
 * status is the message's PR_MSG_STATUS, seen by GetProps on the reopened message and by
 * a second session; an unknown entry id, or a message of another folder, is
 * MAPI_E_NOT_FOUND. Exits non-zero at the first unexpected result. */
#include "common.h"

static ULONG status_prop(LPMDB store, ULONG cb, LPENTRYID eid) {
    ULONG type = 0;
    LPMESSAGE m = NULL;
    EXPECT(store->lpVtbl->OpenEntry(store, cb, eid, NULL, 0, &type, (LPUNKNOWN *)&m), S_OK);
    CHECK(type == MAPI_MESSAGE);
    ULONG v = one_long((LPMAPIPROP)m, PR_MSG_STATUS);
    m->lpVtbl->Release(m);
    return v;
}

int main(void) {
    EXPECT(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_default();
    LPMDB store = open_default_store(s);
    LPMAPIFOLDER inbox = open_inbox(store);
    ULONG cb = 0, st = 0xFFFF, old = 0xFFFF;
    LPENTRYID eid = NULL;
    save_message(inbox, "status of this one", &cb, &eid);

    EXPECT(inbox->lpVtbl->GetMessageStatus(inbox, cb, eid, 0, &st), S_OK);
    CHECK(st == 0);
    EXPECT(inbox->lpVtbl->SetMessageStatus(inbox, cb, eid,
                                           MSGSTATUS_TAGGED | MSGSTATUS_HIGHLIGHTED,
                                           MSGSTATUS_TAGGED | MSGSTATUS_HIGHLIGHTED, &old),
           S_OK);
    CHECK(old == 0);
    EXPECT(inbox->lpVtbl->GetMessageStatus(inbox, cb, eid, 0, &st), S_OK);
    CHECK(st == (MSGSTATUS_TAGGED | MSGSTATUS_HIGHLIGHTED));
    /* Only the masked bits move: HIGHLIGHTED off, DELMARKED on, TAGGED kept (it is
     * set in the new value but outside the mask, and so is REMOTE_DELETE). */
    EXPECT(inbox->lpVtbl->SetMessageStatus(inbox, cb, eid,
                                           MSGSTATUS_DELMARKED | MSGSTATUS_REMOTE_DELETE,
                                           MSGSTATUS_HIGHLIGHTED | MSGSTATUS_DELMARKED, &old),
           S_OK);
    CHECK(old == (MSGSTATUS_TAGGED | MSGSTATUS_HIGHLIGHTED));
    ULONG want = MSGSTATUS_TAGGED | MSGSTATUS_DELMARKED;
    EXPECT(inbox->lpVtbl->GetMessageStatus(inbox, cb, eid, 0, &st), S_OK);
    CHECK(st == want);
    CHECK(status_prop(store, cb, eid) == want);
    /* A NULL lpulOldStatus is allowed. */
    EXPECT(inbox->lpVtbl->SetMessageStatus(inbox, cb, eid, MSGSTATUS_HIDDEN, MSGSTATUS_HIDDEN,
                                           NULL),
           S_OK);
    want |= MSGSTATUS_HIDDEN;
    printf("status: 0x%lx\n", (unsigned long)want);

    /* A second session of the same store sees it. */
    LPMAPISESSION s2 = logon_default();
    LPMDB store2 = open_default_store(s2);
    LPMAPIFOLDER inbox2 = open_inbox(store2);
    EXPECT(inbox2->lpVtbl->GetMessageStatus(inbox2, cb, eid, 0, &st), S_OK);
    CHECK(st == want);
    CHECK(status_prop(store2, cb, eid) == want);
    inbox2->lpVtbl->Release(inbox2);
    store2->lpVtbl->Release(store2);
    EXPECT(s2->lpVtbl->Logoff(s2, 0, 0, 0), S_OK);
    s2->lpVtbl->Release(s2);
    printf("second session: 0x%lx\n", (unsigned long)st);

    /* Unknown entry ids and another folder's message: MAPI_E_NOT_FOUND. */
    LPBYTE bogus = NULL;
    EXPECT(MAPIAllocateBuffer(cb, (void **)&bogus), S_OK);
    memcpy(bogus, eid, cb);
    bogus[cb - 1] ^= 0x5A;
    bogus[cb - 2] ^= 0xA5;
    EXPECT(inbox->lpVtbl->GetMessageStatus(inbox, cb, (LPENTRYID)bogus, 0, &st),
           MAPI_E_NOT_FOUND);
    EXPECT(inbox->lpVtbl->SetMessageStatus(inbox, cb, (LPENTRYID)bogus, 1, 1, &old),
           MAPI_E_NOT_FOUND);
    memset(bogus, 0x11, cb);
    EXPECT(inbox->lpVtbl->GetMessageStatus(inbox, cb, (LPENTRYID)bogus, 0, &st),
           MAPI_E_NOT_FOUND);
    MAPIFreeBuffer(bogus);
    ULONG type = 0;
    LPMAPIFOLDER root = NULL, other = NULL;
    EXPECT(store->lpVtbl->OpenEntry(store, 0, NULL, NULL, MAPI_MODIFY, &type,
                                    (LPUNKNOWN *)&root),
           S_OK);
    EXPECT(root->lpVtbl->CreateFolder(root, FOLDER_GENERIC, (LPTSTR) "status elsewhere", NULL,
                                      NULL, OPEN_IF_EXISTS, &other),
           S_OK);
    EXPECT(other->lpVtbl->GetMessageStatus(other, cb, eid, 0, &st), MAPI_E_NOT_FOUND);
    other->lpVtbl->Release(other);
    root->lpVtbl->Release(root);
    /* Misuse: a NULL out-pointer, NULL entry id, unknown flags. */
    EXPECT(inbox->lpVtbl->GetMessageStatus(inbox, cb, eid, 0, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(inbox->lpVtbl->GetMessageStatus(inbox, cb, NULL, 0, &st), MAPI_E_INVALID_PARAMETER);
    EXPECT(inbox->lpVtbl->GetMessageStatus(inbox, cb, eid, 0x40, &st), MAPI_E_UNKNOWN_FLAGS);
    printf("unknown entry id: MAPI_E_NOT_FOUND\n");

    MAPIFreeBuffer(eid);
    inbox->lpVtbl->Release(inbox);
    store->lpVtbl->Release(store);
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("msgstatus ok\n");
    return 0;
}
