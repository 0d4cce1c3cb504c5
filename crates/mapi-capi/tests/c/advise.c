/* Advise from C: IMsgStore::Advise(fnevNewMail) on the quickstart store, then (after it
 * prints "advised") another process delivers a message into the Inbox. The sink, made
 * with HrAllocAdviseSink, is called on a library thread; inside OnNotify it reads the
 * store's properties and Unadvises itself. A session Advise(fnevExtended) registers and
 * Unadvises. Every wait has a deadline; exits non-zero at the first
 * unexpected result. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include "common.h"

struct state {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    pthread_t main_thread;
    LPMDB mdb;
    ULONG_PTR conn;
    /* What the store sink saw. */
    int mails;
    int on_main_thread;
    char message_class[64];
    ULONG cb_entry, cb_parent;
    BYTE parent[256];
    HRESULT getprops_inside, unadvise_inside;
    char store_name[64];
    /* What the session sink saw. */
    int shutdowns;
};

static LONG STDAPICALLTYPE on_mail(LPVOID ctx, ULONG n, LPNOTIFICATION ns) {
    struct state *st = ctx;
    pthread_mutex_lock(&st->lock);
    for (ULONG i = 0; i < n; i++) {
        if (ns[i].ulEventType != fnevNewMail) continue;
        NEWMAIL_NOTIFICATION *m = &ns[i].info.newmail;
        st->mails++;
        st->on_main_thread |= pthread_equal(pthread_self(), st->main_thread);
        st->cb_entry = m->cbEntryID;
        st->cb_parent = m->cbParentID;
        if (m->cbParentID <= sizeof st->parent) memcpy(st->parent, m->lpParentID, m->cbParentID);
        /* The class's width is the notification's own: wchar_t with MAPI_UNICODE. */
        CHECK((m->ulFlags & ~MAPI_UNICODE) == 0);
        if (m->ulFlags & MAPI_UNICODE)
            snprintf(st->message_class, sizeof st->message_class, "%ls",
                     (const wchar_t *)m->lpszMessageClass);
        else
            snprintf(st->message_class, sizeof st->message_class, "%s", (char *)m->lpszMessageClass);
    }
    if (st->mails && st->conn) {
        /* Back into the store from its own notification, then Unadvise from inside. */
        SizedSPropTagArray(1, tags) = {1, {PR_DISPLAY_NAME_A}};
        ULONG c = 0;
        LPSPropValue v = NULL;
        st->getprops_inside = IMsgStore_GetProps(st->mdb, (LPSPropTagArray)&tags, 0, &c, &v);
        if (v) {
            snprintf(st->store_name, sizeof st->store_name, "%s", v[0].Value.lpszA);
            MAPIFreeBuffer(v);
        }
        st->unadvise_inside = IMsgStore_Unadvise(st->mdb, st->conn);
        st->conn = 0;
    }
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->lock);
    return 0;
}

static LONG STDAPICALLTYPE on_session(LPVOID ctx, ULONG n, LPNOTIFICATION ns) {
    struct state *st = ctx;
    pthread_mutex_lock(&st->lock);
    for (ULONG i = 0; i < n; i++)
        if (ns[i].ulEventType == fnevExtended) st->shutdowns++;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->lock);
    return 0;
}

/* Waits (with a deadline) until *counter is non-zero. */
static int wait_for(struct state *st, int *counter, int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    pthread_mutex_lock(&st->lock);
    while (*counter == 0) {
        if (pthread_cond_timedwait(&st->cv, &st->lock, &deadline) != 0) break;
    }
    int got = *counter;
    pthread_mutex_unlock(&st->lock);
    return got;
}

