/* The shared session from C: `shared make CMD` logs on with MAPI_ALLOW_OTHERS (the
 * session lives in the daemon mapid, started on demand), runs CMD (which joins it from
 * other processes), then ends it with MAPI_LOGOFF_SHARED. `shared join` logs on without
 * MAPI_NEW_SESSION, which joins the running shared session, and lists its stores. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
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

static void list_stores(const char *who, LPMAPISESSION s) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_DISPLAY_NAME_A}};
    EXPECT(IMAPISession_GetMsgStoresTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows; i++)
        printf("%s store: %s\n", who, rows->aRow[i].lpProps[0].Value.lpszA);
    FreeProws(rows);
    IMAPITable_Release(t);
}

int main(int argc, char **argv) {
    LPMAPISESSION s = NULL;
    if (argc < 2) return 2;
    EXPECT(MAPIInitialize(NULL), S_OK);
    if (strcmp(argv[1], "make") == 0 && argc == 3) {
        EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL,
                           MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION | MAPI_ALLOW_OTHERS, &s),
               S_OK);
        list_stores("maker", s);
        fflush(stdout);
        int rc = system(argv[2]);
        EXPECT(IMAPISession_Logoff(s, 0, MAPI_LOGOFF_SHARED, 0), S_OK);
        IMAPISession_Release(s);
        MAPIUninitialize();
        printf("maker done, joiners %s\n", rc == 0 ? "ok" : "failed");
        return rc == 0 ? 0 : 1;
    }
    if (strcmp(argv[1], "join") == 0) {
        EXPECT(MAPILogonEx(0, NULL, NULL, 0, &s), S_OK);
        list_stores("joiner", s);
        EXPECT(IMAPISession_Logoff(s, 0, 0, 0), S_OK);
        IMAPISession_Release(s);
        MAPIUninitialize();
        return 0;
    }
    return 2;
}
