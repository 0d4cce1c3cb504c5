/* MAPISendMail and MAPISendMailW over Extended MAPI: a message made in the default
 * store's Outbox (subject, note text, class, read receipt), its recipients (one-offs
 * from their addresses, or resolved by name), file attachments copied from the Windows
 * paths given into their data streams, then SubmitMessage, which hands it to the
 * transport (the store keeps the Sent copy). There is no compose dialog: MAPI_DIALOG
 * answers MAPI_E_NOT_SUPPORTED. */
#include "simple.h"

static ULONG fail_of(HRESULT hr)
{
    return hr == E_OUTOFMEMORY ? MAPI_E_INSUFFICIENT_MEMORY : MAPI_E_FAILURE;
}

/* The last component of a Windows path. */
static const WCHAR *base_name(const WCHAR *path)
{
    const WCHAR *b = path, *p;
    for (p = path; *p; p++)
        if (*p == '\\' || *p == '/' || *p == ':') b = p + 1;
    return b;
}

/* Copies the file at PATH into the attachment's PR_ATTACH_DATA_BIN stream (any size:
 * GetProps-sized values are not needed on either side). */
static ULONG copy_file(const WCHAR *path, IAttach *att)
{
    HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    IStream *stm = NULL;
    ULONG rc = SUCCESS_SUCCESS;
    BYTE *buf;
    if (f == INVALID_HANDLE_VALUE) return MAPI_E_ATTACHMENT_NOT_FOUND;
    if (!(buf = HeapAlloc(GetProcessHeap(), 0, 65536))) {
        CloseHandle(f);
        return MAPI_E_INSUFFICIENT_MEMORY;
    }
    if (FAILED(att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_BIN, (LPIID)&sm_iid_istream, 0,
                                         MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&stm)))
        rc = MAPI_E_ATTACHMENT_WRITE_FAILURE;
    while (!rc) {
        DWORD got = 0;
        ULONG put = 0;
        if (!ReadFile(f, buf, 65536, &got, NULL)) rc = MAPI_E_ATTACHMENT_OPEN_FAILURE;
        else if (!got) break;
        else if (FAILED(stm->lpVtbl->Write(stm, buf, got, &put)) || put != got) rc = MAPI_E_ATTACHMENT_WRITE_FAILURE;
    }
    if (!rc && FAILED(stm->lpVtbl->Commit(stm, 0))) rc = MAPI_E_ATTACHMENT_WRITE_FAILURE;
    if (stm) stm->lpVtbl->Release(stm);
    HeapFree(GetProcessHeap(), 0, buf);
    CloseHandle(f);
    return rc;
}

static ULONG attach(IMessage *msg, const MapiFileDescW *fd)
{
    SPropValue p[4];
    IAttach *att = NULL;
    ULONG num = 0, rc;
    const WCHAR *name;
    DWORD attrs;
    if (!fd->lpszPathName || !*fd->lpszPathName) return MAPI_E_ATTACHMENT_NOT_FOUND;
    attrs = GetFileAttributesW(fd->lpszPathName);
    if (attrs == INVALID_FILE_ATTRIBUTES || (attrs & FILE_ATTRIBUTE_DIRECTORY)) return MAPI_E_ATTACHMENT_NOT_FOUND;
    name = fd->lpszFileName && *fd->lpszFileName ? fd->lpszFileName : base_name(fd->lpszPathName);
    if (FAILED(msg->lpVtbl->CreateAttach(msg, NULL, 0, &num, &att))) return MAPI_E_ATTACHMENT_WRITE_FAILURE;
    p[0].ulPropTag = PR_ATTACH_METHOD;
    p[0].Value.l = ATTACH_BY_VALUE;
    p[1].ulPropTag = PR_ATTACH_LONG_FILENAME_W;
    p[1].Value.lpszW = (WCHAR *)name;
    p[2].ulPropTag = PR_ATTACH_FILENAME_W;
    p[2].Value.lpszW = (WCHAR *)name;
    p[3].ulPropTag = PR_RENDERING_POSITION;
    p[3].Value.l = fd->nPosition;
    rc = FAILED(att->lpVtbl->SetProps(att, 4, p, NULL)) ? MAPI_E_ATTACHMENT_WRITE_FAILURE
                                                          : copy_file(fd->lpszPathName, att);
    if (!rc && FAILED(att->lpVtbl->SaveChanges(att, 0))) rc = MAPI_E_ATTACHMENT_WRITE_FAILURE;
    att->lpVtbl->Release(att);
    return rc;
}

static ULONG compose(struct sm_session *s, ULONG_PTR ui, const MapiMessageW *m, IMessage *msg)
{
    SPropValue p[4];
    ULONG n = 0, i, rc;
    HRESULT hr;
    p[n].ulPropTag = PR_MESSAGE_CLASS_W;
    p[n++].Value.lpszW = m->lpszMessageType && *m->lpszMessageType ? m->lpszMessageType : (WCHAR *)u"IPM.Note";
    if (m->lpszSubject) {
        p[n].ulPropTag = PR_SUBJECT_W;
        p[n++].Value.lpszW = m->lpszSubject;
    }
    if (m->lpszNoteText) {
        p[n].ulPropTag = PR_BODY_W;
        p[n++].Value.lpszW = m->lpszNoteText;
    }
    if (m->flFlags & MAPI_RECEIPT_REQUESTED) {
        p[n].ulPropTag = PR_READ_RECEIPT_REQUESTED;
        p[n++].Value.b = TRUE;
    }
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, n, p, NULL))) return fail_of(hr);
    for (i = 0; i < m->nRecipCount; i++) {
        const MapiRecipDescW *r = &m->lpRecips[i];
        LPADRLIST l = NULL;
        if ((rc = sm_recipient(s, ui, r->ulRecipClass, r->lpszName, r->lpszAddress, r->ulEIDSize, r->lpEntryID, &l)))
            return rc;
        hr = msg->lpVtbl->ModifyRecipients(msg, MODRECIP_ADD, l);
        FreePadrlist(l);
        if (FAILED(hr)) return fail_of(hr);
    }
    for (i = 0; i < m->nFileCount; i++)
        if ((rc = attach(msg, &m->lpFiles[i]))) return rc;
    return SUCCESS_SUCCESS;
}

