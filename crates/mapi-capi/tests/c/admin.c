/* Profile and service administration from C: MAPIAdminProfiles, IProfAdmin (profile
 * table, CreateProfile, SetDefaultProfile, CopyProfile, RenameProfile,
 * ChangeProfilePassword, DeleteProfile), IMsgServiceAdmin(2) (CreateMsgService(Ex),
 * GetMsgServiceTable, ConfigureMsgService with SPropValues, GetProviderTable,
 * AdminProviders, OpenProfileSection), IProviderAdmin, IProfSect (GetProps, SetProps,
 * DeleteProps, SaveChanges; secrets never readable), then MAPILogonEx on the new
 * profile, its stores table, IMAPIStatus objects opened from the status table, the session's AdminServices / OpenProfileSection, Logoff
 * and DeleteProfile; and the statuses bad input gets. argv[1]: the store file to use.
 * Prints what it reads; exits non-zero at the first unexpected result. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "common.h"

#ifndef KEEP_OPEN_READWRITE
#define KEEP_OPEN_READWRITE ((ULONG)0x00000002)
#endif
#ifndef MAPI_STORE_PROVIDER
#define MAPI_STORE_PROVIDER ((ULONG)0x00000021)
#endif
#ifndef MAPI_SPOOLER
#define MAPI_SPOOLER ((ULONG)0x00000025)
#endif
#ifndef SERVICE_UI_ALWAYS
#define SERVICE_UI_ALWAYS ((ULONG)0x00000002)
#endif
/* The local store's settings (mapisvc): its file and its display name. */
#define PR_LS_PATH_A PROP_TAG(PT_STRING8, 0x6600)
#define PR_LS_DISPLAY_A PROP_TAG(PT_STRING8, 0x6601)
/* A secure property (0x67F0-0x67FF): written, never read back in clear. */
#define PR_SECRET_A PROP_TAG(PT_STRING8, 0x67F0)

static const SPropValue *find(const SPropValue *p, ULONG n, ULONG tag) {
    for (ULONG i = 0; i < n; i++)
        if (p[i].ulPropTag == tag) return &p[i];
    return NULL;
}

