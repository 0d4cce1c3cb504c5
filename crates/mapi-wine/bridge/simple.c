/* Simple MAPI sessions over Extended MAPI: MAPILogon / MAPILogoff (a handle over a
 * MAPILogonEx session; shared unless MAPI_NEW_SESSION), the implicit logon of calls given
 * no session, recipients resolved through the session's address book, MAPIResolveName.
 * There is no logon UI here: MAPI_LOGON_UI and MAPI_PASSWORD_UI are accepted, and a
 * profile that needs a password it does not hold fails with MAPI_E_LOGIN_FAILURE. */
#include "simple.h"

static SRWLOCK lock = SRWLOCK_INIT;
static struct sm_session *live;

static struct sm_session *find_live(LHANDLE h)
{
    struct sm_session *s;
    for (s = live; s; s = s->next)
        if ((LHANDLE)s == h) return s;
    return NULL;
}

static void unlink_live(struct sm_session *s)
{
    struct sm_session **p;
    for (p = &live; *p; p = &(*p)->next)
        if (*p == s) { *p = s->next; return; }
}

static void destroy(struct sm_session *s)
{
    if (s->inbox) s->inbox->lpVtbl->Release(s->inbox);
    if (s->store) s->store->lpVtbl->Release(s->store);
    if (s->ab) s->ab->lpVtbl->Release(s->ab);
    s->ses->lpVtbl->Logoff(s->ses, 0, 0, 0);
    s->ses->lpVtbl->Release(s->ses);
    DeleteCriticalSection(&s->cs);
    HeapFree(GetProcessHeap(), 0, s);
    MAPIUninitialize();
}

ULONG WINAPI MAPILogon(ULONG_PTR ui, LPSTR profile, LPSTR password, FLAGS fl, ULONG reserved, LPLHANDLE out)
{
    struct sm_session *s;
    IMAPISession *ses = NULL;
    BOOL named = profile && *profile;
    HRESULT hr;
    (void)reserved;
    if (!out) return MAPI_E_FAILURE;
    *out = 0;
    if (!(fl & MAPI_NEW_SESSION)) {
        AcquireSRWLockExclusive(&lock);
        for (s = live; s && !s->shared; s = s->next) {}
        if (s) s->handles++;
        ReleaseSRWLockExclusive(&lock);
        if (s) {
            *out = (LHANDLE)s;
            return SUCCESS_SUCCESS;
        }
    }
    if (FAILED(MAPIInitialize(NULL))) return MAPI_E_FAILURE;
    /* 8-bit profile name and password (no MAPI_UNICODE): the bridge makes UTF-8 of them. */
    hr = MAPILogonEx(ui, named ? profile : NULL, named ? password : NULL,
                     MAPI_EXTENDED | MAPI_NEW_SESSION | (named ? MAPI_EXPLICIT_PROFILE : MAPI_USE_DEFAULT), &ses);
    if (FAILED(hr)) {
        MAPIUninitialize();
        return hr == E_OUTOFMEMORY ? MAPI_E_INSUFFICIENT_MEMORY : MAPI_E_LOGIN_FAILURE;
    }
    s = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof *s);
    if (!s) {
        ses->lpVtbl->Logoff(ses, 0, 0, 0);
        ses->lpVtbl->Release(ses);
        MAPIUninitialize();
        return MAPI_E_INSUFFICIENT_MEMORY;
    }
    s->ses = ses;
    s->shared = !(fl & MAPI_NEW_SESSION);
    s->handles = 1;
    InitializeCriticalSection(&s->cs);
    AcquireSRWLockExclusive(&lock);
    s->next = live;
    live = s;
    ReleaseSRWLockExclusive(&lock);
    *out = (LHANDLE)s;
    return SUCCESS_SUCCESS;
}

ULONG WINAPI MAPILogoff(LHANDLE h, ULONG_PTR ui, FLAGS fl, ULONG reserved)
{
    struct sm_session *s;
    BOOL dead = FALSE;
    (void)ui; (void)fl; (void)reserved;
    AcquireSRWLockExclusive(&lock);
    if ((s = find_live(h))) {
        if (!--s->handles) unlink_live(s);
        dead = !s->handles && !s->busy;
    }
    ReleaseSRWLockExclusive(&lock);
    if (!s) return MAPI_E_INVALID_SESSION;
    if (dead) destroy(s);
    return SUCCESS_SUCCESS;
}

