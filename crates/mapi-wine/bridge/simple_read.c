/* MAPIFindNext, MAPIReadMail and MAPIDeleteMail over Extended MAPI, on the default
 * store's receive folder (the Inbox). A message id is its entry id in hex. MAPIReadMail
 * hands back one MAPIAllocateBuffer block (MAPIFreeBuffer frees it all); attachments,
 * and with MAPI_BODY_AS_FILE the note text, are written to new files in a folder of
 * their own under the temporary directory, which the caller deletes. */
#include "simple.h"

static const char hexdig[] = "0123456789ABCDEF";

static int nib(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* A message id back to its entry id (BYTE[SM_MAX_EID]); 0 when it is no id of ours. */
static ULONG id_to_eid(const char *id, BYTE *eid)
{
    size_t n = id ? strlen(id) : 0, i;
    if (!n || n % 2 || n / 2 > SM_MAX_EID) return 0;
    for (i = 0; i < n; i += 2) {
        int h = nib(id[i]), l = nib(id[i + 1]);
        if (h < 0 || l < 0) return 0;
        eid[i / 2] = (BYTE)(h << 4 | l);
    }
    return (ULONG)(n / 2);
}

static void eid_to_id(const BYTE *eid, ULONG cb, char *id)
{
    ULONG i;
    for (i = 0; i < cb; i++) {
        *id++ = hexdig[eid[i] >> 4];
        *id++ = hexdig[eid[i] & 15];
    }
    *id = 0;
}

static BOOL class_matches(const WCHAR *cls, const char *want)
{
    char buf[256];
    if (!cls) return !want || !*want;
    if (!WideCharToMultiByte(CP_ACP, 0, cls, -1, buf, sizeof buf, NULL, NULL)) return FALSE;
    if (!want || !*want) return CompareStringA(LOCALE_INVARIANT, NORM_IGNORECASE, buf, 3, "IPM", 3) == CSTR_EQUAL;
    return lstrcmpiA(buf, want) == 0;
}

ULONG WINAPI MAPIFindNext(LHANDLE h, ULONG_PTR ui, LPSTR type, LPSTR seed, FLAGS fl, ULONG reserved, LPSTR id)
{
    SizedSPropTagArray(3, cols) = {3, {PR_ENTRYID, PR_MESSAGE_CLASS_W, PR_MESSAGE_FLAGS}};
    SSortOrderSet order = {1, 0, 0, {{PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND}}};
    struct sm_session *s;
    BOOL implicit;
    IMAPITable *t = NULL;
    LPSRowSet rows = NULL;
    BYTE want[SM_MAX_EID];
    ULONG cwant = 0, i = 0, rc;
    HRESULT hr;
    (void)reserved;
    if (!id) return MAPI_E_FAILURE;
    id[0] = 0;
    if (seed && *seed && !(cwant = id_to_eid(seed, want))) return MAPI_E_INVALID_MESSAGE;
    if ((rc = sm_begin(h, ui, fl, &s, &implicit))) return rc;
    if (FAILED(hr = sm_inbox(s)) || FAILED(hr = s->inbox->lpVtbl->GetContentsTable(s->inbox, 0, &t))) {
        sm_end(s, implicit);
        return MAPI_E_FAILURE;
    }
    hr = t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0);
    /* Oldest first, as MAPI_GUARANTEE_FIFO asks; a table that cannot sort keeps its order. */
    if (SUCCEEDED(hr)) t->lpVtbl->SortTable(t, (LPSSortOrderSet)&order, 0);
    if (SUCCEEDED(hr)) hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    t->lpVtbl->Release(t);
    if (FAILED(hr)) {
        sm_end(s, implicit);
        return MAPI_E_FAILURE;
    }
    if (cwant) {
        for (; i < rows->cRows; i++) {
            LPSPropValue p = rows->aRow[i].lpProps;
            if (p[0].ulPropTag == PR_ENTRYID && p[0].Value.bin.cb == cwant && !memcmp(p[0].Value.bin.lpb, want, cwant))
                break;
        }
        if (i == rows->cRows) rc = MAPI_E_INVALID_MESSAGE;
        i++;
    }
    if (!rc) rc = MAPI_E_NO_MESSAGES;
    for (; rc == MAPI_E_NO_MESSAGES && i < rows->cRows; i++) {
        LPSPropValue p = rows->aRow[i].lpProps;
        if (p[0].ulPropTag != PR_ENTRYID || p[0].Value.bin.cb > SM_MAX_EID) continue;
        if (!class_matches(p[1].ulPropTag == PR_MESSAGE_CLASS_W ? p[1].Value.lpszW : NULL, type)) continue;
        if ((fl & MAPI_UNREAD_ONLY) && p[2].ulPropTag == PR_MESSAGE_FLAGS && (p[2].Value.l & MSGFLAG_READ)) continue;
        /* Without MAPI_LONG_MSGID the caller's buffer may hold only 64 characters. */
        if (!(fl & MAPI_LONG_MSGID) && p[0].Value.bin.cb > 31) {
            rc = MAPI_E_FAILURE;
            break;
        }
        eid_to_id(p[0].Value.bin.lpb, p[0].Value.bin.cb, id);
        rc = SUCCESS_SUCCESS;
    }
    FreeProws(rows);
    sm_end(s, implicit);
    return rc;
}