/* The profile table as "name*" (default) lines, one string. */
static void profile_table(LPPROFADMIN pa, char *out, size_t cap) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_A, PR_DEFAULT_PROFILE}};
    EXPECT(pa->lpVtbl->GetProfileTable(pa, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    out[0] = 0;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *v = rows->aRow[i].lpProps;
        CHECK(rows->aRow[i].cValues == 2);
        CHECK(v[0].ulPropTag == PR_DISPLAY_NAME_A && v[1].ulPropTag == PR_DEFAULT_PROFILE);
        strncat(out, v[0].Value.lpszA, cap - strlen(out) - 3);
        if (v[1].Value.b) strcat(out, "*");
        strcat(out, " ");
    }
    printf("profiles: %s\n", out);
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

static void last_error(LPUNKNOWN o, HRESULT (*get)(LPUNKNOWN, HRESULT, ULONG, LPMAPIERROR *),
                       HRESULT hr, const char *what) {
    LPMAPIERROR e = NULL;
    EXPECT(get(o, hr, 0, &e), S_OK);
    CHECK(e != NULL);
    printf("%s: %s\n", what, e->lpszError);
    MAPIFreeBuffer(e);
}

static HRESULT svc_last_error(LPUNKNOWN o, HRESULT hr, ULONG f, LPMAPIERROR *e) {
    LPSERVICEADMIN sa = (LPSERVICEADMIN)o;
    return sa->lpVtbl->GetLastError(sa, hr, f, e);
}

static HRESULT prof_last_error(LPUNKNOWN o, HRESULT hr, ULONG f, LPMAPIERROR *e) {
    LPPROFADMIN pa = (LPPROFADMIN)o;
    return pa->lpVtbl->GetLastError(pa, hr, f, e);
}

static HRESULT sect_last_error(LPUNKNOWN o, HRESULT hr, ULONG f, LPMAPIERROR *e) {
    LPPROFSECT ps = (LPPROFSECT)o;
    return ps->lpVtbl->GetLastError(ps, hr, f, e);
}

static void service_table(LPSERVICEADMIN sa, const MAPIUID *uid, ULONG want_rows) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(4, cols) = {4, {PR_DISPLAY_NAME_A, PR_SERVICE_NAME_A, PR_SERVICE_UID,
                                       PR_RESOURCE_FLAGS}};
    EXPECT(sa->lpVtbl->GetMsgServiceTable(sa, 0, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    CHECK(rows->cRows == want_rows);
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *v = rows->aRow[i].lpProps;
        printf("service: %s (%s) flags 0x%X\n", v[0].Value.lpszA, v[1].Value.lpszA,
               (unsigned)v[3].Value.l);
        CHECK(v[2].ulPropTag == PR_SERVICE_UID && v[2].Value.bin.cb == sizeof(MAPIUID));
        if (uid) CHECK(memcmp(v[2].Value.bin.lpb, uid, sizeof(MAPIUID)) == 0);
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

/* The provider table (profile-wide or one service's): returns the first provider's uid. */
static MAPIUID provider_rows(LPMAPITABLE t, const char *what) {
    LPSRowSet rows = NULL;
    MAPIUID first;
    SizedSPropTagArray(4, cols) = {4, {PR_DISPLAY_NAME_A, PR_PROVIDER_DISPLAY_A,
                                       PR_RESOURCE_TYPE, PR_PROVIDER_UID}};
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    CHECK(rows->cRows == 1);
    const SPropValue *v = rows->aRow[0].lpProps;
    printf("%s: %s / %s type 0x%X\n", what, v[0].Value.lpszA, v[1].Value.lpszA,
           (unsigned)v[2].Value.l);
    CHECK(v[2].Value.l == MAPI_STORE_PROVIDER);
    CHECK(v[3].Value.bin.cb == sizeof(MAPIUID));
    memcpy(&first, v[3].Value.bin.lpb, sizeof first);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return first;
}

static void sections(LPSERVICEADMIN sa, const MAPIUID *uid) {
    LPPROFSECT ps = NULL, rw = NULL;
    ULONG n = 0;
    LPSPropValue props = NULL;
    LPSPropProblemArray problems = NULL;
    MAPIUID nowhere;
    memset(&nowhere, 0x42, sizeof nowhere);

    EXPECT(sa->lpVtbl->OpenProfileSection(sa, &nowhere, NULL, 0, &ps), MAPI_E_NOT_FOUND);
    EXPECT(sa->lpVtbl->OpenProfileSection(sa, NULL, NULL, 0, &ps), MAPI_E_INVALID_PARAMETER);
    EXPECT(sa->lpVtbl->OpenProfileSection(sa, (LPMAPIUID)uid, &IID_IMAPITable, 0, &ps),
           MAPI_E_INTERFACE_NOT_SUPPORTED);
    EXPECT(sa->lpVtbl->OpenProfileSection(sa, (LPMAPIUID)uid, NULL, 0, &ps), S_OK);

    /* Every property: the computed ones and the store path. */
    EXPECT(ps->lpVtbl->GetProps(ps, NULL, 0, &n, &props), S_OK);
    const SPropValue *name = find(props, n, PR_SERVICE_NAME_A);
    const SPropValue *path = find(props, n, PR_LS_PATH_A);
    CHECK(name && strcmp(name->Value.lpszA, "local-store") == 0);
    CHECK(path != NULL);
    printf("section: %u properties, path set\n", (unsigned)n);
    MAPIFreeBuffer(props);

    /* Asked for by tag: one missing -> PT_ERROR and MAPI_W_ERRORS_RETURNED. */
    SizedSPropTagArray(2, two) = {2, {PR_SERVICE_NAME_W, PR_SUBJECT_A}};
    EXPECT(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&two, MAPI_UNICODE, &n, &props),
           MAPI_W_ERRORS_RETURNED);
    CHECK(n == 2);
    CHECK(props[0].ulPropTag == PR_SERVICE_NAME_W);
    CHECK(wcscmp((const wchar_t *)props[0].Value.lpszW, L"local-store") == 0);
    CHECK(props[1].ulPropTag == PROP_TAG(PT_ERROR, 0x0037));
    CHECK(props[1].Value.err == MAPI_E_NOT_FOUND);
    MAPIFreeBuffer(props);

    /* Read-only without MAPI_MODIFY. */
    SPropValue v;
    v.ulPropTag = PR_LS_DISPLAY_A;
    v.Value.lpszA = (LPSTR) "Renamed store";
    EXPECT(ps->lpVtbl->SetProps(ps, 1, &v, &problems), MAPI_E_NO_ACCESS);
    last_error((LPUNKNOWN)ps, sect_last_error, MAPI_E_NO_ACCESS, "read-only section");
    ps->lpVtbl->Release(ps);

    EXPECT(sa->lpVtbl->OpenProfileSection(sa, (LPMAPIUID)uid, NULL, MAPI_MODIFY, &rw), S_OK);
    /* A computed property and a wrong type are refused; nothing is kept. */
    SPropValue bad[2];
    bad[0].ulPropTag = PR_LS_DISPLAY_A;
    bad[0].Value.lpszA = (LPSTR) "never";
    bad[1].ulPropTag = PR_SERVICE_NAME_A;
    bad[1].Value.lpszA = (LPSTR) "forged";
    EXPECT(rw->lpVtbl->SetProps(rw, 2, bad, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(rw->lpVtbl->SetProps(rw, 1, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    /* Kept until SaveChanges: the object shows it, a fresh open does not. */
    EXPECT(rw->lpVtbl->SetProps(rw, 1, &v, &problems), S_OK);
    CHECK(problems == NULL);
    SizedSPropTagArray(1, disp) = {1, {PR_LS_DISPLAY_A}};
    EXPECT(rw->lpVtbl->GetProps(rw, (LPSPropTagArray)&disp, 0, &n, &props), S_OK);
    CHECK(strcmp(props[0].Value.lpszA, "Renamed store") == 0);
    MAPIFreeBuffer(props);
    EXPECT(sa->lpVtbl->OpenProfileSection(sa, (LPMAPIUID)uid, NULL, 0, &ps), S_OK);
    EXPECT(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&disp, 0, &n, &props),
           MAPI_W_ERRORS_RETURNED);
    MAPIFreeBuffer(props);
    /* A secret: written, never returned in clear. */
    SPropValue secret;
    secret.ulPropTag = PR_SECRET_A;
    secret.Value.lpszA = (LPSTR) "hunter2";
    EXPECT(rw->lpVtbl->SetProps(rw, 1, &secret, NULL), S_OK);
    EXPECT(rw->lpVtbl->SaveChanges(rw, KEEP_OPEN_READWRITE), S_OK);
    EXPECT(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&disp, 0, &n, &props), S_OK);
    CHECK(strcmp(props[0].Value.lpszA, "Renamed store") == 0);
    MAPIFreeBuffer(props);
    SizedSPropTagArray(1, sec) = {1, {PR_SECRET_A}};
    EXPECT(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&sec, 0, &n, &props),
           MAPI_W_ERRORS_RETURNED);
    CHECK(props[0].ulPropTag == PROP_TAG(PT_ERROR, 0x67F0));
    CHECK(props[0].Value.err == MAPI_E_NO_ACCESS);
    MAPIFreeBuffer(props);
    EXPECT(ps->lpVtbl->GetProps(ps, NULL, 0, &n, &props), S_OK);
    CHECK(find(props, n, PR_SECRET_A) == NULL);
    MAPIFreeBuffer(props);
    LPSPropTagArray list = NULL;
    EXPECT(ps->lpVtbl->GetPropList(ps, 0, &list), S_OK);
    for (ULONG i = 0; i < list->cValues; i++) CHECK(PROP_ID(list->aulPropTag[i]) != 0x67F0);
    MAPIFreeBuffer(list);
    /* DeleteProps, saved. */
    EXPECT(rw->lpVtbl->DeleteProps(rw, (LPSPropTagArray)&sec, &problems), S_OK);
    CHECK(problems == NULL);
    EXPECT(rw->lpVtbl->SaveChanges(rw, 0), S_OK);
    /* After SaveChanges without KEEP_OPEN_READWRITE the object is read-only. */
    EXPECT(rw->lpVtbl->SetProps(rw, 1, &v, NULL), MAPI_E_NO_ACCESS);
    /* Unimplemented IMAPIProp slots answer MAPI_E_NO_SUPPORT. */
    LPUNKNOWN unk = NULL;
    EXPECT(ps->lpVtbl->OpenProperty(ps, PR_LS_PATH_A, &IID_IStream, 0, 0, &unk),
           MAPI_E_NO_SUPPORT);
    EXPECT(ps->lpVtbl->QueryInterface(ps, &IID_IMAPIProp, (void **)&unk), S_OK);
    unk->lpVtbl->Release(unk);
    rw->lpVtbl->Release(rw);
    ps->lpVtbl->Release(ps);
}

static void stores(LPMAPISESSION s) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_A, PR_DEFAULT_STORE}};
    EXPECT(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    CHECK(rows->cRows == 1);
    printf("store: %s default=%d\n", rows->aRow[0].lpProps[0].Value.lpszA,
           rows->aRow[0].lpProps[1].Value.b);
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

/* IMAPIStatus: every status row opens by its PR_ENTRYID and answers GetProps as the
 * table does; ValidateState, FlushQueues (spooler), the stubs. Returns one status
 * object still held, to call after Logoff. */
static LPMAPISTATUS status_objects(LPMAPISESSION s) {
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    LPMAPISTATUS keep = NULL;
    SizedSPropTagArray(4, cols) = {4, {PR_ENTRYID, PR_RESOURCE_TYPE, PR_DISPLAY_NAME_A,
                                       PR_STATUS_CODE}};
    EXPECT(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    CHECK(rows->cRows >= 3);
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *v = rows->aRow[i].lpProps;
        ULONG type = 0, n = 0;
        LPUNKNOWN unk = NULL;
        LPMAPISTATUS st = NULL;
        LPSPropValue props = NULL;
        EXPECT(s->lpVtbl->OpenEntry(s, v[0].Value.bin.cb, (LPENTRYID)v[0].Value.bin.lpb, NULL,
                                    0, &type, &unk),
               S_OK);
        CHECK(type == MAPI_STATUS);
        EXPECT(unk->lpVtbl->QueryInterface(unk, &IID_IMAPIStatus, (void **)&st), S_OK);
        unk->lpVtbl->Release(unk);
        EXPECT(st->lpVtbl->GetProps(st, (LPSPropTagArray)&cols, 0, &n, &props), S_OK);
        CHECK(n == 4 && props[1].Value.l == v[1].Value.l);
        CHECK(strcmp(props[2].Value.lpszA, v[2].Value.lpszA) == 0);
        CHECK(props[3].Value.l == v[3].Value.l);
        printf("status object: %s type 0x%X code %d\n", props[2].Value.lpszA,
               (unsigned)props[1].Value.l, props[3].Value.l);
        MAPIFreeBuffer(props);
        EXPECT(st->lpVtbl->ValidateState(st, 0, 0), S_OK);
        EXPECT(st->lpVtbl->SettingsDialog(st, 0, 0), MAPI_E_NO_SUPPORT);
        EXPECT(st->lpVtbl->SetProps(st, 0, NULL, NULL), MAPI_E_NO_SUPPORT);
        HRESULT want = v[1].Value.l == (LONG)MAPI_SPOOLER ? S_OK : MAPI_E_NO_SUPPORT;
        EXPECT(st->lpVtbl->FlushQueues(st, 0, 0, NULL, 0), want);
        EXPECT(st->lpVtbl->FlushQueues(st, 0, 0, NULL, 0x1000), MAPI_E_UNKNOWN_FLAGS);
        if (keep == NULL) keep = st;
        else st->lpVtbl->Release(st);
    }
    FreeProws(rows);
    /* An entry id no status row has; one that is no status row's at all. */
    BYTE gone[12] = {'M', 'A', 'P', 'I', 'S', 'T', 'A', 'T', 0xFF, 0xFF, 0, 0};
    LPUNKNOWN unk = NULL;
    ULONG type = 0;
    EXPECT(s->lpVtbl->OpenEntry(s, sizeof gone, (LPENTRYID)gone, NULL, 0, &type, &unk),
           MAPI_E_NOT_FOUND);
    EXPECT(s->lpVtbl->OpenEntry(s, sizeof gone, (LPENTRYID)gone, NULL, 0, &type, NULL),
           MAPI_E_INVALID_PARAMETER);
    return keep;
}

int main(int argc, char **argv) {
    char buf[1024];
    LPPROFADMIN pa = NULL;
    LPSERVICEADMIN sa = NULL;
    LPSERVICEADMIN2 sa2 = NULL;
    LPPROVIDERADMIN pv = NULL;
    LPMAPISESSION s = NULL;
    LPMAPITABLE t = NULL;
    MAPIUID uid;
    HRESULT hr;
    CHECK(argc == 2);

    EXPECT(MAPIAdminProfiles(0, &pa), MAPI_E_NOT_INITIALIZED);
    EXPECT(MAPIInitialize(NULL), S_OK);
    EXPECT(MAPIAdminProfiles(0, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(MAPIAdminProfiles(0x4, &pa), MAPI_E_UNKNOWN_FLAGS);
    EXPECT(MAPIAdminProfiles(0, &pa), S_OK);

    /* Profiles: create, refuse a duplicate and a bad name, default, copy, rename. */
    EXPECT(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "CAdmin", NULL, 0, 0), S_OK);
    hr = pa->lpVtbl->CreateProfile(pa, (LPTSTR) "cadmin", NULL, 0, 0);
    EXPECT(hr, MAPI_E_NO_ACCESS);
    last_error((LPUNKNOWN)pa, prof_last_error, hr, "duplicate profile");
    EXPECT(pa->lpVtbl->CreateProfile(pa, NULL, NULL, 0, 0), MAPI_E_INVALID_PARAMETER);
    EXPECT(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "", NULL, 0, 0), MAPI_E_INVALID_PARAMETER);
    EXPECT(pa->lpVtbl->CreateProfile(pa, (LPTSTR)L"Wide \u00e9", NULL, 0, MAPI_UNICODE), S_OK);
    EXPECT(pa->lpVtbl->SetDefaultProfile(pa, (LPTSTR) "CAdmin", 0), S_OK);
    EXPECT(pa->lpVtbl->SetDefaultProfile(pa, (LPTSTR) "Nobody", 0), MAPI_E_NOT_FOUND);
    profile_table(pa, buf, sizeof buf);
    CHECK(strcmp(buf, "CAdmin* Wide \xc3\xa9 ") == 0);
    EXPECT(pa->lpVtbl->CopyProfile(pa, (LPTSTR) "CAdmin", NULL, (LPTSTR) "Copied", 0, 0), S_OK);
    EXPECT(pa->lpVtbl->RenameProfile(pa, (LPTSTR) "Copied", NULL, (LPTSTR) "Renamed", 0, 0),
           S_OK);
    EXPECT(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Locked", (LPTSTR) "s3cret", 0, 0), S_OK);
    EXPECT(pa->lpVtbl->AdminServices(pa, (LPTSTR) "Locked", (LPTSTR) "wrong", 0, 0, &sa),
           MAPI_E_LOGON_FAILED);
    EXPECT(pa->lpVtbl->ChangeProfilePassword(pa, (LPTSTR) "Locked", (LPTSTR) "wrong",
                                             (LPTSTR) "new", 0),
           MAPI_E_LOGON_FAILED);
    EXPECT(pa->lpVtbl->ChangeProfilePassword(pa, (LPTSTR) "Locked", (LPTSTR) "s3cret",
                                             (LPTSTR) "n3w", 0),
           S_OK);
    EXPECT(pa->lpVtbl->AdminServices(pa, (LPTSTR) "Locked", (LPTSTR) "n3w", 0, 0, &sa), S_OK);
    sa->lpVtbl->Release(sa);
    profile_table(pa, buf, sizeof buf);
    CHECK(strcmp(buf, "CAdmin* Locked Renamed Wide \xc3\xa9 ") == 0);
    EXPECT(pa->lpVtbl->DeleteProfile(pa, (LPTSTR) "Renamed", 0), S_OK);
    EXPECT(pa->lpVtbl->DeleteProfile(pa, (LPTSTR) "Locked", 0), S_OK);
    EXPECT(pa->lpVtbl->DeleteProfile(pa, (LPTSTR)L"Wide \u00e9", MAPI_UNICODE), S_OK);

    /* Services of CAdmin. */
    EXPECT(pa->lpVtbl->AdminServices(pa, (LPTSTR) "Nobody", NULL, 0, 0, &sa), MAPI_E_NOT_FOUND);
    EXPECT(pa->lpVtbl->AdminServices(pa, (LPTSTR) "CAdmin", NULL, 0, 0, NULL),
           MAPI_E_INVALID_PARAMETER);
    EXPECT(pa->lpVtbl->AdminServices(pa, (LPTSTR) "CAdmin", NULL, 0, 0, &sa), S_OK);
    hr = sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "no-such-service", NULL, 0, 0);
    EXPECT(hr, MAPI_E_NOT_FOUND);
    last_error((LPUNKNOWN)sa, svc_last_error, hr, "unknown service");
    EXPECT(sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "local-store", NULL, 0, SERVICE_UI_ALWAYS),
           MAPI_E_NO_SUPPORT);
    EXPECT(sa->lpVtbl->QueryInterface(sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK);
    EXPECT(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR) "local-store", (LPTSTR) "My store", 0,
                                           0, NULL),
           MAPI_E_INVALID_PARAMETER);
    service_table(sa, NULL, 0);
    EXPECT(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR) "local-store", (LPTSTR) "My store", 0,
                                           0, &uid),
           S_OK);
    sa2->lpVtbl->Release(sa2);
    service_table(sa, &uid, 1);

    /* ConfigureMsgService with SPropValues: the store file. */
    SPropValue cfg;
    cfg.ulPropTag = PR_LS_PATH_A;
    cfg.Value.lpszA = argv[1];
    MAPIUID nowhere;
    memset(&nowhere, 0x42, sizeof nowhere);
    EXPECT(sa->lpVtbl->ConfigureMsgService(sa, &nowhere, 0, 0, 1, &cfg), MAPI_E_NOT_FOUND);
    SPropValue wrong;
    wrong.ulPropTag = PR_SUBJECT_A;
    wrong.Value.lpszA = (LPSTR) "x";
    hr = sa->lpVtbl->ConfigureMsgService(sa, &uid, 0, 0, 1, &wrong);
    EXPECT(hr, MAPI_E_INVALID_PARAMETER);
    last_error((LPUNKNOWN)sa, svc_last_error, hr, "unknown setting");
    wrong.ulPropTag = PROP_TAG(PT_LONG, 0x6600);
    wrong.Value.l = 7;
    EXPECT(sa->lpVtbl->ConfigureMsgService(sa, &uid, 0, 0, 1, &wrong), MAPI_E_INVALID_PARAMETER);
    EXPECT(sa->lpVtbl->ConfigureMsgService(sa, &uid, 0, 0, 1, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(sa->lpVtbl->ConfigureMsgService(sa, &uid, 0, 0, 1, &cfg), S_OK);

    /* Providers: the profile's, the service's, their sections. */
    EXPECT(sa->lpVtbl->GetProviderTable(sa, 0, &t), S_OK);
    MAPIUID prov = provider_rows(t, "provider");
    EXPECT(sa->lpVtbl->AdminProviders(sa, &nowhere, 0, &pv), MAPI_E_NOT_FOUND);
    EXPECT(sa->lpVtbl->AdminProviders(sa, &uid, 0, &pv), S_OK);
    EXPECT(pv->lpVtbl->GetProviderTable(pv, 0, &t), S_OK);
    MAPIUID prov2 = provider_rows(t, "service provider");
    CHECK(memcmp(&prov, &prov2, sizeof prov) == 0);
    LPPROFSECT ps = NULL;
    EXPECT(pv->lpVtbl->OpenProfileSection(pv, &prov, NULL, 0, &ps), S_OK);
    ULONG n = 0;
    LPSPropValue props = NULL;
    SizedSPropTagArray(2, pcols) = {2, {PR_PROVIDER_DISPLAY_A, PR_RESOURCE_TYPE}};
    EXPECT(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&pcols, 0, &n, &props), S_OK);
    printf("provider section: %s\n", props[0].Value.lpszA);
    MAPIFreeBuffer(props);
    ps->lpVtbl->Release(ps);
    pv->lpVtbl->Release(pv);

    sections(sa, &uid);

    /* Log on to it: one store, named by its settings. */
    EXPECT(MAPILogonEx(0, (LPTSTR) "CAdmin", NULL, MAPI_NEW_SESSION | MAPI_EXPLICIT_PROFILE, &s),
           S_OK);
    stores(s);
    LPSERVICEADMIN ssa = NULL;
    EXPECT(s->lpVtbl->AdminServices(s, 0, NULL), MAPI_E_INVALID_PARAMETER);
    EXPECT(s->lpVtbl->AdminServices(s, 0, &ssa), S_OK);
    service_table(ssa, &uid, 1);
    ssa->lpVtbl->Release(ssa);
    EXPECT(s->lpVtbl->OpenProfileSection(s, &uid, NULL, 0, &ps), S_OK);
    SizedSPropTagArray(1, nm) = {1, {PR_PROFILE_NAME_A}};
    EXPECT(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&nm, 0, &n, &props), S_OK);
    CHECK(strcmp(props[0].Value.lpszA, "CAdmin") == 0);
    MAPIFreeBuffer(props);
    ps->lpVtbl->Release(ps);
    LPMAPISTATUS st = status_objects(s);
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    EXPECT(st->lpVtbl->ValidateState(st, 0, 0), MAPI_E_END_OF_SESSION);
    EXPECT(s->lpVtbl->AdminServices(s, 0, &ssa), MAPI_E_END_OF_SESSION);
    EXPECT(s->lpVtbl->OpenProfileSection(s, &uid, NULL, 0, &ps), MAPI_E_END_OF_SESSION);
    s->lpVtbl->Release(s);
    /* The status object held the session object; releasing it frees both. */
    st->lpVtbl->Release(st);

    /* Delete the service, then the profile. */
    EXPECT(sa->lpVtbl->DeleteMsgService(sa, &nowhere), MAPI_E_NOT_FOUND);
    EXPECT(sa->lpVtbl->DeleteMsgService(sa, &uid), S_OK);
    service_table(sa, NULL, 0);
    sa->lpVtbl->Release(sa);
    EXPECT(pa->lpVtbl->DeleteProfile(pa, (LPTSTR) "CAdmin", 0), S_OK);
    EXPECT(pa->lpVtbl->DeleteProfile(pa, (LPTSTR) "CAdmin", 0), MAPI_E_NOT_FOUND);
    EXPECT(MAPILogonEx(0, (LPTSTR) "CAdmin", NULL, MAPI_NEW_SESSION | MAPI_EXPLICIT_PROFILE, &s),
           MAPI_E_LOGON_FAILED);
    profile_table(pa, buf, sizeof buf);
    CHECK(buf[0] == 0);

    MAPIUninitialize();
    EXPECT(pa->lpVtbl->GetProfileTable(pa, 0, &t), MAPI_E_NOT_INITIALIZED);
    pa->lpVtbl->Release(pa);
    printf("admin ok\n");
    return 0;
}
