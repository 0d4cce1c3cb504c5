/* ScCountProps, ScCopyProps and PropCopyMore on the client's own (Windows) layout: a
 * 24-byte SPropValue (tag, pad, 16-byte value), UTF-16 PT_UNICODE strings, and every
 * piece of data beyond the array rounded up to 8 bytes, as Windows MAPI lays it out.
 * Nothing crosses to libmapi: the values are the client's and stay in its form. */
#include "bridge.h"

#define SPV 24
#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

typedef int32_t (WINAPI *allocmore_t)(uint32_t, void *, void **);

static size_t wbytes(const uint16_t *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return (n + 1) * 2;
}

/* Bytes a value needs beyond its SPropValue, or -1 for a type MAPI does not know. */
static int64_t extra(const uint8_t *p)
{
    uint32_t t = *(const uint32_t *)p & 0xFFFF, n, i;
    const void *v = *(void *const *)(p + 8);
    int64_t size = 0;
    switch (t) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
    case 0x0A: case 0x0B: case 0x0D: case 0x14: case 0x40:
        return 0;
    case 0x1E: return v ? (int64_t)ALIGN8(strlen(v) + 1) : 0;
    case 0x1F: return v ? (int64_t)ALIGN8(wbytes(v)) : 0;
    case 0x48: return v ? 16 : 0;
    case 0x102:
        if (*(const uint32_t *)(p + 8) && !*(void *const *)(p + 16)) return -1;
        return ALIGN8(*(const uint32_t *)(p + 8));
    }
    n = *(const uint32_t *)(p + 8);
    v = *(void *const *)(p + 16);
    if (n && !v) return -1;
    switch (t) {
    case 0x1002: return ALIGN8((size_t)2 * n);
    case 0x1003: case 0x1004: return ALIGN8((size_t)4 * n);
    case 0x1005: case 0x1006: case 0x1007: case 0x1014: case 0x1040: return (int64_t)8 * n;
    case 0x1048: return (int64_t)16 * n;
    case 0x101E: case 0x101F:
        size = ALIGN8((size_t)8 * n);
        for (i = 0; i < n; i++) {
            const void *s = ((void *const *)v)[i];
            if (s) size += (int64_t)ALIGN8(t == 0x101E ? strlen(s) + 1 : wbytes(s));
        }
        return size;
    case 0x1102:
        size = (int64_t)16 * n;
        for (i = 0; i < n; i++) {
            const uint8_t *b = (const uint8_t *)v + 16 * i;
            if (*(const uint32_t *)b && !*(void *const *)(b + 8)) return -1;
            size += (int64_t)ALIGN8(*(const uint32_t *)b);
        }
        return size;
    }
    return -1;
}

static uint8_t *take(uint8_t **heap, const void *src, size_t n)
{
    uint8_t *d = *heap;
    if (n) memcpy(d, src, n);
    *heap += ALIGN8(n);
    return d;
}

/* Copies one value to `dst`, its data taken from `*heap` (sized by extra()). */
static void copy_one(uint8_t *dst, const uint8_t *src, uint8_t **heap)
{
    uint32_t t = *(const uint32_t *)src & 0xFFFF, n, i;
    const void *v = *(void *const *)(src + 8);
    memcpy(dst, src, SPV);
    switch (t) {
    case 0x1E: if (v) *(void **)(dst + 8) = take(heap, v, strlen(v) + 1); return;
    case 0x1F: if (v) *(void **)(dst + 8) = take(heap, v, wbytes(v)); return;
    case 0x48: if (v) *(void **)(dst + 8) = take(heap, v, 16); return;
    case 0x102:
        *(void **)(dst + 16) = take(heap, *(void *const *)(src + 16), *(const uint32_t *)(src + 8));
        return;
    }
    if (!(t & 0x1000)) return;
    n = *(const uint32_t *)(src + 8);
    v = *(void *const *)(src + 16);
    switch (t) {
    case 0x1002: *(void **)(dst + 16) = take(heap, v, (size_t)2 * n); return;
    case 0x1003: case 0x1004: *(void **)(dst + 16) = take(heap, v, (size_t)4 * n); return;
    case 0x1048: *(void **)(dst + 16) = take(heap, v, (size_t)16 * n); return;
    case 0x101E: case 0x101F: {
        void **arr = (void **)take(heap, v, (size_t)8 * n);
        *(void **)(dst + 16) = arr;
        for (i = 0; i < n; i++)
            if (arr[i]) arr[i] = take(heap, arr[i], t == 0x101E ? strlen(arr[i]) + 1 : wbytes(arr[i]));
        return;
    }
    case 0x1102: {
        uint8_t *arr = take(heap, v, (size_t)16 * n);
        *(void **)(dst + 16) = arr;
        for (i = 0; i < n; i++)
            *(void **)(arr + 16 * i + 8) = take(heap, *(void **)(arr + 16 * i + 8), *(uint32_t *)(arr + 16 * i));
        return;
    }
    default: *(void **)(dst + 16) = take(heap, v, (size_t)8 * n); return;
    }
}

