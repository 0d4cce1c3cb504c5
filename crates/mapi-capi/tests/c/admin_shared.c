/* Administration through a shared session (MAPI_ALLOW_OTHERS: the session lives in
 * the daemon mapid): IMAPISession::AdminServices lists the quickstart profile's
 * services, OpenProfileSection(MAPI_MODIFY) renames the local store, the status rows
 * open as IMAPIStatus; then Logoff(MAPI_LOGOFF_SHARED) and an individual logon sees the
 * new name. Exits non-zero at the first unexpected result. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

#ifndef KEEP_OPEN_READWRITE
#define KEEP_OPEN_READWRITE ((ULONG)0x00000002)
#endif
#define PR_LS_DISPLAY_A PROP_TAG(PT_STRING8, 0x6601)

static void store_name(LPMAPISESSION s, const char *who) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_DISPLAY_NAME_A}};
    EXPECT(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    CHECK(rows->cRows == 1);
    printf("%s store: %s\n", who, rows->aRow[0].lpProps[0].Value.lpszA);
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

int main(void) {
    LPMAPISESSION s = NULL;
    LPSERVICEADMIN sa = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    MAPIUID uid;
    EXPECT(MAPIInitialize(NULL), S_OK);
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_NEW_SESSION | MAPI_ALLOW_OTHERS, &s),
           S_OK);
    store_name(s, "shared");

    EXPECT(s->lpVtbl->AdminServices(s, 0, &sa), S_OK);
    SizedSPropTagArray(2, cols) = {2, {PR_SERVICE_NAME_A, PR_SERVICE_UID}};
    EXPECT(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    CHECK(rows->cRows == 2);
    for (ULONG i = 0; i < rows->cRows; i++)
        printf("shared service: %s\n", rows->aRow[i].lpProps[0].Value.lpszA);
    CHECK(strcmp(rows->aRow[0].lpProps[0].Value.lpszA, "local-store") == 0);
    memcpy(&uid, rows->aRow[0].lpProps[1].Value.bin.lpb, sizeof uid);
    FreeProws(rows);
    sa->lpVtbl->Release(sa);

    LPPROFSECT ps = NULL;
    SPropValue v;
    v.ulPropTag = PR_LS_DISPLAY_A;
    v.Value.lpszA = (LPSTR) "Shared store";
    EXPECT(s->lpVtbl->OpenProfileSection(s, &uid, NULL, MAPI_MODIFY, &ps), S_OK);
    EXPECT(ps->lpVtbl->SetProps(ps, 1, &v, NULL), S_OK);
    EXPECT(ps->lpVtbl->SaveChanges(ps, KEEP_OPEN_READWRITE), S_OK);
    ps->lpVtbl->Release(ps);

    /* Status rows of the daemon's session open as IMAPIStatus here. */
    SizedSPropTagArray(2, scols) = {2, {PR_ENTRYID, PR_DISPLAY_NAME_A}};
    EXPECT(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&scols, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    for (ULONG i = 0; i < rows->cRows; i++) {
        LPUNKNOWN unk = NULL;
        ULONG type = 0, n = 0;
        LPSPropValue props = NULL;
        const SBinary *e = &rows->aRow[i].lpProps[0].Value.bin;
        EXPECT(s->lpVtbl->OpenEntry(s, e->cb, (LPENTRYID)e->lpb, &IID_IMAPIStatus, 0, &type,
                                    &unk),
               S_OK);
        LPMAPISTATUS st = (LPMAPISTATUS)unk;
        EXPECT(st->lpVtbl->GetProps(st, (LPSPropTagArray)&scols, 0, &n, &props), S_OK);
        CHECK(strcmp(props[1].Value.lpszA, rows->aRow[i].lpProps[1].Value.lpszA) == 0);
        printf("shared status: %s\n", props[1].Value.lpszA);
        MAPIFreeBuffer(props);
        EXPECT(st->lpVtbl->ValidateState(st, 0, 0), S_OK);
        st->lpVtbl->Release(st);
    }
    FreeProws(rows);
    EXPECT(s->lpVtbl->Logoff(s, 0, MAPI_LOGOFF_SHARED, 0), S_OK);
    s->lpVtbl->Release(s);

    /* An individual session of the same profile sees the section's change. */
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_NEW_SESSION, &s), S_OK);
    store_name(s, "individual");
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("admin shared ok\n");
    return 0;
}
