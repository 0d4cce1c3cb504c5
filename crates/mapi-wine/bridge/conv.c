/* UTF-16 (Windows) <-> UTF-32 (libmapi) conversion of strings and of the structures
 * holding strings. In-parameters are copied (freed after the call); out-parameters
 * are patched in place with the converted strings allocated as MAPIAllocateMore
 * children of the same root, so the client's MAPIFreeBuffer (ours) frees them all.
 * 8-bit strings are the client's ANSI code page on the Windows side and UTF-8 on ours;
 * pure ASCII passes unchanged. The layouts are the same on both sides (c-abi.md §2). */
#include "bridge.h"

#define PT_TYPE(t) ((t) & 0xFFFFu)
#define PT_STRING8 0x1Eu
#define PT_UNICODE 0x1Fu
#define PT_BINARY 0x102u
#define PT_CLSID 0x48u
#define MV_FLAG 0x1000u

enum { IN16, OUT16 };

typedef struct { uint32_t cb; uint8_t *lpb; } bin_t;
typedef struct { uint32_t c; void *lp; } mv_t;
typedef struct {
    uint32_t tag, pad;
    union { uint32_t ul; int64_t li; void *p; bin_t bin; mv_t mv; } v;
} prop_t;                                               /* SPropValue, 24 bytes */
typedef struct { uint32_t pad, c; prop_t *props; } row_t; /* SRow / ADRENTRY, 16 bytes */
typedef struct { uint32_t c; row_t rows[1]; } rows_t;     /* SRowSet / ADRLIST */
typedef struct { uint32_t rt, pad; union { struct { uint32_t c; void *r; } and_; struct { uint32_t a, b; void *p; } prop; struct { uint32_t c; void *r; void *p; } comment; uint8_t raw[24]; } u; } res_t; /* 32 */
typedef struct { void *guid; uint32_t kind; union { int32_t id; void *name; } u; } name_t; /* 24 */

static void *alloc_under(void *root, size_t n)
{
    void *p = NULL;
    if (!n) n = 1;
    if (root ? br_lib.MAPIAllocateMore((uint32_t)n, root, &p) : br_lib.MAPIAllocateBuffer((uint32_t)n, &p)) return NULL;
    return p;
}

static uint32_t *u16_to_u32(void *root, const uint16_t *s)
{
    size_t n = 0, i = 0, o = 0;
    uint32_t *d;
    while (s[n]) n++;
    if (!(d = alloc_under(root, (n + 1) * 4))) return NULL;
    while (i < n) {
        uint32_t c = s[i++];
        if (c >= 0xD800 && c < 0xDC00 && i < n && s[i] >= 0xDC00 && s[i] < 0xE000)
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i++] - 0xDC00);
        else if (c >= 0xD800 && c < 0xE000)
            c = 0xFFFD;
        d[o++] = c;
    }
    d[o] = 0;
    return d;
}

static uint16_t *u32_to_u16(void *root, const uint32_t *s)
{
    size_t n = 0, i, o = 0;
    uint16_t *d;
    while (s[n]) n++;
    if (!(d = alloc_under(root, (2 * n + 1) * 2))) return NULL;
    for (i = 0; i < n; i++) {
        uint32_t c = s[i];
        if (c >= 0x10000 && c <= 0x10FFFF) {
            c -= 0x10000;
            d[o++] = (uint16_t)(0xD800 + (c >> 10));
            d[o++] = (uint16_t)(0xDC00 + (c & 0x3FF));
        } else {
            d[o++] = (c >= 0xD800 && c < 0xE000) || c > 0x10FFFF ? 0xFFFD : (uint16_t)c;
        }
    }
    d[o] = 0;
    return d;
}

static int ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return 0;
    return 1;
}

/* 8-bit text from code page `from` to code page `to`, through UTF-16. */
static char *recode(void *root, const char *s, UINT from, UINT to)
{
    int nw, nb;
    WCHAR *w;
    char *d;
    if (ascii(s)) return (char *)s;
    nw = MultiByteToWideChar(from, 0, s, -1, NULL, 0);
    if (nw <= 0 || !(w = alloc_under(NULL, (size_t)nw * 2))) return (char *)s;
    MultiByteToWideChar(from, 0, s, -1, w, nw);
    nb = WideCharToMultiByte(to, 0, w, -1, NULL, 0, NULL, NULL);
    d = nb > 0 ? alloc_under(root, (size_t)nb) : NULL;
    if (d) WideCharToMultiByte(to, 0, w, -1, d, nb, NULL, NULL);
    br_lib.MAPIFreeBuffer(w);
    return d ? d : (char *)s;
}

