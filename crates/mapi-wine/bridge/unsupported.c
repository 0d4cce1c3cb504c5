/* mapi32 entry points the bridge does not support. Each answers the documented failure
 * for "not supported" and clears its out-pointers, so a client that only links them (or
 * probes them) loads and fails cleanly: MAPI_E_NO_SUPPORT for the Extended MAPI ones,
 * MAPI_E_NOT_SUPPORTED for Simple MAPI's ULONG results, NULL / failure for the idle
 * engine. The lists are in the README's Wine section. */
#include "bridge.h"

#define SMAPI_E_NOT_SUPPORTED 26u
#define CLEAR(p) do { if (p) *(void **)(p) = NULL; } while (0)
#define CLEAR32(p) do { if (p) *(uint32_t *)(p) = 0; } while (0)

/* Entry ids and message ids in text, composite entry ids. */
int32_t WINAPI HrEntryIDFromSz(char *s, uint32_t *cb, void **eid) { CLEAR32(cb); CLEAR(eid); return BR_E_NO_SUPPORT; }
int32_t WINAPI HrSzFromEntryID(uint32_t cb, void *eid, char **s) { CLEAR(s); return BR_E_NO_SUPPORT; }
int32_t WINAPI HrComposeEID(void *ses, uint32_t cbk, void *k, uint32_t cbm, void *m, uint32_t *cb, void **eid)
{
    CLEAR32(cb); CLEAR(eid); return BR_E_NO_SUPPORT;
}
int32_t WINAPI HrDecomposeEID(void *ses, uint32_t cb, void *eid, uint32_t *cbs, void **seid, uint32_t *cbm, void **meid)
{
    CLEAR32(cbs); CLEAR(seid); CLEAR32(cbm); CLEAR(meid); return BR_E_NO_SUPPORT;
}
int32_t WINAPI HrComposeMsgID(void *ses, uint32_t cbk, void *k, uint32_t cbm, void *m, char **id) { CLEAR(id); return BR_E_NO_SUPPORT; }
int32_t WINAPI HrDecomposeMsgID(void *ses, char *id, uint32_t *cbs, void **seid, uint32_t *cbm, void **meid)
{
    CLEAR32(cbs); CLEAR(seid); CLEAR32(cbm); CLEAR(meid); return BR_E_NO_SUPPORT;
}
int32_t WINAPI WrapStoreEntryID(uint32_t fl, char *dll, uint32_t cb, void *eid, uint32_t *cbw, void **w)
{
    CLEAR32(cbw); CLEAR(w); return BR_E_NO_SUPPORT;
}

/* Service-provider building blocks: property data, tables, display tables, IMessage on
 * IStorage, TNEF, storage on streams, RTF, the IPM subtree, forms, profile wizard. */