/* The session of a call: the caller's (which must be live), or an implicit logon to the
 * default profile when the handle is 0. Calls on one session run one at a time. */
ULONG sm_begin(LHANDLE h, ULONG_PTR ui, FLAGS fl, struct sm_session **out, BOOL *implicit)
{
    struct sm_session *s;
    ULONG rc;
    *out = NULL;
    *implicit = FALSE;
    if (!h) {
        if ((rc = MAPILogon(ui, NULL, NULL, (fl & MAPI_LOGON_UI) | MAPI_NEW_SESSION, 0, &h))) return rc;
        *implicit = TRUE;
    }
    AcquireSRWLockExclusive(&lock);
    if ((s = find_live(h))) s->busy++;
    ReleaseSRWLockExclusive(&lock);
    if (!s) return MAPI_E_INVALID_SESSION;
    EnterCriticalSection(&s->cs);
    *out = s;
    return SUCCESS_SUCCESS;
}

void sm_end(struct sm_session *s, BOOL implicit)
{
    BOOL dead;
    if (!s) return;
    LeaveCriticalSection(&s->cs);
    AcquireSRWLockExclusive(&lock);
    s->busy--;
    dead = !s->handles && !s->busy;
    ReleaseSRWLockExclusive(&lock);
    if (dead) destroy(s);
    else if (implicit) MAPILogoff((LHANDLE)s, 0, 0, 0);
}

HRESULT sm_store(struct sm_session *s)
{
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    IMAPITable *t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr;
    ULONG i;
    if (s->store) return S_OK;
    if (FAILED(hr = s->ses->lpVtbl->GetMsgStoresTable(s->ses, 0, &t))) return hr;
    hr = t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0);
    if (SUCCEEDED(hr)) hr = t->lpVtbl->QueryRows(t, 100, 0, &rows);
    t->lpVtbl->Release(t);
    if (FAILED(hr)) return hr;
    hr = MAPI_E_NOT_FOUND;
    for (i = 0; i < rows->cRows; i++) {
        LPSPropValue p = rows->aRow[i].lpProps;
        if (p[0].ulPropTag == PR_ENTRYID && p[1].ulPropTag == PR_DEFAULT_STORE && p[1].Value.b) {
            hr = s->ses->lpVtbl->OpenMsgStore(s->ses, 0, p[0].Value.bin.cb, (LPENTRYID)p[0].Value.bin.lpb, NULL,
                                              MDB_WRITE | MAPI_BEST_ACCESS, &s->store);
            break;
        }
    }
    FreeProws(rows);
    return hr;
}

HRESULT sm_inbox(struct sm_session *s)
{
    ULONG cb = 0, type = 0;
    LPENTRYID eid = NULL;
    HRESULT hr;
    if (s->inbox) return S_OK;
    if (FAILED(hr = sm_store(s))) return hr;
    hr = s->store->lpVtbl->GetReceiveFolder(s->store, (LPTSTR) "IPM.Note", 0, &cb, &eid, NULL);
    if (FAILED(hr)) return hr;
    hr = s->store->lpVtbl->OpenEntry(s->store, cb, eid, NULL, MAPI_BEST_ACCESS, &type, (LPUNKNOWN *)&s->inbox);
    MAPIFreeBuffer(eid);
    return hr;
}

HRESULT sm_ab(struct sm_session *s)
{
    if (s->ab) return S_OK;
    return s->ses->lpVtbl->OpenAddressBook(s->ses, 0, NULL, AB_NO_DIALOG, &s->ab);
}

/* ---- strings ---------------------------------------------------------------------- */