static void *str_conv(void *root, void *s, int wide, int dir)
{
    if (!s) return NULL;
    if (wide) return dir == IN16 ? (void *)u16_to_u32(root, s) : (void *)u32_to_u16(root, s);
    return dir == IN16 ? recode(root, s, CP_ACP, CP_UTF8) : recode(root, s, CP_UTF8, CP_ACP);
}

static void *dup_bytes(void *root, const void *src, size_t n)
{
    void *d;
    if (!src) return NULL;
    if ((d = alloc_under(root, n))) memcpy(d, src, n);
    return d;
}

static size_t mv_elem_size(uint32_t t)
{
    switch (t) {
    case 0x02: return 2;
    case 0x03: case 0x04: return 4;
    case 0x48: return 16;
    case 0x1E: case 0x1F: return sizeof(void *);
    case 0x102: return sizeof(bin_t);
    default: return 8;
    }
}

/* Converts one property; `deep` also copies the non-string data (for values that
 * outlive the call they came from). */
static void conv_prop(void *root, prop_t *dst, const prop_t *src, int dir, int deep)
{
    prop_t v = *src;
    uint32_t t = PT_TYPE(v.tag), base = t & ~MV_FLAG, i;
    if (t == PT_UNICODE || t == PT_STRING8) {
        v.v.p = str_conv(root, v.v.p, t == PT_UNICODE, dir);
    } else if ((t & MV_FLAG) && (base == PT_UNICODE || base == PT_STRING8 || deep)) {
        void **a = alloc_under(root, v.v.mv.c * mv_elem_size(base));
        if (a) {
            memcpy(a, src->v.mv.lp, v.v.mv.c * mv_elem_size(base));
            if (base == PT_UNICODE || base == PT_STRING8)
                for (i = 0; i < v.v.mv.c; i++) a[i] = str_conv(root, a[i], base == PT_UNICODE, dir);
            else if (base == PT_BINARY)
                for (i = 0; i < v.v.mv.c; i++) ((bin_t *)a)[i].lpb = dup_bytes(root, ((bin_t *)a)[i].lpb, ((bin_t *)a)[i].cb);
        }
        v.v.mv.lp = a;
    } else if (deep && t == PT_BINARY) {
        v.v.bin.lpb = dup_bytes(root, v.v.bin.lpb, v.v.bin.cb);
    } else if (deep && t == PT_CLSID) {
        v.v.p = dup_bytes(root, v.v.p, 16);
    }
    *dst = v;
}

static prop_t *props_copy(void *root, uint32_t n, const prop_t *src, int dir, int deep)
{
    prop_t *d;
    uint32_t i;
    if (!src) return NULL;
    if (!(d = alloc_under(root, (size_t)n * sizeof(prop_t)))) return NULL;
    for (i = 0; i < n; i++) conv_prop(root ? root : d, &d[i], &src[i], dir, deep);
    return d;
}

void *br_str_in(void *s, uint32_t flags)
{
    return str_conv(NULL, s, (flags & BR_MAPI_UNICODE) != 0, IN16);
}

void *br_props_in(uint32_t n, void *props)
{
    return props_copy(NULL, n, props, IN16, 0);
}

static void res_conv(void *root, res_t *dst, const res_t *src, int dir)
{
    res_t r = *src;
    uint32_t i;
    switch (r.rt) {
    case 0: case 1: {                                   /* AND, OR */
        res_t *a = alloc_under(root, (size_t)r.u.and_.c * sizeof(res_t));
        if (a)
            for (i = 0; i < r.u.and_.c; i++) res_conv(root, &a[i], &((res_t *)src->u.and_.r)[i], dir);
        r.u.and_.r = a;
        break;
    }
    case 2: case 9: case 11:                            /* NOT, SUB, COUNT */
        if (r.u.and_.r) {
            res_t *a = alloc_under(root, sizeof(res_t));
            if (a) res_conv(root, a, src->u.and_.r, dir);
            r.u.and_.r = a;
        }
        break;
    case 3: case 4:                                     /* CONTENT, PROPERTY */
        r.u.prop.p = props_copy(root, 1, src->u.prop.p, dir, 0);
        break;
    case 10: case 12:                                   /* COMMENT, ANNOTATION */
        if (r.u.comment.r) {
            res_t *a = alloc_under(root, sizeof(res_t));
            if (a) res_conv(root, a, src->u.comment.r, dir);
            r.u.comment.r = a;
        }
        r.u.comment.p = props_copy(root, r.u.comment.c, src->u.comment.p, dir, 0);
        break;
    default:
        break;
    }
    *dst = r;
}

