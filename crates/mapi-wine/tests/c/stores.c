/* A Windows Extended-MAPI client in C, built with mingw-w64 against its own MAPI headers
 * and linked against mapi32.dll (the bridge's forwarder under mapi32=n,b): logs on to
 * the profile named by its first argument (taken from the UTF-16 command line and passed
 * as UTF-16 with MAPI_UNICODE), lists the message
 * stores table with wide display names, adds columns with HrAddColumns, logs off. Prints UTF-8. */
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

int main(void)
{
    int argc = 0;
    LPWSTR *argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    LPMAPISESSION session = NULL;
    LPMAPITABLE table = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_W, PR_DEFAULT_STORE}};
    ULONG i;
    if (!argv || argc != 2) return 2;
    check("MAPIInitialize", MAPIInitialize(NULL));
    check("MAPILogonEx", MAPILogonEx(0, (LPTSTR)argv[1], NULL,
                                     MAPI_EXTENDED | MAPI_UNICODE | MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION,
                                     &session));
    check("GetMsgStoresTable", session->lpVtbl->GetMsgStoresTable(session, MAPI_UNICODE, &table));
    check("SetColumns", table->lpVtbl->SetColumns(table, (LPSPropTagArray)&cols, 0));
    check("QueryRows", table->lpVtbl->QueryRows(table, 50, 0, &rows));
    for (i = 0; i < rows->cRows; i++) {
        char name[512] = "";
        LPSPropValue p = rows->aRow[i].lpProps;
        if (PROP_TYPE(p[0].ulPropTag) == PT_UNICODE)
            WideCharToMultiByte(CP_UTF8, 0, p[0].Value.lpszW, -1, name, sizeof name, NULL, NULL);
        printf("store %lu: %s%s\n", (unsigned long)i, name,
               PROP_TYPE(p[1].ulPropTag) == PT_BOOLEAN && p[1].Value.b ? " (default)" : "");
    }
    FreeProws(rows);
    {   /* HrAddColumns: the new columns first, then the current ones not among them. */
        SizedSPropTagArray(2, add) = {2, {PR_DEFAULT_STORE, PR_ENTRYID}};
        LPSPropTagArray now = NULL;
        check("HrAddColumns", HrAddColumns(table, (LPSPropTagArray)&add, MAPIAllocateBuffer, MAPIFreeBuffer));
        check("QueryColumns", table->lpVtbl->QueryColumns(table, 0, &now));
        printf("columns");
        for (i = 0; i < now->cValues; i++) printf(" %08lX", (unsigned long)now->aulPropTag[i]);
        printf("\n");
        MAPIFreeBuffer(now);
    }
    table->lpVtbl->Release(table);
    check("Logoff", session->lpVtbl->Logoff(session, 0, 0, 0));
    session->lpVtbl->Release(session);
    MAPIUninitialize();
    printf("done\n");
    return 0;
}