/* The message with id ID (in the default store), or a Simple MAPI failure. */
static ULONG open_message(struct sm_session *s, const char *id, IMessage **msg)
{
    BYTE eid[SM_MAX_EID];
    ULONG cb = id_to_eid(id, eid), type = 0;
    *msg = NULL;
    if (!cb) return MAPI_E_INVALID_MESSAGE;
    if (FAILED(sm_store(s))) return MAPI_E_FAILURE;
    if (FAILED(s->store->lpVtbl->OpenEntry(s->store, cb, (LPENTRYID)eid, NULL, MAPI_BEST_ACCESS, &type, (LPUNKNOWN *)msg)))
        return MAPI_E_INVALID_MESSAGE;
    if (type != MAPI_MESSAGE) {
        ((LPUNKNOWN)*msg)->lpVtbl->Release((LPUNKNOWN)*msg);
        *msg = NULL;
        return MAPI_E_INVALID_MESSAGE;
    }
    return SUCCESS_SUCCESS;
}

/* "TYPE:address" under ROOT, or NULL. */
static char *address_of(const WCHAR *type, const WCHAR *addr, void *root, BOOL *oom)
{
    char *t, *a, *r = NULL;
    if (!addr || !*addr) return NULL;
    t = sm_ansi(type && *type ? type : (const WCHAR *)u"SMTP", root, oom);
    a = sm_ansi(addr, root, oom);
    if (*oom) return NULL;
    if (MAPIAllocateMore((ULONG)(strlen(t) + strlen(a) + 2), root, (void **)&r)) {
        *oom = TRUE;
        return NULL;
    }
    strcpy(r, t);
    strcat(r, ":");
    strcat(r, a);
    return r;
}

/* A new folder of its own under the temporary directory (for one message's files). */
static BOOL temp_dir(WCHAR *dir)
{
    WCHAR base[MAX_PATH];
    if (!GetTempPathW(MAX_PATH, base) || !GetTempFileNameW(base, u"MAP", 0, dir)) return FALSE;
    DeleteFileW(dir);
    return CreateDirectoryW(dir, NULL);
}

/* Creates DIR\NAME (which must not exist yet); its path (8-bit, under ROOT) in *path. */
static HANDLE create_in(const WCHAR *dir, const WCHAR *name, void *root, char **path, BOOL *oom)
{
    WCHAR full[MAX_PATH];
    HANDLE f;
    size_t nd = lstrlenW(dir), nn = lstrlenW(name);
    if (nd + nn + 2 > MAX_PATH) return INVALID_HANDLE_VALUE;
    memcpy(full, dir, nd * sizeof(WCHAR));
    full[nd] = '\\';
    memcpy(full + nd + 1, name, (nn + 1) * sizeof(WCHAR));
    f = CreateFileW(full, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f != INVALID_HANDLE_VALUE) *path = sm_ansi(full, root, oom);
    return f;
}