void *br_res_in(void *res)
{
    res_t *d;
    if (!res || !(d = alloc_under(NULL, sizeof(res_t)))) return NULL;
    res_conv(d, d, res, IN16);
    return d;
}

/* ADRLIST and SRowSet: each entry's property array is a root of its own (the callee
 * may free and replace it, as ResolveNames does). */
void *br_adrlist_in(void *list)
{
    rows_t *s = list, *d;
    uint32_t i;
    if (!s || !(d = alloc_under(NULL, 8 + (size_t)s->c * sizeof(row_t)))) return NULL;
    d->c = s->c;
    for (i = 0; i < s->c; i++) {
        d->rows[i] = s->rows[i];
        d->rows[i].props = props_copy(NULL, s->rows[i].c, s->rows[i].props, IN16, 0);
    }
    return d;
}

/* After a call that rewrote the list: the entries it replaced go back to the client. */
void br_adrlist_back(void *orig, void *copy)
{
    rows_t *o = orig, *c = copy;
    uint32_t i;
    if (!o || !c) return;
    for (i = 0; i < o->c && i < c->c; i++) {
        prop_t *p = c->rows[i].props;
        uint32_t k;
        if (!p) continue;
        for (k = 0; k < c->rows[i].c; k++) conv_prop(p, &p[k], &p[k], OUT16, 0);
        if (o->rows[i].props) br_lib.MAPIFreeBuffer(o->rows[i].props);
        o->rows[i] = c->rows[i];
        c->rows[i].props = NULL;
    }
}

void br_adrlist_free(void *copy, void *orig)
{
    rows_t *c = copy;
    uint32_t i;
    (void)orig;
    if (!c) return;
    for (i = 0; i < c->c; i++)
        if (c->rows[i].props) br_lib.MAPIFreeBuffer(c->rows[i].props);
    br_lib.MAPIFreeBuffer(c);
}

void *br_notif_in(void *notif)
{
    uint8_t *d;
    if (!notif || !(d = dup_bytes(NULL, notif, 88))) return NULL;
    if (*(uint32_t *)d == 2) {                          /* fnevNewMail: message class */
        uint32_t fl = *(uint32_t *)(d + 8 + 32);
        *(void **)(d + 8 + 40) = str_conv(d, *(void **)(d + 8 + 40), (fl & BR_MAPI_UNICODE) != 0, IN16);
    }
    return d;
}

void *br_names_in(uint32_t n, void *names)
{
    name_t **s = names, **d;
    uint32_t i;
    if (!s || !(d = alloc_under(NULL, (size_t)n * sizeof(void *)))) return NULL;
    for (i = 0; i < n; i++) {
        d[i] = s[i] ? dup_bytes(d, s[i], sizeof(name_t)) : NULL;
        if (d[i] && d[i]->kind == 1) d[i]->u.name = str_conv(d, d[i]->u.name, 1, IN16);
    }
    return d;
}

void br_free_in(void *copy, void *orig)
{
    if (copy && copy != orig) br_lib.MAPIFreeBuffer(copy);
}

void br_props_out(uint32_t n, void *pp)
{
    prop_t *a = *(prop_t **)pp;
    uint32_t i;
    if (!a) return;
    for (i = 0; i < n; i++) conv_prop(a, &a[i], &a[i], OUT16, 0);
}

void br_rows_out(void *pp)
{
    rows_t *r = *(rows_t **)pp;
    uint32_t i, k;
    if (!r) return;
    for (i = 0; i < r->c; i++)
        for (k = 0; r->rows[i].props && k < r->rows[i].c; k++)
            conv_prop(r->rows[i].props, &r->rows[i].props[k], &r->rows[i].props[k], OUT16, 0);
}

void br_error_out(void *pp, uint32_t flags)
{
    uint8_t *e = *(uint8_t **)pp;
    int wide = (flags & BR_MAPI_UNICODE) != 0;
    if (!e) return;
    *(void **)(e + 8) = str_conv(e, *(void **)(e + 8), wide, OUT16);
    *(void **)(e + 16) = str_conv(e, *(void **)(e + 16), wide, OUT16);
}