static ULONG send_wide(LHANDLE h, ULONG_PTR ui, const MapiMessageW *m, FLAGS fl)
{
    struct sm_session *s;
    BOOL implicit;
    LPSPropValue eid = NULL;
    IMAPIFolder *outbox = NULL;
    IMessage *msg = NULL;
    ULONG rc, type = 0;
    HRESULT hr;
    if (fl & (MAPI_DIALOG | MAPI_DIALOG_MODELESS)) return MAPI_E_NOT_SUPPORTED;
    if (!m) return MAPI_E_FAILURE;
    if (!m->nRecipCount || !m->lpRecips) return MAPI_E_INVALID_RECIPS;
    if (m->nFileCount && !m->lpFiles) return MAPI_E_ATTACHMENT_NOT_FOUND;
    if ((rc = sm_begin(h, ui, fl, &s, &implicit))) return rc;
    if (FAILED(hr = sm_store(s)) || FAILED(hr = HrGetOneProp((LPMAPIPROP)s->store, PR_IPM_OUTBOX_ENTRYID, &eid))) {
        sm_end(s, implicit);
        return fail_of(hr);
    }
    hr = s->store->lpVtbl->OpenEntry(s->store, eid->Value.bin.cb, (LPENTRYID)eid->Value.bin.lpb, NULL,
                                     MAPI_BEST_ACCESS | MAPI_MODIFY, &type, (LPUNKNOWN *)&outbox);
    MAPIFreeBuffer(eid);
    if (SUCCEEDED(hr)) {
        hr = outbox->lpVtbl->CreateMessage(outbox, NULL, 0, &msg);
        outbox->lpVtbl->Release(outbox);
    }
    if (FAILED(hr)) rc = fail_of(hr);
    else {
        /* Not saved on failure: released unsaved, the new message is gone. */
        rc = compose(s, ui, m, msg);
        if (!rc && FAILED(hr = msg->lpVtbl->SubmitMessage(msg, 0))) rc = fail_of(hr);
        msg->lpVtbl->Release(msg);
    }
    sm_end(s, implicit);
    return rc;
}

ULONG WINAPI MAPISendMailW(LHANDLE h, ULONG_PTR ui, lpMapiMessageW m, FLAGS fl, ULONG reserved)
{
    (void)reserved;
    return send_wide(h, ui, m, fl & ~MAPI_FORCE_UNICODE);
}

/* The 8-bit form: the message copied to UTF-16 (the ANSI code page), then as above. */
ULONG WINAPI MAPISendMail(LHANDLE h, ULONG_PTR ui, lpMapiMessage m, FLAGS fl, ULONG reserved)
{
    MapiMessageW *w = NULL;
    BOOL oom = FALSE;
    ULONG i, rc;
    (void)reserved;
    if (!m) return send_wide(h, ui, NULL, fl);
    if (MAPIAllocateBuffer(sizeof *w, (void **)&w)) return MAPI_E_INSUFFICIENT_MEMORY;
    memset(w, 0, sizeof *w);
    w->lpszSubject = sm_wide(m->lpszSubject, w, &oom);
    w->lpszNoteText = sm_wide(m->lpszNoteText, w, &oom);
    w->lpszMessageType = sm_wide(m->lpszMessageType, w, &oom);
    w->nRecipCount = m->nRecipCount;
    w->nFileCount = m->nFileCount;
    if (m->nRecipCount && m->lpRecips) {
        if (MAPIAllocateMore(m->nRecipCount * sizeof *w->lpRecips, w, (void **)&w->lpRecips)) oom = TRUE;
        for (i = 0; !oom && i < m->nRecipCount; i++) {
            w->lpRecips[i].ulRecipClass = m->lpRecips[i].ulRecipClass;
            w->lpRecips[i].lpszName = sm_wide(m->lpRecips[i].lpszName, w, &oom);
            w->lpRecips[i].lpszAddress = sm_wide(m->lpRecips[i].lpszAddress, w, &oom);
            w->lpRecips[i].ulEIDSize = m->lpRecips[i].ulEIDSize;
            w->lpRecips[i].lpEntryID = m->lpRecips[i].lpEntryID;
        }
    }
    if (m->nFileCount && m->lpFiles) {
        if (MAPIAllocateMore(m->nFileCount * sizeof *w->lpFiles, w, (void **)&w->lpFiles)) oom = TRUE;
        for (i = 0; !oom && i < m->nFileCount; i++) {
            memset(&w->lpFiles[i], 0, sizeof w->lpFiles[i]);
            w->lpFiles[i].flFlags = m->lpFiles[i].flFlags;
            w->lpFiles[i].nPosition = m->lpFiles[i].nPosition;
            w->lpFiles[i].lpszPathName = sm_wide(m->lpFiles[i].lpszPathName, w, &oom);
            w->lpFiles[i].lpszFileName = sm_wide(m->lpFiles[i].lpszFileName, w, &oom);
        }
    }
    rc = oom ? MAPI_E_INSUFFICIENT_MEMORY : send_wide(h, ui, w, fl);
    MAPIFreeBuffer(w);
    return rc;
}
