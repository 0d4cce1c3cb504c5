/* A Windows Extended-MAPI client that leaves without cleaning up: logs on to the profile
 * named by its first argument, opens the default store, advises a sink of its own for
 * fnevNewMail (so the bridge's notification pump runs), prints "leaving" and returns
 * from main with the session, the store and the advise still open: no Unadvise, no
 * Logoff, no MAPIUninitialize. */
#include <windows.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <shellapi.h>
#include <stdio.h>

static void check(const char *what, HRESULT hr)
{
    printf("%s 0x%08lX\n", what, (unsigned long)hr);
    fflush(stdout);
    if (FAILED(hr)) ExitProcess(1);
}

static HRESULT STDMETHODCALLTYPE sink_qi(IMAPIAdviseSink *s, REFIID riid, void **ppv)
{
    /* IUnknown {0...C000-000000000046} or IMAPIAdviseSink {00020302-...}: the OLE tail. */
    static const BYTE tail[8] = {0xC0, 0, 0, 0, 0, 0, 0, 0x46};
    if (!memcmp(riid->Data4, tail, 8) && riid->Data2 == 0 && riid->Data3 == 0 &&
        (riid->Data1 == 0 || riid->Data1 == 0x00020302)) {
        *ppv = s;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE sink_ref(IMAPIAdviseSink *s) { (void)s; return 1; }
static ULONG STDMETHODCALLTYPE sink_notify(IMAPIAdviseSink *s, ULONG n, LPNOTIFICATION notifs)
{
    (void)s, (void)n, (void)notifs;
    return 0;
}
static IMAPIAdviseSinkVtbl sink_vtbl = {sink_qi, sink_ref, sink_ref, sink_notify};
static IMAPIAdviseSink sink = {&sink_vtbl};

int main(void)
{
    int argc = 0;
    LPWSTR *argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    LPMAPISESSION session = NULL;
    LPMAPITABLE table = NULL;
    LPSRowSet rows = NULL;
    LPMDB store = NULL;
    ULONG conn = 0, i;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    if (!argv || argc != 2) return 2;
    check("MAPIInitialize", MAPIInitialize(NULL));
    check("MAPILogonEx", MAPILogonEx(0, (LPTSTR)argv[1], NULL,
                                     MAPI_EXTENDED | MAPI_UNICODE | MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION,
                                     &session));
    check("GetMsgStoresTable", session->lpVtbl->GetMsgStoresTable(session, 0, &table));
    check("SetColumns", table->lpVtbl->SetColumns(table, (LPSPropTagArray)&cols, 0));
    check("QueryRows", table->lpVtbl->QueryRows(table, 50, 0, &rows));
    for (i = 0; i < rows->cRows && !store; i++) {
        LPSPropValue p = rows->aRow[i].lpProps;
        if (PROP_TYPE(p[1].ulPropTag) == PT_BOOLEAN && p[1].Value.b)
            check("OpenMsgStore", session->lpVtbl->OpenMsgStore(session, 0, p[0].Value.bin.cb,
                                                                (LPENTRYID)p[0].Value.bin.lpb, NULL,
                                                                MDB_WRITE, &store));
    }
    if (!store) return 3;
    check("Advise", store->lpVtbl->Advise(store, 0, NULL, fnevNewMail, &sink, &conn));
    printf("leaving\n");
    fflush(stdout);
    return 0;
}
