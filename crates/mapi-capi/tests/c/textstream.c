/* The stream of a PT_UNICODE property holds wchar_t text (4 bytes a code point, no BOM,
 * no terminator): PR_BODY_W set to non-ASCII text reads back through OpenProperty as
 * wchar_t with Stat's cbSize four times the code points, Seek works in those bytes, while
 * PR_BODY_A's stream stays UTF-8. A new body written as wchar_t (with a terminator, which
 * is dropped) and committed reaches GetProps PR_BODY_W and PR_BODY_A after SaveChanges
 * and a reopen; a surrogate or a torn wchar_t is refused at Commit; STREAM_APPEND
 * starts at the end. With the argument `shared` the session is a shared one (MAPI_ALLOW_OTHERS:
 * it lives in the daemon, the streams go through it). Exits non-zero at the first unexpected
 * result. */
#include "common.h"

/* Everything from the stream's position to its end (free it). */
static unsigned char *read_rest(LPSTREAM s, ULONG *len) {
    unsigned char *buf = NULL;
    ULONG cap = 0, n = 0, got = 0;
    do {
        if (n + 7 > cap) {
            cap = cap ? cap * 2 : 16;
            buf = realloc(buf, cap);
            CHECK(buf != NULL);
        }
        EXPECT(s->lpVtbl->Read(s, buf + n, 7, &got), S_OK);
        n += got;
    } while (got > 0);
    *len = n;
    return buf;
}

static LPSTREAM open_stream(LPMESSAGE m, ULONG tag, ULONG flags) {
    LPSTREAM s = NULL;
    EXPECT(m->lpVtbl->OpenProperty(m, tag, &IID_IStream, 0, flags, (LPUNKNOWN *)&s), S_OK);
    return s;
}

static unsigned long long stat_size(LPSTREAM s) {
    STATSTG st;
    EXPECT(s->lpVtbl->Stat(s, &st, STATFLAG_NONAME), S_OK);
    return st.cbSize.QuadPart;
}

/* The stream of `tag` holds exactly `want` (`len` bytes) from the start. */
static void expect_stream(LPMESSAGE m, ULONG tag, const void *want, ULONG len) {
    LPSTREAM s = open_stream(m, tag, 0);
    ULONG got = 0;
    CHECK(stat_size(s) == len);
    unsigned char *text = read_rest(s, &got);
    CHECK(got == len && memcmp(text, want, len) == 0);
    free(text);
    s->lpVtbl->Release(s);
}

/* GetProps PR_BODY_W and PR_BODY_A equal `w` and `a`. */
static void expect_props(LPMESSAGE m, const wchar_t *w, const char *a) {
    SizedSPropTagArray(2, t) = {2, {PR_BODY_W, PR_BODY_A}};
    ULONG n = 0;
    LPSPropValue v = NULL;
    EXPECT(m->lpVtbl->GetProps(m, (LPSPropTagArray)&t, 0, &n, &v), S_OK);
    CHECK(n == 2 && v[0].ulPropTag == PR_BODY_W && v[1].ulPropTag == PR_BODY_A);
    CHECK(wcscmp(v[0].Value.lpszW, w) == 0);
    CHECK(strcmp(v[1].Value.lpszA, a) == 0);
    MAPIFreeBuffer(v);
}