WCHAR *sm_wide(const char *s, void *root, BOOL *oom)
{
    WCHAR *w = NULL;
    int n;
    if (!s) return NULL;
    n = MultiByteToWideChar(CP_ACP, 0, s, -1, NULL, 0);
    if (n <= 0 || MAPIAllocateMore(n * sizeof(WCHAR), root, (void **)&w)) {
        *oom = TRUE;
        return NULL;
    }
    MultiByteToWideChar(CP_ACP, 0, s, -1, w, n);
    return w;
}

char *sm_ansi(const WCHAR *w, void *root, BOOL *oom)
{
    char *s = NULL;
    int n;
    if (!w) return NULL;
    n = WideCharToMultiByte(CP_ACP, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0 || MAPIAllocateMore(n, root, (void **)&s)) {
        *oom = TRUE;
        return NULL;
    }
    WideCharToMultiByte(CP_ACP, 0, w, -1, s, n, NULL, NULL);
    return s;
}

WCHAR *sm_wcat(const WCHAR *a, const WCHAR *b, const WCHAR *c, void *root, BOOL *oom)
{
    size_t na = lstrlenW(a), nb = lstrlenW(b), nc = lstrlenW(c);
    WCHAR *w = NULL;
    if (MAPIAllocateMore((ULONG)((na + nb + nc + 1) * sizeof(WCHAR)), root, (void **)&w)) {
        *oom = TRUE;
        return NULL;
    }
    memcpy(w, a, na * sizeof(WCHAR));
    memcpy(w + na, b, nb * sizeof(WCHAR));
    memcpy(w + na + nb, c, nc * sizeof(WCHAR));
    w[na + nb + nc] = 0;
    return w;
}

static const WCHAR *w_chr(const WCHAR *s, WCHAR c)
{
    for (; *s; s++)
        if (*s == c) return s;
    return NULL;
}

LPSPropValue sm_prop(LPSPropValue p, ULONG n, ULONG tag)
{
    ULONG i;
    for (i = 0; p && i < n; i++)
        if (p[i].ulPropTag == tag) return &p[i];
    return NULL;
}

const WCHAR *sm_str(LPSPropValue p, ULONG n, ULONG tag)
{
    LPSPropValue v = sm_prop(p, n, tag);
    return v ? v->Value.lpszW : NULL;
}

/* ---- recipients ------------------------------------------------------------------- */

static ULONG map_hr(HRESULT hr)
{
    if (hr == MAPI_E_AMBIGUOUS_RECIP) return MAPI_E_AMBIGUOUS_RECIPIENT;
    if (hr == MAPI_E_NOT_FOUND) return MAPI_E_UNKNOWN_RECIPIENT;
    if (hr == E_OUTOFMEMORY) return MAPI_E_INSUFFICIENT_MEMORY;
    return MAPI_E_FAILURE;
}

/* A one-entry ADRLIST whose row holds `n` properties (its own MAPIAllocateBuffer, as
 * ResolveName and FreePadrlist want). */
static LPADRLIST new_list(ULONG n)
{
    LPADRLIST l = NULL;
    if (MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&l)) return NULL;
    memset(l, 0, CbNewADRLIST(1));
    if (MAPIAllocateBuffer(n * sizeof(SPropValue), (void **)&l->aEntries[0].rgPropVals)) {
        MAPIFreeBuffer(l);
        return NULL;
    }
    memset(l->aEntries[0].rgPropVals, 0, n * sizeof(SPropValue));
    l->cEntries = 1;
    l->aEntries[0].cValues = n;
    return l;
}

/* Resolves NAME through the address book (a bare user@domain or [TYPE:address] resolves
 * to a one-off); the result is one ADRLIST entry of recipient type TYPE. */