/* DATA (or, when STM is given, the stream's whole content) as the new file DIR\NAME. */
static ULONG write_file(const WCHAR *dir, const WCHAR *name, const void *data, ULONG cb, IStream *stm, void *root,
                        char **path, BOOL *oom)
{
    HANDLE f = create_in(dir, name, root, path, oom);
    ULONG rc = SUCCESS_SUCCESS;
    DWORD put = 0;
    if (f == INVALID_HANDLE_VALUE) return MAPI_E_ATTACHMENT_WRITE_FAILURE;
    if (!stm) {
        if (!WriteFile(f, data, cb, &put, NULL) || put != cb) rc = MAPI_E_ATTACHMENT_WRITE_FAILURE;
    } else {
        BYTE buf[16384];
        for (;;) {
            ULONG got = 0;
            if (FAILED(stm->lpVtbl->Read(stm, buf, sizeof buf, &got))) {
                rc = MAPI_E_ATTACHMENT_OPEN_FAILURE;
                break;
            }
            if (!got) break;
            if (!WriteFile(f, buf, got, &put, NULL) || put != got) {
                rc = MAPI_E_ATTACHMENT_WRITE_FAILURE;
                break;
            }
        }
    }
    CloseHandle(f);
    if (!rc && *oom) rc = MAPI_E_INSUFFICIENT_MEMORY;
    return rc;
}

/* A file name that is safe in a folder: path separators and reserved characters as '_'. */
static void safe_name(WCHAR *n)
{
    for (; *n; n++)
        if (*n < 32 || *n == '\\' || *n == '/' || *n == ':' || *n == '*' || *n == '?' || *n == '"' || *n == '<' ||
            *n == '>' || *n == '|')
            *n = '_';
}

static ULONG read_recipients(IMessage *msg, MapiMessage *m, BOOL *oom)
{
    SizedSPropTagArray(4, cols) = {4, {PR_RECIPIENT_TYPE, PR_DISPLAY_NAME_W, PR_ADDRTYPE_W, PR_EMAIL_ADDRESS_W}};
    IMAPITable *t = NULL;
    LPSRowSet rows = NULL;
    ULONG i;
    if (FAILED(msg->lpVtbl->GetRecipientTable(msg, MAPI_UNICODE, &t))) return MAPI_E_FAILURE;
    if (FAILED(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows))) {
        t->lpVtbl->Release(t);
        return MAPI_E_FAILURE;
    }
    t->lpVtbl->Release(t);
    if (rows->cRows && MAPIAllocateMore(rows->cRows * sizeof(MapiRecipDesc), m, (void **)&m->lpRecips)) *oom = TRUE;
    for (i = 0; !*oom && i < rows->cRows; i++) {
        LPSPropValue p = rows->aRow[i].lpProps;
        ULONG n = rows->aRow[i].cValues;
        LPSPropValue type = sm_prop(p, n, PR_RECIPIENT_TYPE);
        MapiRecipDesc *r = &m->lpRecips[i];
        memset(r, 0, sizeof *r);
        r->ulRecipClass = type ? type->Value.l : MAPI_TO;
        r->lpszName = sm_ansi(sm_str(p, n, PR_DISPLAY_NAME_W), m, oom);
        r->lpszAddress = address_of(sm_str(p, n, PR_ADDRTYPE_W), sm_str(p, n, PR_EMAIL_ADDRESS_W), m, oom);
    }
    if (!*oom) m->nRecipCount = rows->cRows;
    FreeProws(rows);
    return *oom ? MAPI_E_INSUFFICIENT_MEMORY : SUCCESS_SUCCESS;
}

/* The message's attachments (unless !files) and, when BODY is given, the note text,
 * as files in a new temporary folder. */