int main(int argc, char **argv) {
    int shared = argc == 2 && strcmp(argv[1], "shared") == 0;
    static const wchar_t first[] = L"Grüße 😀";
    static const char first_utf8[] = "Grüße 😀";
    static const wchar_t second[] = L"Ünïcödé ✓ 𝄞 text";
    static const char second_utf8[] = "Ünïcödé ✓ 𝄞 text";
    static const wchar_t tail[] = L" ende";
    static const char third_utf8[] = "Ünïcödé ✓ 𝄞 text ende";
    static const wchar_t third[] = L"Ünïcödé ✓ 𝄞 text ende";
    EXPECT(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = NULL;
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL,
                       MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION | (shared ? MAPI_ALLOW_OTHERS : 0),
                       &s),
           S_OK);
    LPMDB store = open_default_store(s);
    LPMAPIFOLDER inbox = open_inbox(store);
    LPMESSAGE m = NULL;
    SPropValue p[2];
    ULONG cb = 0, n = 0, type = 0;
    LPENTRYID eid = NULL;
    EXPECT(inbox->lpVtbl->CreateMessage(inbox, NULL, 0, &m), S_OK);
    p[0].ulPropTag = PR_SUBJECT_A;
    p[0].Value.lpszA = (char *)"wide text";
    p[1].ulPropTag = PR_BODY_W;
    p[1].Value.lpszW = (wchar_t *)first;
    EXPECT(m->lpVtbl->SetProps(m, 2, p, NULL), S_OK);
    EXPECT(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);

    /* PR_BODY_W reads as wchar_t: 7 code points, 28 bytes; PR_BODY_A as UTF-8. */
    CHECK(wcslen(first) == 7);
    expect_stream(m, PR_BODY_W, first, 7 * sizeof(wchar_t));
    expect_stream(m, PR_BODY_A, first_utf8, (ULONG)strlen(first_utf8));
    printf("read: %u wchar_t bytes, %u UTF-8 bytes\n", (unsigned)(7 * sizeof(wchar_t)),
           (unsigned)strlen(first_utf8));

    /* Seek is in the same bytes: the third wchar_t is the u-umlaut, the last the emoji. */
    LPSTREAM w = open_stream(m, PR_BODY_W, 0);
    LARGE_INTEGER off;
    ULARGE_INTEGER pos;
    wchar_t one = 0;
    off.QuadPart = 2 * sizeof(wchar_t);
    EXPECT(w->lpVtbl->Seek(w, off, STREAM_SEEK_SET, &pos), S_OK);
    CHECK(pos.QuadPart == 8);
    EXPECT(w->lpVtbl->Read(w, &one, sizeof one, &n), S_OK);
    CHECK(n == 4 && one == L'ü');
    off.QuadPart = -(LONGLONG)sizeof(wchar_t);
    EXPECT(w->lpVtbl->Seek(w, off, STREAM_SEEK_END, &pos), S_OK);
    EXPECT(w->lpVtbl->Read(w, &one, sizeof one, &n), S_OK);
    CHECK(n == 4 && one == 0x1F600);
    /* Opened without MAPI_MODIFY: no writing. */
    EXPECT(w->lpVtbl->Write(w, &one, sizeof one, &n), MAPI_E_NO_ACCESS);
    w->lpVtbl->Release(w);

    /* A new body as wchar_t; first a surrogate and a torn wchar_t, refused at Commit. */
    w = open_stream(m, PR_BODY_W, MAPI_MODIFY);
    wchar_t bad = (wchar_t)0xD800;
    EXPECT(w->lpVtbl->SetSize(w, (ULARGE_INTEGER){.QuadPart = 0}), S_OK);
    off.QuadPart = 0;
    EXPECT(w->lpVtbl->Seek(w, off, STREAM_SEEK_SET, NULL), S_OK);
    EXPECT(w->lpVtbl->Write(w, &bad, sizeof bad, &n), S_OK);
    EXPECT(w->lpVtbl->Commit(w, 0), MAPI_E_INVALID_PARAMETER);
    EXPECT(w->lpVtbl->SetSize(w, (ULARGE_INTEGER){.QuadPart = 3}), S_OK);
    EXPECT(w->lpVtbl->Commit(w, 0), MAPI_E_INVALID_PARAMETER);
    printf("surrogate, torn wchar_t: MAPI_E_INVALID_PARAMETER\n");
    EXPECT(w->lpVtbl->SetSize(w, (ULARGE_INTEGER){.QuadPart = 0}), S_OK);
    EXPECT(w->lpVtbl->Seek(w, off, STREAM_SEEK_SET, NULL), S_OK);
    /* With its terminator, as a Windows program may write it. */
    EXPECT(w->lpVtbl->Write(w, (void *)second, sizeof second, &n), S_OK);
    CHECK(n == sizeof second);
    EXPECT(w->lpVtbl->Commit(w, 0), S_OK);
    w->lpVtbl->Release(w);
    EXPECT(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    expect_props(m, second, second_utf8);
    expect_stream(m, PR_BODY_W, second, (ULONG)(wcslen(second) * sizeof(wchar_t)));

    /* STREAM_APPEND starts at the end. */
    w = open_stream(m, PR_BODY_W, MAPI_MODIFY | STREAM_APPEND);
    EXPECT(w->lpVtbl->Write(w, (void *)tail, (ULONG)(wcslen(tail) * sizeof(wchar_t)), &n),
           S_OK);
    CHECK(stat_size(w) == wcslen(third) * sizeof(wchar_t));
    EXPECT(w->lpVtbl->Commit(w, 0), S_OK);
    w->lpVtbl->Release(w);
    EXPECT(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    entry_id((LPMAPIPROP)m, &cb, &eid);
    m->lpVtbl->Release(m);

    /* Reopened from the store. */
    EXPECT(store->lpVtbl->OpenEntry(store, cb, eid, NULL, 0, &type, (LPUNKNOWN *)&m), S_OK);
    CHECK(type == MAPI_MESSAGE);
    expect_props(m, third, third_utf8);
    expect_stream(m, PR_BODY_W, third, (ULONG)(wcslen(third) * sizeof(wchar_t)));
    expect_stream(m, PR_BODY_A, third_utf8, (ULONG)strlen(third_utf8));
    printf("written and reopened: %u code points\n", (unsigned)wcslen(third));
    m->lpVtbl->Release(m);
    MAPIFreeBuffer(eid);

    inbox->lpVtbl->Release(inbox);
    store->lpVtbl->Release(store);
    EXPECT(s->lpVtbl->Logoff(s, 0, shared ? MAPI_LOGOFF_SHARED : 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("textstream ok\n");
    return 0;
}
