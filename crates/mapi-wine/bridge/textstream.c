/* IStream over a string property (OpenProperty on a PT_UNICODE or PT_STRING8 tag): the
 * client reads and writes UTF-16 (PT_UNICODE) or the ANSI code page (PT_STRING8), while
 * libmapi's stream holds the text as UTF-8 (PT_STRING8) or UTF-32 (PT_UNICODE), told apart
 * by its NUL bytes (text has none in UTF-8; an empty PT_UNICODE stream is taken as UTF-32). The text is converted whole when the stream is opened and, when the
 * client wrote, again on Commit; reads, writes, seeks and Stat work on that copy. */
#include "bridge.h"


typedef int32_t (*in_rw_t)(void *, void *, uint32_t, uint32_t *);
typedef int32_t (*in_seek_t)(void *, int64_t, uint32_t, uint64_t *);
typedef int32_t (*in_size_t)(void *, uint64_t);
typedef int32_t (*in_commit_t)(void *, uint32_t);
typedef uint32_t (*in_ref_t)(void *);
typedef int32_t (WINAPI *ms_write_t)(void *, const void *, uint32_t, uint32_t *);

struct tstream {
    const void *const *vtbl;
    volatile int refs;
    void *inner;
    int wide;       /* client side UTF-16, else the ANSI code page */
    int utf32;      /* libmapi's side UTF-32, else UTF-8 */
    int dirty;
    uint8_t *buf;
    size_t len, cap, pos;
};

#define INNER(t) (*(void *const *const *)(t)->inner)

static int grow(struct tstream *t, size_t need)
{
    uint8_t *b;
    size_t cap = t->cap ? t->cap : 256;
    if (need <= t->cap) return 1;
    while (cap < need) cap *= 2;
    if (!(b = realloc(t->buf, cap))) return 0;
    memset(b + t->cap, 0, cap - t->cap);
    t->buf = b;
    t->cap = cap;
    return 1;
}

/* libmapi's bytes as UTF-16 (malloc'd, *n16 units). */
static WCHAR *inner_to_utf16(const uint8_t *b, size_t n, int *utf32, size_t *n16)
{
    WCHAR *w;
    size_t i, k = 0;
    *utf32 = n % 4 == 0 && memchr(b, 0, n) != NULL;
    if (*utf32) {
        if (!(w = malloc((n / 2 + 1) * sizeof(WCHAR)))) return NULL;
        for (i = 0; i + 4 <= n; i += 4) {
            uint32_t c = b[i] | b[i + 1] << 8 | b[i + 2] << 16 | (uint32_t)b[i + 3] << 24;
            if (c == 0) break;
            if (c > 0x10FFFF || (c >= 0xD800 && c < 0xE000)) c = 0xFFFD;
            if (c >= 0x10000) {
                w[k++] = (WCHAR)(0xD800 + ((c - 0x10000) >> 10));
                w[k++] = (WCHAR)(0xDC00 + ((c - 0x10000) & 0x3FF));
            } else {
                w[k++] = (WCHAR)c;
            }
        }
    } else {
        int m = n ? MultiByteToWideChar(CP_UTF8, 0, (const char *)b, (int)n, NULL, 0) : 0;
        if (n && m <= 0) return NULL;
        if (!(w = malloc(((size_t)m + 1) * sizeof(WCHAR)))) return NULL;
        if (m) MultiByteToWideChar(CP_UTF8, 0, (const char *)b, (int)n, w, m);
        k = (size_t)m;
    }
    *n16 = k;
    return w;
}

/* UTF-16 as libmapi's bytes (malloc'd). */
static uint8_t *utf16_to_inner(const WCHAR *w, size_t n16, int utf32, size_t *n)
{
    uint8_t *b;
    size_t i, k = 0;
    if (utf32) {
        if (!(b = malloc(n16 * 4 + 1))) return NULL;
        for (i = 0; i < n16; i++) {
            uint32_t c = w[i];
            if (c >= 0xD800 && c < 0xDC00 && i + 1 < n16 && w[i + 1] >= 0xDC00 && w[i + 1] < 0xE000)
                c = 0x10000 + ((c - 0xD800) << 10) + (w[++i] - 0xDC00);
            else if (c >= 0xD800 && c < 0xE000)
                c = 0xFFFD;
            b[k++] = c & 0xFF;
            b[k++] = c >> 8 & 0xFF;
            b[k++] = c >> 16 & 0xFF;
            b[k++] = c >> 24 & 0xFF;
        }
    } else {
        int m = n16 ? WideCharToMultiByte(CP_UTF8, 0, w, (int)n16, NULL, 0, NULL, NULL) : 0;
        if (n16 && m <= 0) return NULL;
        if (!(b = malloc((size_t)m + 1))) return NULL;
        if (m) WideCharToMultiByte(CP_UTF8, 0, w, (int)n16, (char *)b, m, NULL, NULL);
        k = (size_t)m;
    }
    *n = k;
    return b;
}

