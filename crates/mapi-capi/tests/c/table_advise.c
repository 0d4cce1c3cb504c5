/* IMAPITable::Advise (fnevTableModified) on the Inbox's contents table across
 * processes. `table_advise` opens the table, sets three columns, advises, prints
 * "advised" and waits; `table_advise save SUBJECT` (a second process) saves a message
 * with that subject into the same store's Inbox. The first hears TABLE_ROW_ADDED with
 * the row in its current columns; inside OnNotify the sink calls SeekRow, QueryRows
 * (which then holds the new row) and Unadvise, all without deadlock. Exits non-zero at
 * the first surprise. */
#include "common.h"

#ifndef PR_INSTANCE_KEY
#define PR_INSTANCE_KEY PROP_TAG(PT_BINARY, 0x0FF6)
#endif

struct state {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    pthread_t main_thread;
    LPMAPITABLE table;
    ULONG_PTR conn;
    const char *want;
    int added, done, on_main_thread, columns_ok, found_inside;
    ULONG rows_inside;
    HRESULT seek_inside, query_inside, unadvise_inside;
    char subject[128];
};

static LONG STDAPICALLTYPE on_notify(LPVOID ctx, ULONG n, LPNOTIFICATION ns) {
    struct state *st = ctx;
    pthread_mutex_lock(&st->lock);
    for (ULONG i = 0; i < n && !st->done; i++) {
        if (ns[i].ulEventType != fnevTableModified) continue;
        TABLE_NOTIFICATION *t = &ns[i].info.tab;
        if (t->ulTableEvent != TABLE_ROW_ADDED) continue;
        SRow *r = &t->row;
        if (r->cValues != 3 || r->lpProps[0].ulPropTag != PR_SUBJECT_A) continue;
        if (strcmp(r->lpProps[0].Value.lpszA, st->want) != 0) continue;
        st->added++;
        st->on_main_thread |= pthread_equal(pthread_self(), st->main_thread);
        st->columns_ok = r->lpProps[1].ulPropTag == PR_ENTRYID &&
                         r->lpProps[1].Value.bin.cb > 0 &&
                         r->lpProps[2].ulPropTag == PR_INSTANCE_KEY;
        snprintf(st->subject, sizeof st->subject, "%s", r->lpProps[0].Value.lpszA);
        /* Back into the table from its own notification. */
        LONG sought = 0;
        LPSRowSet rows = NULL;
        st->seek_inside = IMAPITable_SeekRow(st->table, BOOKMARK_BEGINNING, 0, &sought);
        st->query_inside = IMAPITable_QueryRows(st->table, 1000, 0, &rows);
        if (rows) {
            st->rows_inside = rows->cRows;
            for (ULONG k = 0; k < rows->cRows; k++) {
                SPropValue *p = &rows->aRow[k].lpProps[0];
                if (p->ulPropTag == PR_SUBJECT_A && strcmp(p->Value.lpszA, st->want) == 0)
                    st->found_inside = 1;
            }
            FreeProws(rows);
        }
        st->unadvise_inside = IMAPITable_Unadvise(st->table, st->conn);
        st->done = 1;
    }
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->lock);
    return 0;
}

static int save(const char *subject) {
    EXPECT(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_default();
    LPMDB store = open_default_store(s);
    LPMAPIFOLDER inbox = open_inbox(store);
    save_message(inbox, subject, NULL, NULL);
    inbox->lpVtbl->Release(inbox);
    store->lpVtbl->Release(store);
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("saved: %s\n", subject);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "save") == 0) return save(argv[2]);
    CHECK(argc == 2);
    static struct state st;
    pthread_mutex_init(&st.lock, NULL);
    pthread_cond_init(&st.cv, NULL);
    st.main_thread = pthread_self();
    st.want = argv[1];
    EXPECT(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_default();
    LPMDB store = open_default_store(s);
    LPMAPIFOLDER inbox = open_inbox(store);
    EXPECT(inbox->lpVtbl->GetContentsTable(inbox, 0, &st.table), S_OK);
    SizedSPropTagArray(3, cols) = {3, {PR_SUBJECT_A, PR_ENTRYID, PR_INSTANCE_KEY}};
    EXPECT(IMAPITable_SetColumns(st.table, (LPSPropTagArray)&cols, 0), S_OK);
    ULONG before = 0;
    EXPECT(IMAPITable_GetRowCount(st.table, 0, &before), S_OK);

    LPMAPIADVISESINK sink = NULL;
    EXPECT(HrAllocAdviseSink(on_notify, &st, &sink), S_OK);
    EXPECT(IMAPITable_Advise(st.table, fnevNewMail, sink, &st.conn), MAPI_E_NO_SUPPORT);
    pthread_mutex_lock(&st.lock);
    EXPECT(IMAPITable_Advise(st.table, fnevTableModified, sink, &st.conn), S_OK);
    CHECK(st.conn != 0);
    ULONG_PTR conn = st.conn;
    pthread_mutex_unlock(&st.lock);
    CHECK(sink->lpVtbl->Release(sink) == 1);
    printf("advised\n");
    fflush(stdout);

    pthread_mutex_lock(&st.lock);
    CHECK(wait_flag(&st.lock, &st.cv, &st.done, 120) == 1);
    CHECK(st.added == 1);
    CHECK(!st.on_main_thread);
    CHECK(st.columns_ok);
    EXPECT(st.seek_inside, S_OK);
    EXPECT(st.query_inside, S_OK);
    EXPECT(st.unadvise_inside, S_OK);
    CHECK(st.found_inside);
    CHECK(st.rows_inside == before + 1);
    printf("row added: %s; %lu rows inside OnNotify (%lu before)\n", st.subject,
           (unsigned long)st.rows_inside, (unsigned long)before);
    pthread_mutex_unlock(&st.lock);
    /* Unadvised from inside OnNotify: the number is gone. */
    EXPECT(IMAPITable_Unadvise(st.table, conn), MAPI_E_NOT_FOUND);
    ULONG after = 0;
    EXPECT(IMAPITable_GetRowCount(st.table, 0, &after), S_OK);
    CHECK(after == before + 1);

    IMAPITable_Release(st.table);
    inbox->lpVtbl->Release(inbox);
    store->lpVtbl->Release(store);
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("table_advise ok\n");
    return 0;
}
