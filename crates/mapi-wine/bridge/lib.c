/* Loading libmapi.so.1 (path in MAPI_BRIDGE_LIBMAPI, else the dynamic linker's search)
 * and the entry points written by hand: those taking the client's function pointers or
 * Windows paths, those working on the client's own UTF-16 data, and the mapi32 names
 * the interface table does not have. */
#include "bridge.h"
#include <stdio.h>
#include <stdlib.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

static void load(void)
{
    char path[4096];
    DWORD n = GetEnvironmentVariableA("MAPI_BRIDGE_LIBMAPI", path, sizeof path);
    void *so = dlopen(n && n < sizeof path ? path : "libmapi.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (!so) {
        fprintf(stderr, "mapibridge: cannot load libmapi: %s\n", dlerror());
        return;
    }
    loaded = br_lib_resolve(so);
    if (!loaded) fprintf(stderr, "mapibridge: libmapi lacks an entry point\n");
}

int br_ensure_lib(void)
{
    pthread_once(&once, load);
    return loaded;
}

int32_t WINAPI MAPIInitialize(void *init)
{
    if (!br_ensure_lib()) return BR_E_CALL_FAILED;
    return br_lib.MAPIInitialize(init);
}

void *WINAPI MAPIGetDefaultMalloc(void)
{
    static void *wrapped;
    void *m;
    if (!br_ensure_lib()) return NULL;
    if (wrapped) return wrapped;
    if (!(m = br_lib.MAPIGetDefaultMalloc())) return NULL;
    wrapped = br_wrap_new(m, &br_iface_IMalloc);
    return wrapped;
}

int32_t WINAPI OpenStreamOnFile(void *alloc, void *free_, uint32_t flags, void *file, void *prefix, void **out)
{
    WCHAR wpath[MAX_PATH];
    char *unix_path;
    int32_t hr;
    (void)alloc; (void)free_;
    if (!br_ensure_lib()) return BR_E_CALL_FAILED;
    if (!file || !out) return BR_E_INVALIDARG;
    if (!MultiByteToWideChar(CP_ACP, 0, file, -1, wpath, MAX_PATH)) return BR_E_INVALIDARG;
    if (!(unix_path = wine_get_unix_file_name(wpath))) return BR_E_INVALIDARG;
    hr = br_lib.OpenStreamOnFile((void *)br_lib.MAPIAllocateBuffer, (void *)br_lib.MAPIFreeBuffer, flags,
                                 unix_path, prefix ? br_str_in(prefix, 0) : NULL, out);
    HeapFree(GetProcessHeap(), 0, unix_path);
    if (hr >= 0) br_wrap_out(out, &br_iface_IStream);
    return hr;
}

/* Works on the client's array as it is (same layout on both sides). */
void *WINAPI PpropFindProp(void *props, uint32_t n, uint32_t tag)
{
    uint8_t *p = props;
    uint32_t i;
    if (!p) return NULL;
    for (i = 0; i < n; i++) {
        uint32_t t = *(uint32_t *)(p + 24 * i);
        if (t == tag || ((tag & 0xFFFF) == 0 && (t >> 16) == (tag >> 16))) return p + 24 * i;
    }
    return NULL;
}

static size_t wlen16(const uint16_t *s) { size_t n = 0; while (s && s[n]) n++; return n; }

uint32_t WINAPI UlPropSize(void *prop)
{
    uint8_t *p = prop;
    uint32_t t, i, n, size = 0;
    if (!p) return 0;
    t = *(uint32_t *)p & 0xFFFF;
    switch (t) {
    case 0x02: case 0x0B: return 2;
    case 0x03: case 0x04: case 0x0A: case 0x01: case 0x0D: return 4;
    case 0x48: return 16;
    case 0x1E: return *(char **)(p + 8) ? (uint32_t)strlen(*(char **)(p + 8)) + 1 : 0;
    case 0x1F: return *(uint16_t **)(p + 8) ? (uint32_t)(wlen16(*(uint16_t **)(p + 8)) + 1) * 2 : 0;
    case 0x102: return *(uint32_t *)(p + 8);
    case 0x101E: case 0x101F: case 0x1102:
        n = *(uint32_t *)(p + 8);
        for (i = 0; i < n; i++) {
            void *e = (*(void ***)(p + 16))[t == 0x1102 ? 2 * i + 1 : i];
            if (t == 0x101E) size += e ? (uint32_t)strlen(e) + 1 : 0;
            else if (t == 0x101F) size += e ? (uint32_t)(wlen16(e) + 1) * 2 : 0;
            else size += ((uint32_t *)*(void **)(p + 16))[4 * i];
        }
        return size;
    case 0x1002: return 2 * *(uint32_t *)(p + 8);
    case 0x1003: case 0x1004: return 4 * *(uint32_t *)(p + 8);
    case 0x1048: return 16 * *(uint32_t *)(p + 8);
    default: return t & 0x1000 ? 8 * *(uint32_t *)(p + 8) : 8;
    }
}

