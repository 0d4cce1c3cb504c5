/* Interface pointers across the bridge. Our objects reach Windows code as `br_wrap`
 * (an ms_abi vtable over the SysV object, one wrapper reference per object reference);
 * the client's IMAPIAdviseSink, IMAPIProgress and IStream reach libmapi as `br_cwrap`
 * (a SysV vtable over the ms_abi object). Wrappers live in MAPIAllocateBuffer memory,
 * which any thread may take and free. Advise-sink calls from libmapi's threads are
 * queued to a pump thread made with CreateThread: Windows code never runs on a thread
 * Wine did not create. */
#include "bridge.h"

typedef int32_t (*sysv_qi_t)(void *, const GUID *, void **);
typedef uint32_t (*sysv_ref_t)(void *);
typedef int32_t (WINAPI *ms_qi_t)(void *, const GUID *, void **);
typedef uint32_t (WINAPI *ms_ref_t)(void *);
typedef uint32_t (WINAPI *ms_notify_t)(void *, uint32_t, void *);

const struct br_iface *br_iface_by_iid(const GUID *iid)
{
    size_t i;
    if (!iid) return NULL;
    for (i = 0; br_ifaces[i]; i++)
        if (!memcmp(&br_ifaces[i]->iid, iid, sizeof(GUID))) return br_ifaces[i];
    return NULL;
}

static int is_wrap(const void *p)
{
    size_t i;
    if (!p) return 0;
    for (i = 0; br_ifaces[i]; i++)
        if (*(const void *const *const *)p == br_ifaces[i]->ms_vtbl) return 1;
    return 0;
}

static int is_cwrap(const void *p)
{
    size_t i;
    if (!p) return 0;
    for (i = 0; br_ifaces[i]; i++)
        if (br_ifaces[i]->sysv_vtbl && *(const void *const *const *)p == br_ifaces[i]->sysv_vtbl) return 1;
    return 0;
}

static int derives(const struct br_iface *i, const GUID *iid)
{
    for (; i; i = i->parent)
        if (!memcmp(&i->iid, iid, sizeof(GUID))) return 1;
    return 0;
}

static void start_pump(void);

void *br_wrap_new(void *inner, const struct br_iface *iface)
{
    struct br_wrap *w = NULL;
    if (br_lib.MAPIAllocateBuffer(sizeof *w, (void **)&w) || !w) return NULL;
    w->vtbl = iface->ms_vtbl;
    w->inner = inner;
    w->iface = iface;
    w->refs = 1;
    return w;
}

int32_t WINAPI br_ms_QueryInterface(struct br_wrap *This, const GUID *riid, void **ppv)
{
    const struct br_iface *want;
    void *out = NULL;
    int32_t hr;
    if (!ppv || !riid) return BR_E_INVALIDARG;
    *ppv = NULL;
    want = derives(This->iface, riid) ? This->iface : br_iface_by_iid(riid);
    if (!want) return BR_E_NOINTERFACE;
    hr = ((sysv_qi_t)BR_INNER_VTBL(This)[0])(This->inner, riid, &out);
    if (hr < 0 || !out) return hr < 0 ? hr : BR_E_NOINTERFACE;
    if (!(*ppv = br_wrap_new(out, want))) {
        ((sysv_ref_t)(*(void *const *const *)out)[2])(out);
        return BR_E_NOT_ENOUGH_MEMORY;
    }
    return 0;
}

uint32_t WINAPI br_ms_AddRef(struct br_wrap *This)
{
    ((sysv_ref_t)BR_INNER_VTBL(This)[1])(This->inner);
    return (uint32_t)__atomic_add_fetch(&This->refs, 1, __ATOMIC_SEQ_CST);
}

uint32_t WINAPI br_ms_Release(struct br_wrap *This)
{
    int left = __atomic_sub_fetch(&This->refs, 1, __ATOMIC_SEQ_CST);
    ((sysv_ref_t)BR_INNER_VTBL(This)[2])(This->inner);
    if (left == 0) br_lib.MAPIFreeBuffer(This);
    return (uint32_t)(left < 0 ? 0 : left);
}

void br_wrap_out(void *pp, const struct br_iface *iface)
{
    void **p = pp, *w;
    if (!p || !*p) return;
    if (is_cwrap(*p)) {                 /* a client object coming back: hand over the original */
        struct br_cwrap *c = *p;
        ((ms_ref_t)BR_CLIENT_VTBL(c)[1])(c->client);
        *p = c->client;
        br_sysv_Release(c);
        return;
    }
    if (!(w = br_wrap_new(*p, iface))) {
        ((sysv_ref_t)(*(void *const *const *)*p)[2])(*p);
    }
    *p = w;
}

static const struct br_iface *iface_of_type(uint32_t t)
{
    static const char *const names[] = {NULL, "IMsgStore", "IAddrBook", "IMAPIFolder", "IABContainer",
                                        "IMessage", "IMailUser", "IAttach", "IDistList", "IProfSect",
                                        "IMAPIStatus", "IMAPISession"};
    size_t i;
    if (t >= sizeof names / sizeof names[0] || !names[t]) return NULL;
    for (i = 0; br_ifaces[i]; i++)
        if (!strcmp(br_ifaces[i]->name, names[t])) return br_ifaces[i];
    return NULL;
}

