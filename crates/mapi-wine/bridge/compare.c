/* Comparisons on the client's values: FPropCompareProp (a relational operator over
 * LPropCompareProp, which compares in libmapi), FPropContainsProp (full string,
 * substring or prefix, optionally ignoring case, on PT_STRING8 / PT_UNICODE / PT_BINARY
 * in their Windows form) and FEqualNames (two MAPINAMEIDs). */
#include "bridge.h"

int32_t WINAPI LPropCompareProp(void *a, void *b);

enum { RELOP_LT, RELOP_LE, RELOP_GT, RELOP_GE, RELOP_EQ, RELOP_NE, RELOP_RE };

int WINAPI FPropCompareProp(void *a, uint32_t relop, void *b)
{
    int32_t c;
    if (!a || !b || (*(const uint32_t *)a & 0xFFFF) != (*(const uint32_t *)b & 0xFFFF)) return 0;
    if (relop > RELOP_NE) return 0;                /* regular expressions: not supported */
    c = LPropCompareProp(a, b);
    switch (relop) {
    case RELOP_LT: return c < 0;
    case RELOP_LE: return c <= 0;
    case RELOP_GT: return c > 0;
    case RELOP_GE: return c >= 0;
    case RELOP_EQ: return c == 0;
    default: return c != 0;
    }
}

#define FL_SUBSTRING 1u
#define FL_PREFIX 2u
#define FL_IGNORECASE 0x10000u

/* One unit, lower-cased when asked (8-bit: ASCII; UTF-16: Wine's CharLowerW). */
static uint32_t fold(uint32_t c, int nocase, int w)
{
    if (!nocase) return c;
    if (w == 1) return c >= 'A' && c <= 'Z' ? c + 32 : c;
    return (uint32_t)(uintptr_t)CharLowerW((LPWSTR)(uintptr_t)c) & 0xFFFF;
}

/* Units of width `w` (1, 2) at `hay` of `nh` units: does `needle` of `nn` match? */
static int contains(const uint8_t *hay, size_t nh, const uint8_t *needle, size_t nn, int w, uint32_t level)
{
    int nocase = (level & FL_IGNORECASE) != 0;
    size_t start, last, i;
    switch (level & 0xFFFF) {
    case 0: if (nh != nn) return 0; last = 0; break;
    case FL_PREFIX: if (nh < nn) return 0; last = 0; break;
    case FL_SUBSTRING: if (nh < nn) return 0; last = nh - nn; break;
    default: return 0;
    }
    for (start = 0; start <= last; start++) {
        for (i = 0; i < nn; i++) {
            uint32_t x = w == 2 ? ((const uint16_t *)hay)[start + i] : hay[start + i];
            uint32_t y = w == 2 ? ((const uint16_t *)needle)[i] : needle[i];
            if (fold(x, nocase, w) != fold(y, nocase, w)) break;
        }
        if (i == nn) return 1;
    }
    return 0;
}

static size_t wlen(const uint16_t *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

int WINAPI FPropContainsProp(void *dst, void *src, uint32_t level)
{
    const uint8_t *d = dst, *s = src;
    uint32_t t;
    if (!d || !s) return 0;
    t = *(const uint32_t *)d & 0xFFFF;
    if (t != (*(const uint32_t *)s & 0xFFFF)) return 0;
    switch (t) {
    case 0x1E: {
        const char *h = *(const char *const *)(d + 8), *n = *(const char *const *)(s + 8);
        return h && n && contains((const uint8_t *)h, strlen(h), (const uint8_t *)n, strlen(n), 1, level);
    }
    case 0x1F: {
        const uint16_t *h = *(const uint16_t *const *)(d + 8), *n = *(const uint16_t *const *)(s + 8);
        return h && n && contains((const uint8_t *)h, wlen(h), (const uint8_t *)n, wlen(n), 2, level);
    }
    case 0x102: {
        const uint8_t *h = *(const uint8_t *const *)(d + 16), *n = *(const uint8_t *const *)(s + 16);
        uint32_t nh = *(const uint32_t *)(d + 8), nn = *(const uint32_t *)(s + 8);
        if ((nh && !h) || (nn && !n)) return 0;
        return contains(h, nh, n, nn, 1, level & ~FL_IGNORECASE);
    }
    }
    return 0;
}

/* MAPINAMEID: lpguid at 0, ulKind at 8 (MNID_ID 0, MNID_STRING 1), lID / lpwstrName at 16. */
int WINAPI FEqualNames(void *a, void *b)
{
    const uint8_t *x = a, *y = b;
    const void *gx, *gy;
    uint32_t kind;
    if (!x || !y) return 0;
    gx = *(void *const *)x;
    gy = *(void *const *)y;
    if (!gx != !gy || (gx && memcmp(gx, gy, 16))) return 0;
    kind = *(const uint32_t *)(x + 8);
    if (kind != *(const uint32_t *)(y + 8)) return 0;
    if (kind == 0) return *(const int32_t *)(x + 16) == *(const int32_t *)(y + 16);
    if (kind == 1) {
        const uint16_t *sx = *(const uint16_t *const *)(x + 16), *sy = *(const uint16_t *const *)(y + 16);
        size_t n;
        if (!sx || !sy) return sx == sy;
        n = wlen(sx);
        return n == wlen(sy) && !memcmp(sx, sy, 2 * n);
    }
    return 0;
}