ULONG sm_resolve(struct sm_session *s, ULONG_PTR ui, const WCHAR *name, ULONG type, LPADRLIST *out)
{
    LPADRLIST l;
    HRESULT hr;
    WCHAR *copy = NULL;
    size_t n = lstrlenW(name);
    *out = NULL;
    if (FAILED(hr = sm_ab(s))) return map_hr(hr);
    if (!(l = new_list(2))) return MAPI_E_INSUFFICIENT_MEMORY;
    if (MAPIAllocateMore((ULONG)((n + 1) * sizeof(WCHAR)), l->aEntries[0].rgPropVals, (void **)&copy)) {
        FreePadrlist(l);
        return MAPI_E_INSUFFICIENT_MEMORY;
    }
    memcpy(copy, name, (n + 1) * sizeof(WCHAR));
    l->aEntries[0].rgPropVals[0].ulPropTag = PR_DISPLAY_NAME_W;
    l->aEntries[0].rgPropVals[0].Value.lpszW = copy;
    l->aEntries[0].rgPropVals[1].ulPropTag = PR_RECIPIENT_TYPE;
    l->aEntries[0].rgPropVals[1].Value.l = type;
    hr = s->ab->lpVtbl->ResolveName(s->ab, ui, MAPI_UNICODE, NULL, l);
    if (FAILED(hr)) {
        FreePadrlist(l);
        return map_hr(hr);
    }
    *out = l;
    return SUCCESS_SUCCESS;
}

/* A recipient as Simple MAPI gives it: an address ("TYPE:address", or a bare SMTP
 * address) becomes a one-off entry; an entry id alone is kept; a name alone is resolved. */
ULONG sm_recipient(struct sm_session *s, ULONG_PTR ui, ULONG type, const WCHAR *name, const WCHAR *address,
                   ULONG cbeid, void *eid, LPADRLIST *out)
{
    LPADRLIST l;
    LPSPropValue p;
    ULONG cb = 0;
    LPENTRYID made = NULL;
    const WCHAR *colon, *at;
    WCHAR *adrtype = NULL, *addr = NULL;
    BOOL oom = FALSE;
    HRESULT hr;
    *out = NULL;
    if (type != MAPI_TO && type != MAPI_CC && type != MAPI_BCC) return MAPI_E_BAD_RECIPTYPE;
    if (address && *address) {
        if (FAILED(hr = sm_ab(s))) return map_hr(hr);
        if (!(l = new_list(5))) return MAPI_E_INSUFFICIENT_MEMORY;
        p = l->aEntries[0].rgPropVals;
        colon = w_chr(address, ':');
        at = w_chr(address, '@');
        if (colon && colon != address && (!at || colon < at)) {
            size_t n = colon - address;
            if (!MAPIAllocateMore((ULONG)((n + 1) * sizeof(WCHAR)), p, (void **)&adrtype)) {
                memcpy(adrtype, address, n * sizeof(WCHAR));
                adrtype[n] = 0;
                CharUpperW(adrtype);
            } else oom = TRUE;
            addr = sm_wcat(colon + 1, u"", u"", p, &oom);
        } else {
            adrtype = sm_wcat(u"SMTP", u"", u"", p, &oom);
            addr = sm_wcat(address, u"", u"", p, &oom);
        }
        if (oom) {
            FreePadrlist(l);
            return MAPI_E_INSUFFICIENT_MEMORY;
        }
        if (!*addr) {
            FreePadrlist(l);
            return MAPI_E_INVALID_RECIPS;
        }
        hr = s->ab->lpVtbl->CreateOneOff(s->ab, (LPTSTR)(name && *name ? name : addr), (LPTSTR)adrtype,
                                         (LPTSTR)addr, MAPI_UNICODE, &cb, &made);
        if (FAILED(hr)) {
            FreePadrlist(l);
            return map_hr(hr);
        }
        p[0].ulPropTag = PR_DISPLAY_NAME_W;
        p[0].Value.lpszW = sm_wcat(name && *name ? name : addr, u"", u"", p, &oom);
        p[1].ulPropTag = PR_ADDRTYPE_W;
        p[1].Value.lpszW = adrtype;
        p[2].ulPropTag = PR_EMAIL_ADDRESS_W;
        p[2].Value.lpszW = addr;
        p[3].ulPropTag = PR_RECIPIENT_TYPE;
        p[3].Value.l = type;
        p[4].ulPropTag = PR_ENTRYID;
        p[4].Value.bin.cb = cb;
        if (!oom && !MAPIAllocateMore(cb, p, (void **)&p[4].Value.bin.lpb)) memcpy(p[4].Value.bin.lpb, made, cb);
        else oom = TRUE;
        MAPIFreeBuffer(made);
        if (oom) {
            FreePadrlist(l);
            return MAPI_E_INSUFFICIENT_MEMORY;
        }
        *out = l;
        return SUCCESS_SUCCESS;
    }
    if (cbeid && eid) {
        if (!(l = new_list(3))) return MAPI_E_INSUFFICIENT_MEMORY;
        p = l->aEntries[0].rgPropVals;
        p[0].ulPropTag = PR_ENTRYID;
        p[0].Value.bin.cb = cbeid;
        if (!MAPIAllocateMore(cbeid, p, (void **)&p[0].Value.bin.lpb)) memcpy(p[0].Value.bin.lpb, eid, cbeid);
        else oom = TRUE;
        p[1].ulPropTag = PR_RECIPIENT_TYPE;
        p[1].Value.l = type;
        p[2].ulPropTag = name && *name ? PR_DISPLAY_NAME_W : PR_NULL;
        p[2].Value.lpszW = name && *name ? sm_wcat(name, u"", u"", p, &oom) : NULL;
        if (oom) {
            FreePadrlist(l);
            return MAPI_E_INSUFFICIENT_MEMORY;
        }
        *out = l;
        return SUCCESS_SUCCESS;
    }
    if (!name || !*name) return MAPI_E_INVALID_RECIPS;
    return sm_resolve(s, ui, name, type, out);
}