static ULONG read_attachments(IMessage *msg, MapiMessage *m, const WCHAR *body, BOOL files, BOOL *oom)
{
    SizedSPropTagArray(1, cols) = {1, {PR_ATTACH_NUM}};
    SizedSPropTagArray(3, want) = {3, {PR_ATTACH_LONG_FILENAME_W, PR_ATTACH_FILENAME_W, PR_RENDERING_POSITION}};
    IMAPITable *t = NULL;
    LPSRowSet rows = NULL;
    WCHAR dir[MAX_PATH];
    ULONG i, k = 0, rc = SUCCESS_SUCCESS, n;
    if (files) {
        if (FAILED(msg->lpVtbl->GetAttachmentTable(msg, 0, &t))) return MAPI_E_FAILURE;
        if (FAILED(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows))) {
            t->lpVtbl->Release(t);
            return MAPI_E_FAILURE;
        }
        t->lpVtbl->Release(t);
    } else if (MAPIAllocateBuffer(sizeof(SRowSet), (void **)&rows)) {
        return MAPI_E_INSUFFICIENT_MEMORY;
    } else {
        rows->cRows = 0;
    }
    n = rows->cRows + (body ? 1 : 0);
    if (!n) {
        FreeProws(rows);
        return SUCCESS_SUCCESS;
    }
    if (!temp_dir(dir)) rc = MAPI_E_ATTACHMENT_WRITE_FAILURE;
    else if (MAPIAllocateMore(n * sizeof(MapiFileDesc), m, (void **)&m->lpFiles)) rc = MAPI_E_INSUFFICIENT_MEMORY;
    else memset(m->lpFiles, 0, n * sizeof(MapiFileDesc));
    if (!rc && body) { /* MAPI_BODY_AS_FILE: the note text first, in the ANSI code page */
        char *text = sm_ansi(body, m, oom);
        if (*oom) rc = MAPI_E_INSUFFICIENT_MEMORY;
        else rc = write_file(dir, u"body.txt", text, (ULONG)strlen(text), NULL, m, &m->lpFiles[0].lpszPathName, oom);
        if (!rc) {
            m->lpFiles[0].nPosition = (ULONG)-1;
            k = 1;
        }
    }
    for (i = 0; !rc && i < rows->cRows; i++) {
        LPSPropValue p = rows->aRow[i].lpProps, v = NULL;
        IAttach *att = NULL;
        IStream *stm = NULL;
        ULONG got = 0;
        WCHAR name[MAX_PATH];
        const WCHAR *given;
        if (p[0].ulPropTag != PR_ATTACH_NUM) continue;
        if (FAILED(msg->lpVtbl->OpenAttach(msg, p[0].Value.l, NULL, 0, &att))) {
            rc = MAPI_E_ATTACHMENT_OPEN_FAILURE;
            break;
        }
        /* The data through its stream: GetProps answers PT_ERROR for large values. */
        if (FAILED(att->lpVtbl->GetProps(att, (LPSPropTagArray)&want, MAPI_UNICODE, &got, &v)) ||
            FAILED(att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_BIN, (LPIID)&sm_iid_istream, 0, 0, (LPUNKNOWN *)&stm))) {
            rc = MAPI_E_ATTACHMENT_OPEN_FAILURE;
        } else {
            given = v[0].ulPropTag == PR_ATTACH_LONG_FILENAME_W ? v[0].Value.lpszW
                    : v[1].ulPropTag == PR_ATTACH_FILENAME_W   ? v[1].Value.lpszW
                                                                : NULL;
            if (given && *given && lstrlenW(given) < 200) lstrcpyW(name, given);
            else wsprintfW(name, u"attachment%lu.dat", (unsigned long)(k + 1));
            safe_name(name);
            rc = write_file(dir, name, NULL, 0, stm, m, &m->lpFiles[k].lpszPathName, oom);
            m->lpFiles[k].lpszFileName = sm_ansi(name, m, oom);
            m->lpFiles[k].nPosition = v[2].ulPropTag == PR_RENDERING_POSITION ? v[2].Value.l : (ULONG)-1;
            if (*oom && !rc) rc = MAPI_E_INSUFFICIENT_MEMORY;
            if (!rc) k++;
        }
        if (stm) stm->lpVtbl->Release(stm);
        MAPIFreeBuffer(v);
        att->lpVtbl->Release(att);
    }
    FreeProws(rows);
    m->nFileCount = k;
    return rc;
}

