/* Validators and the MNLS string helpers, on the client's own (Windows, 64-bit) layouts.
 * The FBad* validators answer FALSE for good input and TRUE for the obviously bad (NULL
 * where data is needed, counts without arrays, unknown property types); the MNLS_*
 * helpers are Wine's kernel32 (UTF-16) under their mapi32 names. */
#include "bridge.h"

static int bad_type(uint32_t tag)
{
    uint32_t t = tag & 0xFFFF & ~0x2000u;       /* MV_INSTANCE */
    uint32_t base = t & ~0x1000u;
    switch (base) {
    case 0x00: case 0x01: case 0x0D: case 0x0A: case 0x0B:
        return t & 0x1000;                     /* no multi-valued unspecified/null/object/error/boolean */
    case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07: case 0x14: case 0x40:
    case 0x1E: case 0x1F: case 0x48: case 0x102:
        return 0;
    case 0xFB: case 0xFD: case 0xFE:           /* PT_SVREID, PT_SRESTRICTION, PT_ACTIONS */
        return t & 0x1000;
    }
    return 1;
}

uint32_t WINAPI FBadPropTag(uint32_t tag) { return bad_type(tag); }

/* A 24-byte SPropValue: tag at 0, value at 8. */
uint32_t WINAPI FBadProp(void *prop)
{
    const uint8_t *p = prop;
    uint32_t tag, t, n;
    const void *v;
    if (!p) return 1;
    tag = *(const uint32_t *)p;
    if (bad_type(tag)) return 1;
    t = tag & 0xFFFF & ~0x2000u;
    v = *(void *const *)(p + 8);
    switch (t) {
    case 0x1E: case 0x1F: case 0x48: return v == NULL;
    case 0x102: return *(const uint32_t *)(p + 8) && !*(void *const *)(p + 16);
    }
    if (t & 0x1000) {
        n = *(const uint32_t *)(p + 8);
        v = *(void *const *)(p + 16);
        if (n && !v) return 1;
        if (t == 0x101E || t == 0x101F) {
            uint32_t i;
            for (i = 0; i < n; i++)
                if (!((void *const *)v)[i]) return 1;
        }
    }
    return 0;
}

uint32_t WINAPI FBadColumnSet(void *cols)
{
    const uint32_t *a = cols;
    uint32_t i;
    if (!a) return 1;
    for (i = 0; i < a[0]; i++)
        if ((a[1 + i] & 0xFFFF) == 0x0A || bad_type(a[1 + i])) return 1;
    return 0;
}

/* SBinaryArray: cValues at 0, lpbin at 8; SBinary: cb at 0, lpb at 8. */
int WINAPI FBadEntryList(void *list)
{
    const uint8_t *l = list, *bins;
    uint32_t n, i;
    if (!l) return 1;
    n = *(const uint32_t *)l;
    bins = *(const uint8_t *const *)(l + 8);
    if (n && !bins) return 1;
    for (i = 0; i < n; i++)
        if (*(const uint32_t *)(bins + 16 * i) && !*(void *const *)(bins + 16 * i + 8)) return 1;
    return 0;
}

/* SRestriction: rt at 0; RES_AND .. RES_ANNOTATION are 0 .. 10. */
uint32_t WINAPI FBadRestriction(void *res) { return !res || *(const uint32_t *)res > 10; }

/* MAPINAMEID: lpguid at 0, ulKind at 8, lID / lpwstrName at 16. */
int WINAPI FBadRglpNameID(void **names, uint32_t n)
{
    uint32_t i;
    if (!names) return n != 0;
    for (i = 0; i < n; i++) {
        const uint8_t *m = names[i];
        uint32_t kind;
        if (!m || !*(void *const *)m) return 1;
        kind = *(const uint32_t *)(m + 8);
        if (kind > 1 || (kind == 1 && !*(void *const *)(m + 16))) return 1;
    }
    return 0;
}

int WINAPI FBadRglpszW(void **strs, uint32_t n)
{
    uint32_t i;
    if (!strs) return n != 0;
    for (i = 0; i < n; i++)
        if (!strs[i]) return 1;
    return 0;
}

/* SRow: pad at 0, cValues at 4, lpProps at 8 (16 bytes). */
uint32_t WINAPI FBadRow(void *row)
{
    const uint8_t *r = row, *props;
    uint32_t n, i;
    if (!r) return 1;
    n = *(const uint32_t *)(r + 4);
    props = *(const uint8_t *const *)(r + 8);
    if (n && !props) return 1;
    for (i = 0; i < n; i++)
        if (FBadProp((void *)(props + 24 * i))) return 1;
    return 0;
}

/* SRowSet: cRows at 0, aRow at 8. */
int WINAPI FBadRowSet(void *rows)
{
    uint8_t *r = rows;
    uint32_t i;
    if (!r) return 1;
    for (i = 0; i < *(const uint32_t *)r; i++)
        if (FBadRow(r + 8 + 16 * i)) return 1;
    return 0;
}

/* SSortOrderSet: cSorts, cCategories, cExpanded, then (tag, order) pairs. */
uint32_t WINAPI FBadSortOrderSet(void *sos)
{
    const uint32_t *s = sos;
    uint32_t i;
    if (!s || s[1] > s[0] || s[2] > s[1]) return 1;
    for (i = 0; i < s[0]; i++)
        if (bad_type(s[3 + 2 * i]) || s[4 + 2 * i] & ~0xFu) return 1;
    return 0;
}

int WINAPI IsBadBoundedStringPtr(const void *s, uint32_t max)
{
    return !s || !memchr(s, 0, max);
}

/* Parameter validation of provider methods: the bridge's objects validate their own. */
int32_t WINAPI __ValidateParameters(uint32_t method, void *args) { return 0; }
int32_t WINAPI __CPPValidateParameters(uint32_t method, void *args) { return 0; }

int WINAPI MNLS_CompareStringW(LCID lcid, DWORD fl, LPCWSTR a, int na, LPCWSTR b, int nb)
{
    return CompareStringW(lcid, fl, a, na, b, nb);
}
int WINAPI MNLS_MultiByteToWideChar(UINT cp, DWORD fl, LPCSTR s, int n, LPWSTR w, int nw)
{
    return MultiByteToWideChar(cp, fl, s, n, w, nw);
}
int WINAPI MNLS_WideCharToMultiByte(UINT cp, DWORD fl, LPCWSTR w, int nw, LPSTR s, int n, LPCSTR def, BOOL *used)
{
    return WideCharToMultiByte(cp, fl, w, nw, s, n, def, used);
}
int WINAPI MNLS_lstrlenW(LPCWSTR s) { return s ? lstrlenW(s) : 0; }
int WINAPI MNLS_lstrcmpW(LPCWSTR a, LPCWSTR b) { return lstrcmpW(a, b); }
LPWSTR WINAPI MNLS_lstrcpyW(LPWSTR d, LPCWSTR s) { return d && s ? lstrcpyW(d, s) : NULL; }
BOOL WINAPI MNLS_IsBadStringPtrW(LPCWSTR s, UINT max)
{
    UINT i;
    if (!s) return TRUE;
    for (i = 0; i < max; i++)
        if (!s[i]) return FALSE;
    return TRUE;
}