/* ---- MAPIResolveName -------------------------------------------------------------- */

ULONG WINAPI MAPIResolveName(LHANDLE h, ULONG_PTR ui, LPSTR name, FLAGS fl, ULONG reserved, lpMapiRecipDesc *out)
{
    struct sm_session *s;
    BOOL implicit, oom = FALSE;
    LPADRLIST l = NULL;
    lpMapiRecipDesc d = NULL;
    void *tmp = NULL;
    WCHAR *wname;
    ULONG rc;
    (void)reserved;
    if (!out) return MAPI_E_FAILURE;
    *out = NULL;
    if (!name || !*name) return MAPI_E_UNKNOWN_RECIPIENT;
    if (MAPIAllocateBuffer(1, &tmp)) return MAPI_E_INSUFFICIENT_MEMORY;
    wname = sm_wide(name, tmp, &oom);
    if (oom) {
        MAPIFreeBuffer(tmp);
        return MAPI_E_INSUFFICIENT_MEMORY;
    }
    if ((rc = sm_begin(h, ui, fl, &s, &implicit))) {
        MAPIFreeBuffer(tmp);
        return rc;
    }
    rc = sm_resolve(s, ui, wname, MAPI_TO, &l);
    if (!rc) {
        LPSPropValue p = l->aEntries[0].rgPropVals, e;
        ULONG n = l->aEntries[0].cValues;
        const WCHAR *type = sm_str(p, n, PR_ADDRTYPE_W), *addr = sm_str(p, n, PR_EMAIL_ADDRESS_W);
        if (MAPIAllocateBuffer(sizeof *d, (void **)&d)) rc = MAPI_E_INSUFFICIENT_MEMORY;
        else {
            memset(d, 0, sizeof *d);
            d->ulRecipClass = MAPI_TO;
            d->lpszName = sm_ansi(sm_str(p, n, PR_DISPLAY_NAME_W), d, &oom);
            if (type && addr) d->lpszAddress = sm_ansi(sm_wcat(type, u":", addr, tmp, &oom), d, &oom);
            if ((e = sm_prop(p, n, PR_ENTRYID)) && !MAPIAllocateMore(e->Value.bin.cb, d, &d->lpEntryID)) {
                memcpy(d->lpEntryID, e->Value.bin.lpb, e->Value.bin.cb);
                d->ulEIDSize = e->Value.bin.cb;
            } else if (e) oom = TRUE;
            if (oom) {
                MAPIFreeBuffer(d);
                d = NULL;
                rc = MAPI_E_INSUFFICIENT_MEMORY;
            }
        }
        FreePadrlist(l);
    }
    sm_end(s, implicit);
    MAPIFreeBuffer(tmp);
    *out = d;
    return rc;
}