/* PR_BODY_W through its stream (UTF-16 there too), for a body too large for GetProps;
 * HeapAlloc'd, NULL on failure. */
static WCHAR *read_body(IMessage *msg)
{
    IStream *stm = NULL;
    BYTE *buf = NULL, *more;
    SIZE_T size = 0, cap = 65536;
    ULONG got;
    if (FAILED(msg->lpVtbl->OpenProperty(msg, PR_BODY_W, (LPIID)&sm_iid_istream, 0, 0, (LPUNKNOWN *)&stm))) return NULL;
    if (!(buf = HeapAlloc(GetProcessHeap(), 0, cap + 2))) goto fail;
    for (;;) {
        if (size == cap) {
            if (cap > 0x40000000 || !(more = HeapReAlloc(GetProcessHeap(), 0, buf, cap * 2 + 2))) goto fail;
            buf = more;
            cap *= 2;
        }
        got = 0;
        if (FAILED(stm->lpVtbl->Read(stm, buf + size, (ULONG)(cap - size), &got))) goto fail;
        if (!got) break;
        size += got;
    }
    stm->lpVtbl->Release(stm);
    buf[size & ~(SIZE_T)1] = 0;
    buf[(size & ~(SIZE_T)1) + 1] = 0;
    return (WCHAR *)buf;
fail:
    stm->lpVtbl->Release(stm);
    HeapFree(GetProcessHeap(), 0, buf);
    return NULL;
}

