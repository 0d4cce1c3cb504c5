/* Simple MAPI over Extended MAPI, shared by simple.c, simple_send.c and simple_read.c.
 * These files are clients of the bridge's own exports (MAPILogonEx and the ms_abi
 * objects it hands out), so they use Wine's MAPI headers and never bridge.h (whose
 * fixed-width spellings of the same entry points would clash). */
#ifndef MAPI_WINE_SIMPLE_H
#define MAPI_WINE_SIMPLE_H

#include <stddef.h>
#include <windows.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
/* Wine's mapi.h has MAPIReadMail's last parameter as lpMapiMessage; it is a pointer to
 * one (lpMapiMessage FAR *), as documented. */
#define MAPIReadMail wine_header_MAPIReadMail
#include <mapi.h>
#undef MAPIReadMail

#ifndef AB_NO_DIALOG
#define AB_NO_DIALOG 0x00000001
#endif
#ifndef CbNewADRLIST
#define CbNewADRLIST(n) (offsetof(ADRLIST, aEntries) + (n) * sizeof(ADRENTRY))
#endif
#ifndef MODRECIP_ADD
#define MODRECIP_ADD 0x00000002
#endif
#ifndef MDB_WRITE
#define MDB_WRITE 0x00000004
#endif

/* Wine's headers declare IAddrBook without its methods: the part of its vtable used here
 * (the order of abi/interfaces.idl and of the documentation). */
typedef struct sm_addrbook_vtbl {
    HRESULT (STDMETHODCALLTYPE *QueryInterface)(IAddrBook *, REFIID, void **);
    ULONG (STDMETHODCALLTYPE *AddRef)(IAddrBook *);
    ULONG (STDMETHODCALLTYPE *Release)(IAddrBook *);
    void *imapiprop[11];  /* GetLastError .. GetIDsFromNames */
    void *entries[4];     /* OpenEntry, CompareEntryIDs, Advise, Unadvise */
    HRESULT (STDMETHODCALLTYPE *CreateOneOff)(IAddrBook *, LPTSTR, LPTSTR, LPTSTR, ULONG, ULONG *, LPENTRYID *);
    void *NewEntry;
    HRESULT (STDMETHODCALLTYPE *ResolveName)(IAddrBook *, ULONG_PTR, ULONG, LPTSTR, LPADRLIST);
} sm_addrbook_vtbl;
struct IAddrBook { const sm_addrbook_vtbl *lpVtbl; };

#ifndef SUCCESS_SUCCESS
#define SUCCESS_SUCCESS 0
#endif
#ifndef MAPI_UNREAD_ONLY
#define MAPI_UNREAD_ONLY 0x00000020
#endif
#ifndef MAPI_GUARANTEE_FIFO
#define MAPI_GUARANTEE_FIFO 0x00000100
#endif
#ifndef MAPI_LONG_MSGID
#define MAPI_LONG_MSGID 0x00004000
#endif
#ifndef MAPI_PEEK
#define MAPI_PEEK 0x00000080
#endif
#ifndef MAPI_ENVELOPE_ONLY
#define MAPI_ENVELOPE_ONLY 0x00000040
#endif
#ifndef MAPI_SUPPRESS_ATTACH
#define MAPI_SUPPRESS_ATTACH 0x00000800
#endif
#ifndef MAPI_BODY_AS_FILE
#define MAPI_BODY_AS_FILE 0x00000200
#endif
#ifndef MAPI_AB_NOMODIFY
#define MAPI_AB_NOMODIFY 0x00000400
#endif
#ifndef MAPI_UNREAD
#define MAPI_UNREAD 0x00000001
#endif
#ifndef MAPI_RECEIPT_REQUESTED
#define MAPI_RECEIPT_REQUESTED 0x00000002
#endif
#ifndef MAPI_SENT
#define MAPI_SENT 0x00000004
#endif
#ifndef MAPI_DIALOG_MODELESS
#define MAPI_DIALOG_MODELESS 0x00000004
#endif
#ifndef MAPI_PASSWORD_UI
#define MAPI_PASSWORD_UI 0x00020000
#endif
#ifndef MAPI_FORCE_DOWNLOAD
#define MAPI_FORCE_DOWNLOAD 0x00001000
#endif

/* IID_IStream, without linking Wine's uuid library. */
static const GUID sm_iid_istream = {0x0000000c, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};

/* Message ids are the entry id in hex: at most this many bytes of entry id, so the id
 * fits the 512 characters the documentation tells callers to allocate (with
 * MAPI_LONG_MSGID; without it MAPIFindNext fails rather than pass 63 characters). */
#define SM_MAX_EID 255

/* One Simple MAPI session: an Extended MAPI session and what is opened through it on
 * first use. The handle given out is the structure's address, checked against the list
 * of live sessions before any use. */
struct sm_session {
    struct sm_session *next;
    IMAPISession *ses;
    IMsgStore *store;   /* the default store */
    IMAPIFolder *inbox; /* its receive folder for IPM.Note */
    IAddrBook *ab;
    BOOL shared;        /* reused by MAPILogon without MAPI_NEW_SESSION */
    ULONG handles;      /* handles given out (under simple.c's lock) */
    ULONG busy;         /* calls running on it (under simple.c's lock) */
    CRITICAL_SECTION cs; /* held by the running call */
};

/* simple.c */
ULONG sm_begin(LHANDLE h, ULONG_PTR ui, FLAGS fl, struct sm_session **out, BOOL *implicit);
void sm_end(struct sm_session *s, BOOL implicit);
HRESULT sm_store(struct sm_session *s);
HRESULT sm_inbox(struct sm_session *s);
HRESULT sm_ab(struct sm_session *s);
ULONG sm_resolve(struct sm_session *s, ULONG_PTR ui, const WCHAR *name, ULONG type, LPADRLIST *out);
ULONG sm_recipient(struct sm_session *s, ULONG_PTR ui, ULONG type, const WCHAR *name, const WCHAR *address,
                   ULONG cbeid, void *eid, LPADRLIST *out);
/* Strings under `root` (MAPIAllocateMore); NULL in, NULL out; *oom set on failure. */
WCHAR *sm_wide(const char *s, void *root, BOOL *oom);
char *sm_ansi(const WCHAR *w, void *root, BOOL *oom);
WCHAR *sm_wcat(const WCHAR *a, const WCHAR *b, const WCHAR *c, void *root, BOOL *oom);
LPSPropValue sm_prop(LPSPropValue p, ULONG n, ULONG tag);
const WCHAR *sm_str(LPSPropValue p, ULONG n, ULONG tag);

#endif