static int32_t count(int n, const uint8_t *props, size_t *cb)
{
    size_t total;
    int i;
    if (n < 0 || (n && !props)) return BR_E_INVALIDARG;
    total = (size_t)n * SPV;
    for (i = 0; i < n; i++) {
        int64_t e = extra(props + (size_t)SPV * i);
        if (e < 0) return BR_E_INVALIDARG;
        total += (size_t)e;
    }
    if (total > 0xFFFFFFFFu) return BR_E_INVALIDARG;
    *cb = total;
    return 0;
}

int32_t WINAPI ScCountProps(int n, void *props, uint32_t *cb)
{
    size_t total = 0;
    int32_t hr = count(n, props, &total);
    if (hr >= 0 && cb) *cb = (uint32_t)total;
    return hr;
}

int32_t WINAPI ScCopyProps(int n, void *props, void *dst, uint32_t *cb)
{
    size_t total = 0;
    uint8_t *heap;
    int32_t hr = count(n, props, &total);
    int i;
    if (hr < 0) return hr;
    if (!dst) return BR_E_INVALIDARG;
    heap = (uint8_t *)dst + (size_t)n * SPV;
    for (i = 0; i < n; i++) copy_one((uint8_t *)dst + (size_t)SPV * i, (uint8_t *)props + (size_t)SPV * i, &heap);
    if (cb) *cb = (uint32_t)total;
    return 0;
}

int32_t WINAPI PropCopyMore(void *dst, void *src, void *allocmore, void *obj)
{
    int64_t e;
    void *block = NULL;
    uint8_t *heap;
    int32_t hr;
    if (!dst || !src || (e = extra(src)) < 0 || e > 0xFFFFFFFF) return BR_E_INVALIDARG;
    if (e) {
        if (!allocmore) return BR_E_INVALIDARG;
        if ((hr = ((allocmore_t)allocmore)((uint32_t)e, obj, &block)) < 0) return hr;
        if (!block) return BR_E_NOT_ENOUGH_MEMORY;
    }
    heap = block;
    copy_one(dst, src, &heap);
    return 0;
}

/* A pointer of a block moved from `old` to `new` (the data already lives at `new`). */
static void reloc(void **p, const uint8_t *old, uint8_t *new)
{
    if (*p) *p = new + ((const uint8_t *)*p - old);
}

/* ScRelocProps: the array (already at its new place) gets every pointer moved from the
 * block at `old` to the block at `new`; `*cb` is the size ScCountProps gives. */
int32_t WINAPI ScRelocProps(int n, void *props, void *old, void *new, uint32_t *cb)
{
    uint8_t *p = props;
    int i;
    uint32_t k;
    if (n < 0 || (n && !p) || !old || !new) return BR_E_INVALIDARG;
    for (i = 0; i < n; i++, p += SPV) {
        uint32_t t = *(const uint32_t *)p & 0xFFFF;
        switch (t) {
        case 0x1E: case 0x1F: case 0x48: reloc((void **)(p + 8), old, new); continue;
        case 0x102: reloc((void **)(p + 16), old, new); continue;
        }
        if (!(t & 0x1000)) continue;
        reloc((void **)(p + 16), old, new);
        if (t == 0x101E || t == 0x101F) {
            void **arr = *(void ***)(p + 16);
            for (k = 0; arr && k < *(const uint32_t *)(p + 8); k++) reloc(&arr[k], old, new);
        } else if (t == 0x1102) {
            uint8_t *arr = *(uint8_t **)(p + 16);
            for (k = 0; arr && k < *(const uint32_t *)(p + 8); k++) reloc((void **)(arr + 16 * k + 8), old, new);
        }
    }
    return cb ? ScCountProps(n, props, cb) : 0;
}

/* For notifcopy.c: one value's data size beyond its SPropValue (-1 when bad), and its
 * copy with the data taken from *heap. */
int64_t br_prop_extra(const void *prop) { return extra(prop); }
void br_prop_copy(void *dst, const void *src, uint8_t **heap) { copy_one(dst, src, heap); }
