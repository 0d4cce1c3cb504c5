/* The Wine bridge's shared declarations: wrappers in both directions, the converters
 * and libmapi.so.1's entry points. Types are spelt as fixed-width integers and void
 * pointers so that Wine's headers (16-bit WCHAR) and ours (32-bit wchar_t) never meet. */
#ifndef MAPI_WINE_BRIDGE_H
#define MAPI_WINE_BRIDGE_H

#include <stdint.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <dlfcn.h>
#include <pthread.h>
#include <windows.h>

#include "gen/libmapi.h"

#define BR_MAPI_UNICODE 0x80000000u
#define BR_E_CALL_FAILED ((int32_t)0x80004005)
#define BR_E_NO_SUPPORT ((int32_t)0x80040102)
#define BR_E_NOINTERFACE ((int32_t)0x80004002)
#define BR_E_INVALIDARG ((int32_t)0x80070057)
#define BR_E_NOT_ENOUGH_MEMORY ((int32_t)0x8007000E)

/* One interface of the table: name, IID, parent, our ms_abi vtable, and for the
 * client-implemented ones the SysV vtable that calls the client's object. */
struct br_iface {
    const char *name;
    GUID iid;
    const struct br_iface *parent;
    const void *const *ms_vtbl;
    const void *const *sysv_vtbl;
};

/* Our object seen by Windows code. */
struct br_wrap {
    const void *const *vtbl;
    void *inner;
    const struct br_iface *iface;
    volatile int refs;
};

/* The client's object seen by libmapi. */
struct br_cwrap {
    const void *const *vtbl;
    void *client;
    const struct br_iface *iface;
    volatile int refs;
};

#define BR_INNER_VTBL(w) (*(void *const *const *)(w)->inner)
#define BR_CLIENT_VTBL(w) (*(void *const *const *)(w)->client)

extern const struct br_iface *const br_ifaces[];
extern const struct br_iface br_iface_IUnknown, br_iface_IMAPIAdviseSink, br_iface_IMAPIProgress,
    br_iface_IStream, br_iface_IMalloc, br_iface_IMAPITable;

/* lib.c */
int br_ensure_lib(void);
int br_lib_resolve(void *so);

/* wrap.c */
int32_t WINAPI br_ms_QueryInterface(struct br_wrap *This, const GUID *riid, void **ppv);
uint32_t WINAPI br_ms_AddRef(struct br_wrap *This);
uint32_t WINAPI br_ms_Release(struct br_wrap *This);
int32_t br_sysv_QueryInterface(struct br_cwrap *This, const GUID *riid, void **ppv);
uint32_t br_sysv_AddRef(struct br_cwrap *This);
uint32_t br_sysv_Release(struct br_cwrap *This);
void *br_wrap_new(void *inner, const struct br_iface *iface);
void br_wrap_out(void *pp, const struct br_iface *iface);
void br_wrap_unknown_out(void *pp, const void *iid, void *objtype);
void *br_unwrap(void *p);
void *br_unwrap_client(void *p);
void *br_client_in(void *p, const struct br_iface *iface);
void br_client_release(void *c, void *orig);
uint32_t br_sink_notify(struct br_cwrap *This, uint32_t n, void *notifs);
const struct br_iface *br_iface_by_iid(const GUID *iid);

/* textstream.c: OpenProperty's out-object (string properties as converting IStreams) */
void br_prop_unknown_out(void *pp, const void *iid, uint32_t tag);

/* propcopy.c: one SPropValue in the client's (Windows) layout */
int64_t br_prop_extra(const void *prop);
void br_prop_copy(void *dst, const void *src, uint8_t **heap);
int32_t WINAPI ScCountProps(int n, void *props, uint32_t *cb);
int32_t WINAPI ScCopyProps(int n, void *props, void *dst, uint32_t *cb);
int32_t WINAPI ScRelocProps(int n, void *props, void *old, void *new, uint32_t *cb);

/* conv.c: in-parameters (copies freed after the call) */
void *br_str_in(void *s, uint32_t flags);
void *br_props_in(uint32_t n, void *props);
void *br_res_in(void *res);
void *br_adrlist_in(void *list);
void br_adrlist_back(void *orig, void *copy);
void br_adrlist_free(void *copy, void *orig);
void *br_notif_in(void *notif);
void *br_names_in(uint32_t n, void *names);
void br_free_in(void *copy, void *orig);
/* conv.c: out-parameters (converted in place, children of the same root) */
void br_props_out(uint32_t n, void *pp);
void br_rows_out(void *pp);
void br_error_out(void *pp, uint32_t flags);
void br_names_out(uint32_t n, void *ppp);
void br_str_out(void *pp, uint32_t flags);
void br_strv_out(uint32_t n, void *ppp, uint32_t flags);
void br_res_out(void *pp);
void br_stat_out(void *p);
/* conv.c: notifications deep-copied to the client's form (one root) */
void *br_notifs_to_client(uint32_t n, const void *notifs);

#endif