static int load(struct tstream *t)
{
    uint8_t *raw = NULL, piece[16384];
    size_t n = 0, n16 = 0;
    uint32_t got;
    WCHAR *w;
    for (;;) {
        uint8_t *r;
        got = 0;
        if (((in_rw_t)INNER(t)[3])(t->inner, piece, sizeof piece, &got) < 0 || got == 0) break;
        if (!(r = realloc(raw, n + got))) { free(raw); return 0; }
        raw = r;
        memcpy(raw + n, piece, got);
        n += got;
    }
    w = inner_to_utf16(raw, n, &t->utf32, &n16);
    free(raw);
    if (!w) return 0;
    /* Empty text has no NUL to tell by: libmapi's PT_UNICODE streams are UTF-32. */
    if (n == 0) t->utf32 = t->wide;
    if (t->wide) {
        if (!grow(t, n16 * 2 + 1)) { free(w); return 0; }
        memcpy(t->buf, w, n16 * 2);
        t->len = n16 * 2;
    } else {
        int m = n16 ? WideCharToMultiByte(CP_ACP, 0, w, (int)n16, NULL, 0, NULL, NULL) : 0;
        if (m < 0 || !grow(t, (size_t)m + 1)) { free(w); return 0; }
        if (m) WideCharToMultiByte(CP_ACP, 0, w, (int)n16, (char *)t->buf, m, NULL, NULL);
        t->len = (size_t)m;
    }
    free(w);
    return 1;
}

static int32_t store_back(struct tstream *t)
{
    WCHAR *w;
    uint8_t *b;
    size_t n16, n;
    uint32_t wrote = 0;
    uint64_t at = 0;
    int32_t hr;
    if (t->wide) {
        n16 = t->len / 2;
        if (!(w = malloc(n16 * 2 + 2))) return BR_E_NOT_ENOUGH_MEMORY;
        memcpy(w, t->buf, n16 * 2);
    } else {
        int m = t->len ? MultiByteToWideChar(CP_ACP, 0, (const char *)t->buf, (int)t->len, NULL, 0) : 0;
        if (m < 0 || !(w = malloc(((size_t)m + 1) * sizeof(WCHAR)))) return BR_E_NOT_ENOUGH_MEMORY;
        if (m) MultiByteToWideChar(CP_ACP, 0, (const char *)t->buf, (int)t->len, w, m);
        n16 = (size_t)m;
    }
    b = utf16_to_inner(w, n16, t->utf32, &n);
    free(w);
    if (!b) return BR_E_NOT_ENOUGH_MEMORY;
    hr = ((in_seek_t)INNER(t)[5])(t->inner, 0, 0, &at);
    if (hr >= 0) hr = ((in_size_t)INNER(t)[6])(t->inner, 0);
    if (hr >= 0 && n) hr = ((in_rw_t)INNER(t)[4])(t->inner, b, (uint32_t)n, &wrote);
    free(b);
    if (hr >= 0) t->dirty = 0;
    return hr;
}

static int32_t WINAPI ts_QueryInterface(struct tstream *t, const GUID *riid, void **ppv)
{
    static const GUID unk = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
    static const GUID seq = {0x0c733a30, 0x2a1c, 0x11ce, {0xad, 0xe5, 0x00, 0xaa, 0x00, 0x44, 0x77, 0x3d}};
    if (!ppv || !riid) return BR_E_INVALIDARG;
    if (!memcmp(riid, &unk, sizeof unk) || !memcmp(riid, &seq, sizeof seq) ||
        !memcmp(riid, &br_iface_IStream.iid, sizeof(GUID))) {
        __atomic_add_fetch(&t->refs, 1, __ATOMIC_SEQ_CST);
        *ppv = t;
        return 0;
    }
    *ppv = NULL;
    return BR_E_NOINTERFACE;
}

static uint32_t WINAPI ts_AddRef(struct tstream *t)
{
    return (uint32_t)__atomic_add_fetch(&t->refs, 1, __ATOMIC_SEQ_CST);
}

static uint32_t WINAPI ts_Release(struct tstream *t)
{
    int left = __atomic_sub_fetch(&t->refs, 1, __ATOMIC_SEQ_CST);
    if (left == 0) {
        ((in_ref_t)INNER(t)[2])(t->inner);
        free(t->buf);
        free(t);
    }
    return (uint32_t)(left < 0 ? 0 : left);
}

static int32_t WINAPI ts_Read(struct tstream *t, void *pv, uint32_t cb, uint32_t *got)
{
    size_t n = t->pos < t->len ? t->len - t->pos : 0;
    if (!pv && cb) return BR_E_INVALIDARG;
    if (n > cb) n = cb;
    if (n) memcpy(pv, t->buf + t->pos, n);
    t->pos += n;
    if (got) *got = (uint32_t)n;
    return 0;
}