void br_names_out(uint32_t n, void *ppp)
{
    name_t **a = *(name_t ***)ppp;
    uint32_t i;
    if (!a) return;
    for (i = 0; i < n; i++)
        if (a[i] && a[i]->kind == 1) a[i]->u.name = str_conv(a, a[i]->u.name, 1, OUT16);
}

void br_str_out(void *pp, uint32_t flags)
{
    void *s, *d;
    if (!pp) return; /* an optional out-string the caller did not ask for */
    s = *(void **)pp;
    if (!s) return;
    d = str_conv(NULL, s, (flags & BR_MAPI_UNICODE) != 0, OUT16);
    if (d && d != s) {
        br_lib.MAPIFreeBuffer(s);
        *(void **)pp = d;
    }
}

void br_strv_out(uint32_t n, void *ppp, uint32_t flags)
{
    void **a;
    uint32_t i;
    if (!ppp) return;
    a = *(void ***)ppp;
    if (!a) return;
    for (i = 0; i < n; i++) a[i] = str_conv(a, a[i], (flags & BR_MAPI_UNICODE) != 0, OUT16);
}

void br_res_out(void *pp)
{
    res_t *r = *(res_t **)pp;
    if (r) res_conv(r, r, r, OUT16);
}

void br_stat_out(void *p)
{
    /* STATSTG.pwcsName would need the client's CoTaskMemAlloc: names are not given. */
    if (p) *(void **)p = NULL;
}

/* Notifications for the client's sink, copied into one root (they are delivered later,
 * on the bridge's pump thread, after libmapi's own copy is gone). */
void *br_notifs_to_client(uint32_t n, const void *notifs)
{
    uint8_t *d;
    uint32_t i;
    if (!(d = dup_bytes(NULL, notifs, (size_t)n * 88))) return NULL;
    for (i = 0; i < n; i++) {
        uint8_t *x = d + 88 * i, *info = x + 8;
        switch (*(uint32_t *)x) {
        case 1:                                         /* critical error */
            *(void **)(info + 8) = dup_bytes(d, *(void **)(info + 8), *(uint32_t *)info);
            *(void **)(info + 24) = NULL;
            break;
        case 2: {                                       /* new mail */
            uint32_t fl = *(uint32_t *)(info + 32);
            *(void **)(info + 8) = dup_bytes(d, *(void **)(info + 8), *(uint32_t *)info);
            *(void **)(info + 24) = dup_bytes(d, *(void **)(info + 24), *(uint32_t *)(info + 16));
            *(void **)(info + 40) = str_conv(d, *(void **)(info + 40), (fl & BR_MAPI_UNICODE) != 0, OUT16);
            break;
        }
        case 4: case 8: case 0x10: case 0x20: case 0x40: case 0x80: { /* object events */
            uint32_t *tags = *(uint32_t **)(info + 64);
            *(void **)(info + 8) = dup_bytes(d, *(void **)(info + 8), *(uint32_t *)info);
            *(void **)(info + 24) = dup_bytes(d, *(void **)(info + 24), *(uint32_t *)(info + 20));
            *(void **)(info + 40) = dup_bytes(d, *(void **)(info + 40), *(uint32_t *)(info + 32));
            *(void **)(info + 56) = dup_bytes(d, *(void **)(info + 56), *(uint32_t *)(info + 48));
            *(void **)(info + 64) = tags ? dup_bytes(d, tags, 4 + 4 * (size_t)tags[0]) : NULL;
            break;
        }
        case 0x100: {                                   /* table modified */
            prop_t *idx = (prop_t *)(info + 8), *prior = (prop_t *)(info + 32);
            row_t *row = (row_t *)(info + 56);
            conv_prop(d, idx, idx, OUT16, 1);
            conv_prop(d, prior, prior, OUT16, 1);
            row->props = props_copy(d, row->c, row->props, OUT16, 1);
            break;
        }
        case 0x200: {                                   /* status object */
            uint32_t cv = *(uint32_t *)(info + 16);
            *(void **)(info + 8) = dup_bytes(d, *(void **)(info + 8), *(uint32_t *)info);
            *(void **)(info + 24) = props_copy(d, cv, *(void **)(info + 24), OUT16, 1);
            break;
        }
        default:
            break;
        }
    }
    return d;
}
