/* A Windows Extended-MAPI client in C (mingw-w64, linked against mapi32.dll) that writes
 * a message body through a text stream: logs on to the profile named by its first
 * argument, creates a message in the default store's Inbox, opens PR_BODY_W as an
 * IStream with MAPI_CREATE (an empty text), writes UTF-16 with a surrogate pair, commits
 * and saves, then reads it back with GetProps and through a new stream (Stat's size in
 * UTF-16 bytes). Prints UTF-8. */
#include <windows.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <shellapi.h>
#include <stdio.h>
#include <string.h>

static const GUID iid_stream = {0x0000000C, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};

static void check(const char *what, HRESULT hr)
{
    printf("%s 0x%08lX\n", what, (unsigned long)hr);
    fflush(stdout);
    if (FAILED(hr)) ExitProcess(1);
}

static void need(const char *what, int ok)
{
    printf("%s %s\n", what, ok ? "ok" : "FAILED");
    fflush(stdout);
    if (!ok) ExitProcess(1);
}

int main(void)
{
    static const WCHAR body[] = L"Gr\x00FC\x00DF" L"e \xD83D\xDE00";
    int argc = 0;
    LPWSTR *argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    LPMAPISESSION session = NULL;
    LPMAPITABLE table = NULL;
    LPSRowSet rows = NULL;
    LPMDB store = NULL;
    LPMAPIFOLDER inbox = NULL;
    LPMESSAGE m = NULL;
    LPSTREAM s = NULL;
    LPSPropValue v = NULL;
    LPENTRYID eid = NULL;
    LPTSTR cls = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    SizedSPropTagArray(1, tags) = {1, {PR_BODY_W}};
    ULONG i, cb = 0, type = 0, n = 0;
    STATSTG st;
    WCHAR back[64];
    char utf8[128] = "";
    if (!argv || argc != 2) return 2;
    check("MAPIInitialize", MAPIInitialize(NULL));
    check("MAPILogonEx", MAPILogonEx(0, (LPTSTR)argv[1], NULL,
                                     MAPI_EXTENDED | MAPI_UNICODE | MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION,
                                     &session));
    check("GetMsgStoresTable", session->lpVtbl->GetMsgStoresTable(session, 0, &table));
    check("SetColumns", table->lpVtbl->SetColumns(table, (LPSPropTagArray)&cols, 0));
    check("QueryRows", table->lpVtbl->QueryRows(table, 50, 0, &rows));
    for (i = 0; i < rows->cRows; i++) {
        LPSPropValue p = rows->aRow[i].lpProps;
        if (PROP_TYPE(p[1].ulPropTag) == PT_BOOLEAN && p[1].Value.b)
            check("OpenMsgStore", session->lpVtbl->OpenMsgStore(session, 0, p[0].Value.bin.cb,
                                                                (LPENTRYID)p[0].Value.bin.lpb, NULL,
                                                                MAPI_BEST_ACCESS, &store));
    }
    FreeProws(rows);
    table->lpVtbl->Release(table);
    need("default store", store != NULL);
    /* Without the optional explicit class, then with it. */
    check("GetReceiveFolder", store->lpVtbl->GetReceiveFolder(store, (LPTSTR) "IPM", 0, &cb, &eid, NULL));
    MAPIFreeBuffer(eid);
    check("GetReceiveFolder", store->lpVtbl->GetReceiveFolder(store, (LPTSTR) "IPM", 0, &cb, &eid, &cls));
    check("OpenEntry", store->lpVtbl->OpenEntry(store, cb, eid, NULL, MAPI_MODIFY, &type,
                                                (LPUNKNOWN *)&inbox));
    MAPIFreeBuffer(eid);
    MAPIFreeBuffer(cls);
    check("CreateMessage", inbox->lpVtbl->CreateMessage(inbox, NULL, 0, &m));
    check("OpenProperty", m->lpVtbl->OpenProperty(m, PR_BODY_W, &iid_stream, 0, MAPI_CREATE | MAPI_MODIFY,
                                                  (LPUNKNOWN *)&s));
    check("Write", s->lpVtbl->Write(s, body, sizeof body - sizeof(WCHAR), &n));
    check("Commit", s->lpVtbl->Commit(s, 0));
    s->lpVtbl->Release(s);
    check("SaveChanges", m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE));
    check("GetProps", m->lpVtbl->GetProps(m, (LPSPropTagArray)&tags, MAPI_UNICODE, &n, &v));
    need("PR_BODY_W", n == 1 && v[0].ulPropTag == PR_BODY_W && wcscmp(v[0].Value.lpszW, body) == 0);
    MAPIFreeBuffer(v);
    check("OpenProperty", m->lpVtbl->OpenProperty(m, PR_BODY_W, &iid_stream, 0, 0, (LPUNKNOWN *)&s));
    check("Stat", s->lpVtbl->Stat(s, &st, STATFLAG_NONAME));
    need("Stat size", st.cbSize.QuadPart == sizeof body - sizeof(WCHAR));
    memset(back, 0, sizeof back);
    check("Read", s->lpVtbl->Read(s, back, sizeof back - sizeof(WCHAR), &n));
    need("stream text", n == sizeof body - sizeof(WCHAR) && wcscmp(back, body) == 0);
    s->lpVtbl->Release(s);
    WideCharToMultiByte(CP_UTF8, 0, back, -1, utf8, sizeof utf8, NULL, NULL);
    printf("body: %s\n", utf8);
    m->lpVtbl->Release(m);
    inbox->lpVtbl->Release(inbox);
    store->lpVtbl->Release(store);
    check("Logoff", session->lpVtbl->Logoff(session, 0, 0, 0));
    session->lpVtbl->Release(session);
    MAPIUninitialize();
    printf("done\n");
    return 0;
}