static int32_t WINAPI ts_Write(struct tstream *t, const void *pv, uint32_t cb, uint32_t *wrote)
{
    if (!pv && cb) return BR_E_INVALIDARG;
    if (!grow(t, t->pos + cb + 1)) return BR_E_NOT_ENOUGH_MEMORY;
    if (cb) memcpy(t->buf + t->pos, pv, cb);
    t->pos += cb;
    if (t->pos > t->len) t->len = t->pos;
    t->dirty = 1;
    if (wrote) *wrote = cb;
    return 0;
}

static int32_t WINAPI ts_Seek(struct tstream *t, int64_t move, uint32_t origin, uint64_t *at)
{
    int64_t base = origin == 0 ? 0 : origin == 1 ? (int64_t)t->pos : origin == 2 ? (int64_t)t->len : -1;
    if (base < 0 || base + move < 0) return STG_E_INVALIDFUNCTION;
    t->pos = (size_t)(base + move);
    if (at) *at = t->pos;
    return 0;
}

static int32_t WINAPI ts_SetSize(struct tstream *t, uint64_t size)
{
    if (size > ((uint64_t)1 << 31) || !grow(t, (size_t)size + 1)) return BR_E_NOT_ENOUGH_MEMORY;
    if (size < t->len) memset(t->buf + size, 0, t->len - (size_t)size);
    t->len = (size_t)size;
    t->dirty = 1;
    return 0;
}

static int32_t WINAPI ts_CopyTo(struct tstream *t, void *to, uint64_t cb, uint64_t *read, uint64_t *written)
{
    size_t n = t->pos < t->len ? t->len - t->pos : 0;
    uint32_t w = 0;
    int32_t hr = 0;
    if (!to) return BR_E_INVALIDARG;
    if (n > cb) n = (size_t)cb;
    if (n) hr = ((ms_write_t)(*(void *const *const *)to)[4])(to, t->buf + t->pos, (uint32_t)n, &w);
    t->pos += n;
    if (read) *read = n;
    if (written) *written = w;
    return hr;
}

static int32_t WINAPI ts_Commit(struct tstream *t, uint32_t flags)
{
    int32_t hr = t->dirty ? store_back(t) : 0;
    return hr < 0 ? hr : ((in_commit_t)INNER(t)[8])(t->inner, flags);
}

static int32_t WINAPI ts_NoSupport(struct tstream *t)
{
    (void)t;
    return BR_E_NO_SUPPORT;
}

static int32_t WINAPI ts_Region(struct tstream *t, uint64_t off, uint64_t cb, uint32_t type)
{
    (void)t, (void)off, (void)cb, (void)type;
    return BR_E_NO_SUPPORT;
}

static int32_t WINAPI ts_Stat(struct tstream *t, void *stat, uint32_t flag)
{
    uint8_t *s = stat;
    (void)flag;
    if (!s) return BR_E_INVALIDARG;
    memset(s, 0, 80);                            /* pwcsName NULL: no name is given */
    *(uint32_t *)(s + 8) = 2;                    /* STGTY_STREAM */
    *(uint64_t *)(s + 16) = t->len;
    *(uint32_t *)(s + 48) = 0x12;                /* STGM_READWRITE | STGM_SHARE_EXCLUSIVE */
    return 0;
}

static int32_t WINAPI ts_Clone(struct tstream *t, void **pp)
{
    (void)t;
    if (pp) *pp = NULL;
    return BR_E_NO_SUPPORT;
}

static const void *const ts_vtbl[] = {
    (const void *)ts_QueryInterface, (const void *)ts_AddRef, (const void *)ts_Release,
    (const void *)ts_Read, (const void *)ts_Write, (const void *)ts_Seek,
    (const void *)ts_SetSize, (const void *)ts_CopyTo, (const void *)ts_Commit,
    (const void *)ts_NoSupport, (const void *)ts_Region, (const void *)ts_Region,
    (const void *)ts_Stat, (const void *)ts_Clone,
};

/* OpenProperty's out-object: a converting stream for string properties opened as
 * IStream, else the usual wrapper. On failure the out-pointer is NULL and libmapi's
 * stream released. */
void br_prop_unknown_out(void *pp, const void *iid, uint32_t tag)
{
    void **p = pp;
    struct tstream *t;
    uint16_t type = tag & 0xFFFF;
    if (!p || !*p || !iid || memcmp(iid, &br_iface_IStream.iid, sizeof(GUID)) || (type != 0x1F && type != 0x1E)) {
        br_wrap_unknown_out(pp, iid, NULL);
        return;
    }
    if (!(t = calloc(1, sizeof *t))) {
        ((in_ref_t)(*(void *const *const *)*p)[2])(*p);
        *p = NULL;
        return;
    }
    t->vtbl = ts_vtbl;
    t->refs = 1;
    t->inner = *p;
    t->wide = type == 0x1F;
    if (!load(t)) {
        ts_Release(t);
        *p = NULL;
        return;
    }
    *p = t;
}