int32_t WINAPI LPropCompareProp(void *a, void *b)
{
    void *ca, *cb;
    int32_t r;
    if (!br_ensure_lib()) return 0;
    ca = br_props_in(1, a);
    cb = br_props_in(1, b);
    r = br_lib.LPropCompareProp(ca, cb);
    br_free_in(ca, a);
    br_free_in(cb, b);
    return r;
}

/* HrAllocAdviseSink: a sink object on the Windows side whose OnNotify calls the client's
 * callback (ms_abi). */
typedef int32_t (WINAPI *notif_cb_t)(void *, uint32_t, void *);
struct cb_sink { const void *const *vtbl; notif_cb_t cb; void *ctx; volatile int refs; };

static int32_t WINAPI cbs_QueryInterface(struct cb_sink *s, const GUID *riid, void **ppv)
{
    if (!memcmp(riid, &br_iface_IUnknown.iid, sizeof(GUID)) || !memcmp(riid, &br_iface_IMAPIAdviseSink.iid, sizeof(GUID))) {
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_SEQ_CST);
        *ppv = s;
        return 0;
    }
    *ppv = NULL;
    return BR_E_NOINTERFACE;
}
static uint32_t WINAPI cbs_AddRef(struct cb_sink *s) { return (uint32_t)__atomic_add_fetch(&s->refs, 1, __ATOMIC_SEQ_CST); }
static uint32_t WINAPI cbs_Release(struct cb_sink *s)
{
    int left = __atomic_sub_fetch(&s->refs, 1, __ATOMIC_SEQ_CST);
    if (!left) br_lib.MAPIFreeBuffer(s);
    return (uint32_t)left;
}
static uint32_t WINAPI cbs_OnNotify(struct cb_sink *s, uint32_t n, void *notifs)
{
    if (s->cb) s->cb(s->ctx, n, notifs);
    return 0;
}
static const void *const cbs_vtbl[] = {(const void *)cbs_QueryInterface, (const void *)cbs_AddRef,
                                       (const void *)cbs_Release, (const void *)cbs_OnNotify};

int32_t WINAPI HrAllocAdviseSink(void *cb, void *ctx, void **out)
{
    struct cb_sink *s = NULL;
    if (!br_ensure_lib()) return BR_E_CALL_FAILED;
    if (!out) return BR_E_INVALIDARG;
    if (br_lib.MAPIAllocateBuffer(sizeof *s, (void **)&s) || !s) return BR_E_NOT_ENOUGH_MEMORY;
    s->vtbl = cbs_vtbl;
    s->cb = (notif_cb_t)cb;
    s->ctx = ctx;
    s->refs = 1;
    *out = s;
    return 0;
}

/* Sinks given to us are always called on the bridge's own Wine thread. */
int32_t WINAPI HrThisThreadAdviseSink(void *sink, void **out)
{
    if (!sink || !out) return BR_E_INVALIDARG;
    ((uint32_t (WINAPI *)(void *))(*(void *const *const *)sink)[1])(sink);
    *out = sink;
    return 0;
}

/* ---- mapi32 names outside the table ---------------------------------------------- */

int32_t WINAPI ScInitMapiUtil(uint32_t flags) { (void)flags; return 0; }
void WINAPI DeinitMapiUtil(void) {}

void WINAPI HexFromBin(uint8_t *pb, int cb, char *sz)
{
    static const char hex[] = "0123456789ABCDEF";
    int i;
    if (!sz) return;
    for (i = 0; pb && i < cb; i++) {
        *sz++ = hex[pb[i] >> 4];
        *sz++ = hex[pb[i] & 15];
    }
    *sz = 0;
}

static int nib(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

BOOL WINAPI FBinFromHex(char *sz, uint8_t *pb)
{
    if (!sz || !pb) return FALSE;
    while (sz[0]) {
        int h = nib(sz[0]), l = sz[1] ? nib(sz[1]) : -1;
        if (h < 0 || l < 0) return FALSE;
        *pb++ = (uint8_t)(h << 4 | l);
        sz += 2;
    }
    return TRUE;
}

int32_t WINAPI WrapCompressedRTFStream(void *in, uint32_t flags, void **out)
{
    (void)in; (void)flags;
    if (out) *out = NULL;
    return BR_E_NO_SUPPORT;
}

int32_t WINAPI MAPIOpenLocalFormContainer(void **out)
{
    if (out) *out = NULL;
    return BR_E_NO_SUPPORT;
}

BOOL WINAPI FGetComponentPath(const char *component, const char *qualifier, char *path, DWORD cb, BOOL install)
{
    (void)component; (void)qualifier; (void)install;
    if (path && cb) path[0] = 0;
    return FALSE;
}

HRESULT WINAPI DllCanUnloadNow(void) { return S_FALSE; }

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID iid, void **out)
{
    (void)clsid; (void)iid;
    if (out) *out = NULL;
    return CLASS_E_CLASSNOTAVAILABLE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, void *reserved)
{
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) DisableThreadLibraryCalls(inst);
    return TRUE;
}