int32_t WINAPI CreateIProp(void *iid, void *ab, void *am, void *fb, void *r, void **out) { CLEAR(out); return BR_E_NO_SUPPORT; }
int32_t WINAPI CreateTable(void *iid, void *ab, void *am, void *fb, void *r, uint32_t type, uint32_t idx, void *cols, void **out)
{
    CLEAR(out); return BR_E_NO_SUPPORT;
}
int32_t WINAPI BuildDisplayTable(void *ab, void *am, void *fb, void *malloc, void *inst, uint32_t n, void *pages,
                                 uint32_t fl, void **table, void **data)
{
    CLEAR(table); CLEAR(data); return BR_E_NO_SUPPORT;
}
int32_t WINAPI OpenIMsgSession(void *malloc, uint32_t fl, void **out) { CLEAR(out); return BR_E_NO_SUPPORT; }
void WINAPI CloseIMsgSession(void *ses) { (void)ses; }
int32_t WINAPI OpenIMsgOnIStg(void *ses, void *ab, void *am, void *fb, void *malloc, void *sup, void *stg, void *cb,
                              uint32_t cbdata, uint32_t fl, void **out)
{
    CLEAR(out); return BR_E_NO_SUPPORT;
}
int32_t WINAPI GetAttribIMsgOnIStg(void *obj, void *tags, void **out) { CLEAR(out); return BR_E_NO_SUPPORT; }
int32_t WINAPI SetAttribIMsgOnIStg(void *obj, void *tags, void *attrs, void **probs) { CLEAR(probs); return BR_E_NO_SUPPORT; }
int32_t WINAPI OpenTnefStream(void *sup, void *stm, char *name, uint32_t fl, void *msg, uint32_t key, void **out)
{
    CLEAR(out); return BR_E_NO_SUPPORT;
}
int32_t WINAPI OpenTnefStreamEx(void *sup, void *stm, char *name, uint32_t fl, void *msg, uint32_t key, void *ab, void **out)
{
    CLEAR(out); return BR_E_NO_SUPPORT;
}
int32_t WINAPI GetTnefStreamCodepage(void *stm, uint32_t *cp, uint32_t *sub) { CLEAR32(cp); CLEAR32(sub); return BR_E_NO_SUPPORT; }
int32_t WINAPI HrIStorageFromStream(void *unk, void *iid, uint32_t fl, void **out) { CLEAR(out); return BR_E_NO_SUPPORT; }
int32_t WINAPI HrValidateIPMSubtree(void *mdb, uint32_t fl, uint32_t *n, void **vals, void **err)
{
    CLEAR32(n); CLEAR(vals); CLEAR(err); return BR_E_NO_SUPPORT;
}
int32_t WINAPI RTFSync(void *msg, uint32_t fl, int *updated) { if (updated) *updated = 0; return BR_E_NO_SUPPORT; }
int32_t WINAPI MAPIOpenFormMgr(void *ses, void **out) { CLEAR(out); return BR_E_NO_SUPPORT; }
int32_t WINAPI LaunchWizard(void *wnd, uint32_t fl, void *services, uint32_t cb, char *name)
{
    if (name && cb) name[0] = 0;
    return BR_E_NO_SUPPORT;
}
int32_t WINAPI ScMAPIXFromSMAPI(uintptr_t h, uint32_t fl, void *iid, void **out) { CLEAR(out); return BR_E_NO_SUPPORT; }

/* The idle engine: never started, so nothing registers. */
int32_t WINAPI MAPIInitIdle(void *r) { return 1; }
void WINAPI MAPIDeinitIdle(void) {}
void *WINAPI FtgRegisterIdleRoutine(void *fn, void *param, int16_t pri, uint32_t csec, uint16_t iro) { return NULL; }
void WINAPI DeregisterIdleRoutine(void *ftg) { (void)ftg; }
void WINAPI EnableIdleRoutine(void *ftg, int on) { (void)ftg; }
void WINAPI ChangeIdleRoutine(void *ftg, void *fn, void *param, int16_t pri, uint32_t csec, uint16_t iro, uint16_t irc) {}

/* Simple MAPI without a counterpart here (the rest is simple*.c): a document sent
 * through a compose dialog, a message saved as a draft, the address-book dialogs. */
uint32_t WINAPI MAPISendDocuments(uintptr_t ui, char *delim, char *paths, char *names, uint32_t r) { return SMAPI_E_NOT_SUPPORTED; }
uint32_t WINAPI MAPISaveMail(uintptr_t ses, uintptr_t ui, void *msg, uint32_t fl, uint32_t r, char *id) { return SMAPI_E_NOT_SUPPORTED; }
uint32_t WINAPI MAPIAddress(uintptr_t ses, uintptr_t ui, char *cap, uint32_t nedit, char *labels, uint32_t n, void *recips,
                            uint32_t fl, uint32_t r, uint32_t *nnew, void **newr)
{
    CLEAR32(nnew); CLEAR(newr); return SMAPI_E_NOT_SUPPORTED;
}
uint32_t WINAPI MAPIDetails(uintptr_t ses, uintptr_t ui, void *recip, uint32_t fl, uint32_t r) { return SMAPI_E_NOT_SUPPORTED; }
