/* mapiutil helpers that work on the client's own data (no libmapi call): ScDupPropset,
 * LpValFindProp, UlAddRef / UlRelease, the FILETIME arithmetic (FtAddFt, FtSubFt,
 * FtNegFt, FtMulDw, FtMulDwDw; a FILETIME travels as one 64-bit value in the ms_abi)
 * and FtAdcFt, the 8-bit string helpers SzFindCh, SzFindLastCh, SzFindSz, UFromSz,
 * UlFromSzHex, ScBinFromHexBounded, MapStorageSCode and the UNC path helpers. */
#include "bridge.h"

typedef int32_t (WINAPI *allocbuf_t)(uint32_t, void **);
typedef uint32_t (WINAPI *unk_ref_t)(void *);

int32_t WINAPI ScCountProps(int n, void *props, uint32_t *cb);
int32_t WINAPI ScCopyProps(int n, void *props, void *dst, uint32_t *cb);

int32_t WINAPI ScDupPropset(int n, void *props, void *alloc, void **out)
{
    uint32_t cb = 0;
    void *d = NULL;
    int32_t hr;
    if (!alloc || !out) return BR_E_INVALIDARG;
    *out = NULL;
    if ((hr = ScCountProps(n, props, &cb)) < 0) return hr;
    if ((hr = ((allocbuf_t)alloc)(cb, &d)) < 0) return hr;
    if (!d) return BR_E_NOT_ENOUGH_MEMORY;
    if ((hr = ScCopyProps(n, props, d, NULL)) < 0) return hr;    /* cannot fail after the count */
    *out = d;
    return 0;
}

void *WINAPI LpValFindProp(uint32_t tag, uint32_t n, void *props)
{
    uint8_t *p = props;
    uint32_t i;
    if (!p) return NULL;
    for (i = 0; i < n; i++)
        if (*(uint32_t *)(p + 24 * i) >> 16 == tag >> 16) return p + 24 * i;
    return NULL;
}

uint32_t WINAPI UlAddRef(void *unk)
{
    return unk ? ((unk_ref_t)(*(void *const *const *)unk)[1])(unk) : 0;
}

uint32_t WINAPI UlRelease(void *unk)
{
    return unk ? ((unk_ref_t)(*(void *const *const *)unk)[2])(unk) : 0;
}

uint64_t WINAPI FtAddFt(uint64_t a, uint64_t b) { return a + b; }
uint64_t WINAPI FtSubFt(uint64_t a, uint64_t b) { return a - b; }
uint64_t WINAPI FtNegFt(uint64_t a) { return (uint64_t)0 - a; }
uint64_t WINAPI FtMulDw(uint32_t m, uint64_t a) { return a * m; }
uint64_t WINAPI FtMulDwDw(uint32_t a, uint32_t b) { return (uint64_t)a * b; }

char *WINAPI SzFindCh(const char *s, uint16_t c) { return s ? strchr(s, (char)c) : NULL; }
char *WINAPI SzFindLastCh(const char *s, uint16_t c) { return s ? strrchr(s, (char)c) : NULL; }
char *WINAPI SzFindSz(const char *s, const char *sub) { return s && sub ? strstr(s, sub) : NULL; }

uint32_t WINAPI UFromSz(const char *s)
{
    uint32_t v = 0;
    while (s && *s >= '0' && *s <= '9') v = v * 10 + (uint32_t)(*s++ - '0');
    return v;
}

uint32_t WINAPI UlFromSzHex(const char *s)
{
    uint32_t v = 0;
    for (; s && *s; s++) {
        char c = *s;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) break;
        v = v << 4 | (uint32_t)d;
    }
    return v;
}

/* FtAdcFt: a + b + the carry in (*carry, if given); *carry gets the carry out. */
uint64_t WINAPI FtAdcFt(uint64_t a, uint64_t b, uint16_t *carry)
{
    uint64_t in = carry && *carry ? 1 : 0, r = a + b + in;
    if (carry) *carry = (uint16_t)(r < a || (in && r == a));
    return r;
}

/* MapStorageSCode: an OLE storage error as the MAPI error a client expects. */
int32_t WINAPI MapStorageSCode(int32_t sc)
{
    if (sc >= 0) return sc;
    switch ((uint32_t)sc) {
    case 0x80030002: case 0x80030003: case 0x80030012: return (int32_t)0x8004010F; /* MAPI_E_NOT_FOUND */
    case 0x80030005: case 0x80030013: case 0x80030020: case 0x80030021: return (int32_t)0x80070005; /* MAPI_E_NO_ACCESS */
    case 0x80030008: return BR_E_NOT_ENOUGH_MEMORY;
    case 0x80030009: case 0x80030057: case 0x800300FC: return BR_E_INVALIDARG;
    case 0x80030070: return (int32_t)0x8004010D;                       /* MAPI_E_NOT_ENOUGH_DISK */
    case 0x80030050: return (int32_t)0x80040604;                       /* MAPI_E_COLLISION */
    case 0x80030001: return BR_E_NO_SUPPORT;
    }
    return BR_E_CALL_FAILED;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* ScBinFromHexBounded: hex digit pairs into at most cb bytes. */
int32_t WINAPI ScBinFromHexBounded(const char *s, uint8_t *pb, uint32_t cb)
{
    uint32_t i;
    if (!s || !pb) return BR_E_INVALIDARG;
    for (i = 0; s[0]; i++, s += 2) {
        int h = hexval(s[0]), l = s[1] ? hexval(s[1]) : -1;
        if (h < 0 || l < 0 || i >= cb) return BR_E_INVALIDARG;
        pb[i] = (uint8_t)(h << 4 | l);
    }
    return 0;
}

/* No network shares are mapped here: a UNC name has no local path, and a local path is
 * its own "UNC" name (copied, MAPI_E_TOO_BIG when it does not fit). */
int32_t WINAPI ScLocalPathFromUNC(const char *unc, char *local, uint32_t cch)
{
    if (!unc || !local) return BR_E_INVALIDARG;
    if (cch) local[0] = 0;
    return (int32_t)0x8004010F;
}

int32_t WINAPI ScUNCFromLocalPath(const char *local, char *unc, uint32_t cch)
{
    size_t n;
    if (!local || !unc) return BR_E_INVALIDARG;
    n = strlen(local);
    if (n >= cch) {
        if (cch) unc[0] = 0;
        return (int32_t)0x80040305;
    }
    memcpy(unc, local, n + 1);
    return 0;
}