void br_wrap_unknown_out(void *pp, const void *iid, void *objtype)
{
    const struct br_iface *i = br_iface_by_iid(iid);
    if (!i && objtype) i = iface_of_type(*(uint32_t *)objtype);
    if (!i) i = &br_iface_IUnknown;
    br_wrap_out(pp, i);
}

void *br_unwrap(void *p)
{
    if (!p) return NULL;
    if (is_wrap(p)) return ((struct br_wrap *)p)->inner;
    if (is_cwrap(p)) return p;
    return NULL;    /* a foreign Windows object where libmapi wants one of its own */
}

void *br_unwrap_client(void *p)
{
    if (p && is_cwrap(p)) return ((struct br_cwrap *)p)->client;
    return p;
}

void *br_client_in(void *p, const struct br_iface *iface)
{
    struct br_cwrap *c = NULL;
    if (!p) return NULL;
    if (is_wrap(p)) return ((struct br_wrap *)p)->inner;
    if (br_lib.MAPIAllocateBuffer(sizeof *c, (void **)&c) || !c) return NULL;
    c->vtbl = iface->sysv_vtbl;
    c->client = p;
    c->iface = iface;
    c->refs = 1;
    ((ms_ref_t)BR_CLIENT_VTBL(c)[1])(p);
    if (iface == &br_iface_IMAPIAdviseSink) start_pump();
    return c;
}

void br_client_release(void *c, void *orig)
{
    if (c && is_cwrap(c) && c != orig) br_sysv_Release(c);
}

/* ---- the pump: client sink calls made on a Wine thread ---------------------------- */

struct job {
    struct job *next;
    struct br_cwrap *sink;   /* NULL: only release `client` */
    void *client;
    uint32_t n;
    void *notifs;
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static struct job *q_head, *q_tail;
static int pump_started;
static pthread_t pump_self;

static void enqueue(struct job *j)
{
    pthread_mutex_lock(&q_lock);
    j->next = NULL;
    if (q_tail) q_tail->next = j; else q_head = j;
    q_tail = j;
    pthread_cond_signal(&q_cond);
    pthread_mutex_unlock(&q_lock);
}

static DWORD WINAPI pump(void *arg)
{
    (void)arg;
    pump_self = pthread_self();
    for (;;) {
        struct job *j;
        pthread_mutex_lock(&q_lock);
        while (!q_head) pthread_cond_wait(&q_cond, &q_lock);
        j = q_head;
        q_head = j->next;
        if (!q_head) q_tail = NULL;
        pthread_mutex_unlock(&q_lock);
        if (j->sink) {
            ((ms_notify_t)BR_CLIENT_VTBL(j->sink)[3])(j->sink->client, j->n, j->notifs);
            if (j->notifs) br_lib.MAPIFreeBuffer(j->notifs);
            br_sysv_Release(j->sink);
        } else {
            ((ms_ref_t)(*(void *const *const *)j->client)[2])(j->client);
        }
        br_lib.MAPIFreeBuffer(j);
    }
    return 0;
}

/* Called on the client's thread when it hands us a sink (Advise), so CreateThread runs
 * on a Wine thread. */
static void start_pump(void)
{
    int expect = 0;
    HANDLE t;
    if (!__atomic_compare_exchange_n(&pump_started, &expect, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return;
    t = CreateThread(NULL, 0, pump, NULL, 0, NULL);
    if (t) CloseHandle(t);
}

uint32_t br_sink_notify(struct br_cwrap *This, uint32_t n, void *notifs)
{
    struct job *j = NULL;
    if (br_lib.MAPIAllocateBuffer(sizeof *j, (void **)&j) || !j) return 0;
    memset(j, 0, sizeof *j);
    j->sink = This;
    j->n = n;
    j->notifs = br_notifs_to_client(n, notifs);
    br_sysv_AddRef(This);
    enqueue(j);
    return 0;
}

int32_t br_sysv_QueryInterface(struct br_cwrap *This, const GUID *riid, void **ppv)
{
    if (!ppv || !riid) return BR_E_INVALIDARG;
    if (!derives(This->iface, riid)) {
        *ppv = NULL;
        return BR_E_NOINTERFACE;
    }
    br_sysv_AddRef(This);
    *ppv = This;
    return 0;
}

uint32_t br_sysv_AddRef(struct br_cwrap *This)
{
    return (uint32_t)__atomic_add_fetch(&This->refs, 1, __ATOMIC_SEQ_CST);
}

uint32_t br_sysv_Release(struct br_cwrap *This)
{
    int left = __atomic_sub_fetch(&This->refs, 1, __ATOMIC_SEQ_CST);
    if (left == 0) {
        void *client = This->client;
        int sink = This->iface == &br_iface_IMAPIAdviseSink;
        br_lib.MAPIFreeBuffer(This);
        if (sink && pump_started && !pthread_equal(pthread_self(), pump_self)) {
            struct job *j = NULL;
            if (!br_lib.MAPIAllocateBuffer(sizeof *j, (void **)&j) && j) {
                memset(j, 0, sizeof *j);
                j->client = client;
                enqueue(j);
            }
        } else {
            ((ms_ref_t)(*(void *const *const *)client)[2])(client);
        }
    }
    return (uint32_t)(left < 0 ? 0 : left);
}