ULONG WINAPI MAPIReadMail(LHANDLE h, ULONG_PTR ui, LPSTR id, FLAGS fl, ULONG reserved, lpMapiMessage *out)
{
    SizedSPropTagArray(9, tags) = {9, {PR_SUBJECT_W, PR_BODY_W, PR_MESSAGE_CLASS_W, PR_MESSAGE_DELIVERY_TIME,
                                         PR_MESSAGE_FLAGS, PR_READ_RECEIPT_REQUESTED, PR_SENDER_NAME_W,
                                         PR_SENDER_ADDRTYPE_W, PR_SENDER_EMAIL_ADDRESS_W}};
    struct sm_session *s;
    BOOL implicit, oom = FALSE;
    IMessage *msg = NULL;
    MapiMessage *m = NULL;
    LPSPropValue v = NULL;
    WCHAR *big = NULL;
    ULONG got = 0, rc;
    (void)reserved;
    if (!out) return MAPI_E_FAILURE;
    *out = NULL;
    if (!id || !*id) return MAPI_E_INVALID_MESSAGE;
    if ((rc = sm_begin(h, ui, fl, &s, &implicit))) return rc;
    if ((rc = open_message(s, id, &msg))) {
        sm_end(s, implicit);
        return rc;
    }
    if (FAILED(msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&tags, MAPI_UNICODE, &got, &v))) rc = MAPI_E_FAILURE;
    else if (MAPIAllocateBuffer(sizeof *m, (void **)&m)) rc = MAPI_E_INSUFFICIENT_MEMORY;
    else {
        BOOL envelope = (fl & MAPI_ENVELOPE_ONLY) != 0;
        const WCHAR *body = v[1].ulPropTag == PR_BODY_W ? v[1].Value.lpszW : NULL;
        if (!envelope && v[1].ulPropTag == PROP_TAG(PT_ERROR, PROP_ID(PR_BODY_W)) && v[1].Value.err == E_OUTOFMEMORY)
            body = big = read_body(msg);
        memset(m, 0, sizeof *m);
        m->lpszSubject = sm_ansi(v[0].ulPropTag == PR_SUBJECT_W ? v[0].Value.lpszW : NULL, m, &oom);
        if (!envelope && !(fl & MAPI_BODY_AS_FILE)) m->lpszNoteText = sm_ansi(body ? body : u"", m, &oom);
        m->lpszMessageType = sm_ansi(v[2].ulPropTag == PR_MESSAGE_CLASS_W ? v[2].Value.lpszW : NULL, m, &oom);
        if (v[3].ulPropTag == PR_MESSAGE_DELIVERY_TIME && !MAPIAllocateMore(20, m, (void **)&m->lpszDateReceived)) {
            FILETIME local;
            SYSTEMTIME t;
            FileTimeToLocalFileTime(&v[3].Value.ft, &local);
            FileTimeToSystemTime(&local, &t);
            wsprintfA(m->lpszDateReceived, "%04u/%02u/%02u %02u:%02u", t.wYear, t.wMonth, t.wDay, t.wHour, t.wMinute);
        } else if (v[3].ulPropTag == PR_MESSAGE_DELIVERY_TIME) oom = TRUE;
        if (v[4].ulPropTag == PR_MESSAGE_FLAGS) {
            if (!(v[4].Value.l & MSGFLAG_READ)) m->flFlags |= MAPI_UNREAD;
            if (!(v[4].Value.l & MSGFLAG_UNSENT)) m->flFlags |= MAPI_SENT;
        }
        if (v[5].ulPropTag == PR_READ_RECEIPT_REQUESTED && v[5].Value.b) m->flFlags |= MAPI_RECEIPT_REQUESTED;
        if (v[6].ulPropTag == PR_SENDER_NAME_W || v[8].ulPropTag == PR_SENDER_EMAIL_ADDRESS_W) {
            if (MAPIAllocateMore(sizeof *m->lpOriginator, m, (void **)&m->lpOriginator)) oom = TRUE;
            else {
                memset(m->lpOriginator, 0, sizeof *m->lpOriginator);
                m->lpOriginator->ulRecipClass = MAPI_ORIG;
                m->lpOriginator->lpszName = sm_ansi(v[6].ulPropTag == PR_SENDER_NAME_W ? v[6].Value.lpszW : NULL, m, &oom);
                m->lpOriginator->lpszAddress =
                    address_of(v[7].ulPropTag == PR_SENDER_ADDRTYPE_W ? v[7].Value.lpszW : NULL,
                               v[8].ulPropTag == PR_SENDER_EMAIL_ADDRESS_W ? v[8].Value.lpszW : NULL, m, &oom);
            }
        }
        rc = oom ? MAPI_E_INSUFFICIENT_MEMORY : read_recipients(msg, m, &oom);
        if (!rc && !envelope && (!(fl & MAPI_SUPPRESS_ATTACH) || (fl & MAPI_BODY_AS_FILE)))
            rc = read_attachments(msg, m, fl & MAPI_BODY_AS_FILE ? (body ? body : u"") : NULL,
                                  !(fl & MAPI_SUPPRESS_ATTACH), &oom);
        if (!rc && !(fl & MAPI_PEEK)) msg->lpVtbl->SetReadFlag(msg, 0);
    }
    MAPIFreeBuffer(v);
    HeapFree(GetProcessHeap(), 0, big);
    msg->lpVtbl->Release(msg);
    sm_end(s, implicit);
    if (rc) {
        MAPIFreeBuffer(m);
        return rc;
    }
    *out = m;
    return SUCCESS_SUCCESS;
}

ULONG WINAPI MAPIDeleteMail(LHANDLE h, ULONG_PTR ui, LPSTR id, FLAGS fl, ULONG reserved)
{
    struct sm_session *s;
    BOOL implicit;
    IMessage *msg = NULL;
    BYTE eid[SM_MAX_EID];
    SBinary bin;
    ENTRYLIST list = {1, &bin};
    ULONG rc;
    (void)reserved;
    if (!id || !*id) return MAPI_E_INVALID_MESSAGE;
    if ((rc = sm_begin(h, ui, fl, &s, &implicit))) return rc;
    /* Only a message that opens is deleted (DeleteMessages may ignore unknown ids). */
    if (!(rc = open_message(s, id, &msg))) {
        msg->lpVtbl->Release(msg);
        bin.cb = id_to_eid(id, eid);
        bin.lpb = eid;
        if (FAILED(sm_inbox(s)) || FAILED(s->inbox->lpVtbl->DeleteMessages(s->inbox, &list, ui, NULL, 0)))
            rc = MAPI_E_FAILURE;
    }
    sm_end(s, implicit);
    return rc;
}
