/* IAddrBook::Advise / Unadvise from C: a sink made with HrAllocAdviseSink, advised for
 * fnevObjectCreated on the whole address book and on the contacts container, hears
 * entries CreateEntry + SaveChanges adds (on a library thread, the entry id given); it
 * calls back into the address book from OnNotify; after Unadvise it hears nothing. An
 * unknown connection is MAPI_E_NOT_FOUND, a mask with no address-book event
 * MAPI_E_NO_SUPPORT, a NULL lpulConnection MAPI_E_INVALID_PARAMETER. Exits non-zero at
 * the first surprise. */
#include "common.h"

#ifndef PR_DEF_CREATE_MAILUSER
#define PR_DEF_CREATE_MAILUSER PROP_TAG(PT_BINARY, 0x3605)
#endif

struct state {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    pthread_t main_thread;
    LPADRBOOK ab;
    int created, other, on_main_thread, with_entry;
    HRESULT inside;
};

static LONG STDAPICALLTYPE on_notify(LPVOID ctx, ULONG n, LPNOTIFICATION ns) {
    struct state *st = ctx;
    pthread_mutex_lock(&st->lock);
    for (ULONG i = 0; i < n; i++) {
        if (ns[i].ulEventType != fnevObjectCreated) {
            st->other++;
            continue;
        }
        st->created++;
        st->with_entry += ns[i].info.obj.cbEntryID > 0 && ns[i].info.obj.lpEntryID != NULL;
        st->on_main_thread |= pthread_equal(pthread_self(), st->main_thread);
        /* Back into the address book from its own notification. */
        ULONG type = 0;
        LPUNKNOWN root = NULL;
        st->inside = IAddrBook_OpenEntry(st->ab, 0, NULL, NULL, 0, &type, &root);
        if (root) root->lpVtbl->Release(root);
    }
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->lock);
    return 0;
}

static void add(LPABCONT c, const SBinary *tmpl, const char *name, const char *email) {
    LPMAPIPROP p = NULL;
    EXPECT(IABContainer_CreateEntry(c, tmpl->cb, (LPENTRYID)tmpl->lpb, 0, &p), S_OK);
    SPropValue v[2];
    v[0].ulPropTag = PR_DISPLAY_NAME_A;
    v[0].Value.lpszA = (char *)name;
    v[1].ulPropTag = PR_EMAIL_ADDRESS_A;
    v[1].Value.lpszA = (char *)email;
    EXPECT(p->lpVtbl->SetProps(p, 2, v, NULL), S_OK);
    EXPECT(p->lpVtbl->SaveChanges(p, 0), S_OK);
    p->lpVtbl->Release(p);
}

/* Waits up to `seconds` for st->created to reach `want`; returns what it is. */
static int wait_created(struct state *st, int want, int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    pthread_mutex_lock(&st->lock);
    while (st->created < want)
        if (pthread_cond_timedwait(&st->cv, &st->lock, &deadline) != 0) break;
    int got = st->created;
    pthread_mutex_unlock(&st->lock);
    return got;
}

int main(void) {
    static struct state st;
    pthread_mutex_init(&st.lock, NULL);
    pthread_cond_init(&st.cv, NULL);
    st.main_thread = pthread_self();
    EXPECT(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_default();
    EXPECT(IMAPISession_OpenAddressBook(s, 0, NULL, 0, &st.ab), S_OK);
    LPADRBOOK ab = st.ab;

    /* The contacts container and its template. */
    ULONG type = 0, n = 0;
    LPABCONT root = NULL, c = NULL;
    LPMAPITABLE h = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, hcols) = {1, {PR_ENTRYID}};
    EXPECT(IAddrBook_OpenEntry(ab, 0, NULL, NULL, 0, &type, (LPUNKNOWN *)&root), S_OK);
    EXPECT(IABContainer_GetHierarchyTable(root, 0, &h), S_OK);
    EXPECT(HrQueryAllRows(h, (LPSPropTagArray)&hcols, NULL, NULL, 0, &rows), S_OK);
    CHECK(rows->cRows >= 1);
    SBinary cid = rows->aRow[0].lpProps[0].Value.bin;
    EXPECT(IAddrBook_OpenEntry(ab, cid.cb, (LPENTRYID)cid.lpb, NULL, 0, &type,
                               (LPUNKNOWN *)&c),
           S_OK);
    SizedSPropTagArray(1, tcol) = {1, {PR_DEF_CREATE_MAILUSER}};
    LPSPropValue tv = NULL;
    EXPECT(IABContainer_GetProps(c, (LPSPropTagArray)&tcol, 0, &n, &tv), S_OK);
    CHECK(n == 1 && tv[0].ulPropTag == PR_DEF_CREATE_MAILUSER);

    LPMAPIADVISESINK sink = NULL;
    ULONG_PTR whole = 0, cont = 0, bad = 0;
    EXPECT(HrAllocAdviseSink(on_notify, &st, &sink), S_OK);
    /* Misuse first. */
    EXPECT(IAddrBook_Advise(ab, 0, NULL, fnevObjectCreated, sink, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(IAddrBook_Advise(ab, 0, NULL, fnevObjectCreated, NULL, &bad), MAPI_E_INVALID_PARAMETER);
    EXPECT(IAddrBook_Advise(ab, 0, NULL, fnevNewMail | fnevTableModified, sink, &bad),
           MAPI_E_NO_SUPPORT);
    EXPECT(IAddrBook_Unadvise(ab, 987654), MAPI_E_NOT_FOUND);
    printf("misuse: MAPI_E_NO_SUPPORT, MAPI_E_NOT_FOUND\n");

    EXPECT(IAddrBook_Advise(ab, 0, NULL, fnevObjectCreated | fnevObjectModified, sink, &whole),
           S_OK);
    EXPECT(IAddrBook_Advise(ab, cid.cb, (LPENTRYID)cid.lpb, fnevObjectCreated, sink, &cont),
           S_OK);
    CHECK(whole != 0 && cont != 0 && whole != cont);
    add(c, &tv[0].Value.bin, "Advised Anne", "anne@example.org");
    /* Both registrations hear it. */
    CHECK(wait_created(&st, 2, 20) == 2);
    pthread_mutex_lock(&st.lock);
    CHECK(st.with_entry == 2);
    CHECK(!st.on_main_thread);
    EXPECT(st.inside, S_OK);
    pthread_mutex_unlock(&st.lock);
    printf("created: %d notifications\n", st.created);

    EXPECT(IAddrBook_Unadvise(ab, cont), S_OK);
    EXPECT(IAddrBook_Unadvise(ab, cont), MAPI_E_NOT_FOUND);
    add(c, &tv[0].Value.bin, "Advised Bert", "bert@example.org");
    CHECK(wait_created(&st, 3, 20) == 3);
    EXPECT(IAddrBook_Unadvise(ab, whole), S_OK);
    add(c, &tv[0].Value.bin, "Unheard Carl", "carl@example.org");
    /* Nothing more arrives once both are gone. */
    CHECK(wait_created(&st, 4, 2) == 3);
    printf("after Unadvise: %d notifications\n", st.created);

    MAPIFreeBuffer(tv);
    FreeProws(rows);
    h->lpVtbl->Release(h);
    c->lpVtbl->Release(c);
    root->lpVtbl->Release(root);
    sink->lpVtbl->Release(sink);
    ab->lpVtbl->Release(ab);
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("abadvise ok\n");
    return 0;
}
