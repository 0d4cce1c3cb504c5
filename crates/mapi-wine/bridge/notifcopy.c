/* ScCountNotifications, ScCopyNotifications and ScRelocNotifications on the client's own
 * (Windows, 64-bit) NOTIFICATION layout: 88 bytes each, the event's data (entry ids,
 * message class, MAPIERROR, tag arrays, property values, extended parameters) after the
 * array, each piece rounded up to 8 bytes like the property copiers. One walker serves
 * the three: it counts, copies (pointers into the source, data moved to the heap) or
 * relocates (pointers moved from the old block to the new). */
#include "bridge.h"

#define NOTIF 88
#define ALIGN8(n) (((n) + 7) & ~(size_t)7)
#define UNICODE_FLAG 0x80000000u

enum mode { COUNT, COPY, RELOC };

struct walk {
    enum mode mode;
    size_t total;       /* COUNT */
    uint8_t *heap;      /* COPY */
    const uint8_t *old; /* RELOC */
    uint8_t *new;
    int bad;
};

/* The data a pointer field refers to (moved first when relocating). */
static const void *data(struct walk *w, void **field)
{
    if (w->mode == RELOC && *field) *field = w->new + ((const uint8_t *)*field - w->old);
    return *field;
}

/* `n` bytes at p (the data of *field, already relocated) counted or copied. */
static void blob_at(struct walk *w, void **field, const void *p, size_t n)
{
    if (!p) return;
    if (w->mode == COUNT) w->total += ALIGN8(n);
    if (w->mode == COPY) {
        if (n) memcpy(w->heap, p, n);
        *field = w->heap;
        w->heap += ALIGN8(n);
    }
}

static void blob(struct walk *w, void **field, size_t n)
{
    blob_at(w, field, data(w, field), n);
}

static size_t str_bytes(const void *s, int wide)
{
    size_t n = 0;
    if (!wide) return strlen(s) + 1;
    while (((const uint16_t *)s)[n]) n++;
    return 2 * (n + 1);
}

static void str(struct walk *w, void **field, int wide)
{
    const void *p = data(w, field);
    if (p) blob_at(w, field, p, str_bytes(p, wide));
}

static void eid(struct walk *w, uint8_t *n, uint32_t cb_off, uint32_t ptr_off)
{
    blob(w, (void **)(n + ptr_off), *(uint32_t *)(n + cb_off));
}

/* One SPropValue inside the notification. */
static void prop(struct walk *w, uint8_t *v)
{
    int64_t e;
    if ((*(uint32_t *)v & 0xFFFF) == 0) return; /* PT_UNSPECIFIED: an unset propPrior */
    if (w->mode == RELOC) {
        ScRelocProps(1, v, (void *)w->old, w->new, NULL);
        return;
    }
    if ((e = br_prop_extra(v)) < 0) {
        w->bad = 1;
        return;
    }
    if (w->mode == COUNT) w->total += (size_t)e;
    else {
        uint8_t src[24];
        memcpy(src, v, sizeof src);
        br_prop_copy(v, src, &w->heap);
    }
}

/* A counted SPropValue array behind a pointer. */
static void props(struct walk *w, uint32_t n, void **field)
{
    uint32_t cb = 0;
    const void *p = data(w, field);
    if (!p) return;
    if (w->mode == RELOC) {
        ScRelocProps((int)n, *field, (void *)w->old, w->new, NULL);
        return;
    }
    if (n > 0x7FFFFFFF || ScCountProps((int)n, (void *)p, &cb) < 0) {
        w->bad = 1;
        return;
    }
    if (w->mode == COUNT) w->total += cb;
    else {
        ScCopyProps((int)n, (void *)p, w->heap, NULL);
        *field = w->heap;
        w->heap += cb;
    }
}