int main(void) {
    static struct state st;
    pthread_mutex_init(&st.lock, NULL);
    pthread_cond_init(&st.cv, NULL);
    st.main_thread = pthread_self();
    MAPIINIT_0 init = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};
    EXPECT(MAPIInitialize(&init), S_OK);
    LPMAPISESSION s = NULL;
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s), S_OK);

    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    EXPECT(IMAPISession_GetMsgStoresTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows; i++) {
        if (!rows->aRow[i].lpProps[1].Value.b) continue;
        SBinary *eid = &rows->aRow[i].lpProps[0].Value.bin;
        EXPECT(IMAPISession_OpenMsgStore(s, 0, eid->cb, (LPENTRYID)eid->lpb, NULL, 0, &st.mdb), S_OK);
    }
    FreeProws(rows);
    IMAPITable_Release(t);
    CHECK(st.mdb != NULL);

    ULONG cb_inbox = 0;
    LPENTRYID inbox = NULL;
    EXPECT(IMsgStore_GetReceiveFolder(st.mdb, (LPTSTR) "IPM", 0, &cb_inbox, &inbox, NULL), S_OK);

    LPMAPIADVISESINK mail_sink = NULL, session_sink = NULL;
    EXPECT(HrAllocAdviseSink(on_mail, &st, &mail_sink), S_OK);
    EXPECT(HrAllocAdviseSink(on_session, &st, &session_sink), S_OK);
    ULONG_PTR conn = 0, sconn = 0;
    EXPECT(IMsgStore_Advise(st.mdb, 0, NULL, fnevNewMail, NULL, &conn), MAPI_E_INVALID_PARAMETER);
    EXPECT(IMsgStore_Advise(st.mdb, 0, NULL, fnevNewMail, mail_sink, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(IMsgStore_Advise(st.mdb, 0, NULL, fnevTableModified, mail_sink, &conn), MAPI_E_NO_SUPPORT);
    EXPECT(IMAPISession_Advise(s, 0, NULL, fnevNewMail, session_sink, &sconn), MAPI_E_NO_SUPPORT);
    EXPECT(IMsgStore_Unadvise(st.mdb, 12345), MAPI_E_NOT_FOUND);
    EXPECT(IMAPISession_Advise(s, 0, NULL, fnevExtended, session_sink, &sconn), S_OK);
    CHECK(sconn != 0);
    pthread_mutex_lock(&st.lock);
    EXPECT(IMsgStore_Advise(st.mdb, 0, NULL, fnevNewMail, mail_sink, &conn), S_OK);
    CHECK(conn != 0 && conn != sconn);
    st.conn = conn;
    pthread_mutex_unlock(&st.lock);
    /* The registrations hold the sinks: ours are not the last references. */
    CHECK(mail_sink->lpVtbl->Release(mail_sink) == 1);
    CHECK(session_sink->lpVtbl->Release(session_sink) == 1);

    printf("advised\n");
    fflush(stdout);
    CHECK(wait_for(&st, &st.mails, 120) == 1);
    pthread_mutex_lock(&st.lock);
    CHECK(!st.on_main_thread);
    CHECK(strcmp(st.message_class, "IPM.Note") == 0);
    CHECK(st.cb_entry > 0);
    CHECK(st.cb_parent == cb_inbox && memcmp(st.parent, inbox, cb_inbox) == 0);
    CHECK(st.getprops_inside == S_OK && strcmp(st.store_name, "Personal Folders") == 0);
    CHECK(st.unadvise_inside == S_OK);
    printf("new mail: %s, %u-byte entry id, in the Inbox\n", st.message_class, st.cb_entry);
    pthread_mutex_unlock(&st.lock);
    MAPIFreeBuffer(inbox);
    /* Unadvised from inside OnNotify: the number is gone. */
    EXPECT(IMsgStore_Unadvise(st.mdb, conn), MAPI_E_NOT_FOUND);

    /* The session registration goes with Unadvise (which lets the sink go). */
    EXPECT(IMAPISession_Unadvise(s, sconn), S_OK);
    EXPECT(IMAPISession_Unadvise(s, sconn), MAPI_E_NOT_FOUND);
    printf("session unadvised\n");
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), S_OK);
    EXPECT(IMAPISession_Unadvise(s, sconn), MAPI_E_END_OF_SESSION);
    EXPECT(IMAPISession_Advise(s, 0, NULL, fnevExtended, NULL, &sconn), MAPI_E_END_OF_SESSION);
    IMsgStore_Release(st.mdb);
    IMAPISession_Release(s);
    MAPIUninitialize();
    printf("advise ok\n");
    return 0;
}