static void one(struct walk *w, uint8_t *n)
{
    uint32_t ev = *(uint32_t *)n;
    uint8_t *i = n + 8;
    switch (ev) {
    case 0x1: /* ERROR_NOTIFICATION: cbEntryID, lpEntryID, scode, ulFlags, lpMAPIError */
        eid(w, i, 0, 8);
        blob(w, (void **)(i + 24), 32);
        if (*(void **)(i + 24)) {
            uint8_t *e = *(uint8_t **)(i + 24);
            int wide = (*(uint32_t *)(i + 20) & UNICODE_FLAG) != 0;
            str(w, (void **)(e + 8), wide);
            str(w, (void **)(e + 16), wide);
        }
        return;
    case 0x2: /* NEWMAIL_NOTIFICATION */
        eid(w, i, 0, 8);
        eid(w, i, 16, 24);
        str(w, (void **)(i + 40), (*(uint32_t *)(i + 32) & UNICODE_FLAG) != 0);
        return;
    case 0x4: case 0x8: case 0x10: case 0x20: case 0x40: case 0x80: { /* OBJECT_NOTIFICATION */
        const uint32_t *tags;
        eid(w, i, 0, 8);
        eid(w, i, 20, 24);
        eid(w, i, 32, 40);
        eid(w, i, 48, 56);
        if ((tags = data(w, (void **)(i + 64)))) blob_at(w, (void **)(i + 64), tags, 4 * ((size_t)tags[0] + 1));
        return;
    }
    case 0x100: /* TABLE_NOTIFICATION: propIndex, propPrior, row */
        prop(w, i + 8);
        prop(w, i + 32);
        props(w, *(uint32_t *)(i + 60), (void **)(i + 64));
        return;
    case 0x200: /* STATUS_OBJECT_NOTIFICATION */
        eid(w, i, 0, 8);
        props(w, *(uint32_t *)(i + 16), (void **)(i + 24));
        return;
    case 0x80000000u: /* EXTENDED_NOTIFICATION: ulEvent, cb, pbEventParameters */
        blob(w, (void **)(i + 8), *(uint32_t *)(i + 4));
        return;
    }
    w->bad = 1;
}

static int32_t walk_all(struct walk *w, int n, uint8_t *notifs)
{
    int k;
    if (n < 0 || (n && !notifs)) return BR_E_INVALIDARG;
    for (k = 0; k < n && !w->bad; k++) one(w, notifs + (size_t)NOTIF * k);
    return w->bad ? BR_E_INVALIDARG : 0;
}

int32_t WINAPI ScCountNotifications(int n, void *notifs, uint32_t *cb)
{
    struct walk w = {.mode = COUNT};
    int32_t hr;
    if (n >= 0) w.total = (size_t)n * NOTIF;
    if ((hr = walk_all(&w, n, notifs)) < 0) return hr;
    if (w.total > 0xFFFFFFFFu) return BR_E_INVALIDARG;
    if (cb) *cb = (uint32_t)w.total;
    return 0;
}

int32_t WINAPI ScCopyNotifications(int n, void *notifs, void *dst, uint32_t *cb)
{
    uint32_t total = 0;
    struct walk w = {.mode = COPY};
    int32_t hr = ScCountNotifications(n, notifs, &total);
    if (hr < 0) return hr;
    if (!dst) return BR_E_INVALIDARG;
    memcpy(dst, notifs, (size_t)n * NOTIF);
    w.heap = (uint8_t *)dst + (size_t)n * NOTIF;
    walk_all(&w, n, dst);
    if (cb) *cb = total;
    return 0;
}

int32_t WINAPI ScRelocNotifications(int n, void *notifs, void *old, void *new, uint32_t *cb)
{
    struct walk w = {.mode = RELOC, .old = old, .new = new};
    int32_t hr;
    if (!old || !new) return BR_E_INVALIDARG;
    if ((hr = walk_all(&w, n, notifs)) < 0) return hr;
    return cb ? ScCountNotifications(n, notifs, cb) : 0;
}
