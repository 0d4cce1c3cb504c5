/* mapiutil's property copiers on Windows layouts, through mapi32.dll (the bridge's
 * forwarder): ScCountProps, ScCopyProps and PropCopyMore over values of every kind of
 * storage (fixed, ANSI, UTF-16 beyond ASCII, binary, CLSID, multi-valued UTF-16 and
 * binary). Prints one line per check; "done" when all held. */
#include <windows.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <stdio.h>
#include <string.h>

static int failed;

static void expect(const char *what, int ok)
{
    printf("%s %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) failed = 1;
}

static int inside(const void *p, const void *base, ULONG cb)
{
    return (const BYTE *)p >= (const BYTE *)base && (const BYTE *)p < (const BYTE *)base + cb;
}

int main(void)
{
    static WCHAR gruss[] = L"Gr\x00fc\x00df" L"e";         /* 5 units + NUL: 12 bytes */
    static WCHAR a[] = L"a", bc[] = L"bc";
    static LPWSTR mv[] = {a, bc};
    static BYTE bin[3] = {1, 2, 3}, b2[9] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    static SBinary bins[2] = {{3, bin}, {9, b2}};
    static GUID guid = {0x12345678, 0x9abc, 0xdef0, {1, 2, 3, 4, 5, 6, 7, 8}};
    SPropValue v[7], *copy = NULL, *root = NULL, one;
    ULONG cb = 0, used = 0;
    HRESULT hr;
    if (MAPIInitialize(NULL)) return 1;
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_IMPORTANCE;            v[0].Value.l = 2;
    v[1].ulPropTag = PR_SUBJECT_W;             v[1].Value.lpszW = gruss;
    v[2].ulPropTag = PR_ENTRYID;               v[2].Value.bin.cb = 3; v[2].Value.bin.lpb = bin;
    v[3].ulPropTag = PR_MESSAGE_CLASS_A;       v[3].Value.lpszA = "abc";
    v[4].ulPropTag = PROP_TAG(PT_MV_UNICODE, 0x8001); v[4].Value.MVszW.cValues = 2; v[4].Value.MVszW.lppszW = mv;
    v[5].ulPropTag = PROP_TAG(PT_CLSID, 0x8002); v[5].Value.lpguid = &guid;
    v[6].ulPropTag = PROP_TAG(PT_MV_BINARY, 0x8003); v[6].Value.MVbin.cValues = 2; v[6].Value.MVbin.lpbin = bins;

    /* 7 values of 24 bytes; data: 16 + 8 + 8 + (16 + 8 + 8) + 16 + (32 + 8 + 16). */
    hr = ScCountProps(7, v, &cb);
    printf("ScCountProps 0x%08lX cb %lu\n", (unsigned long)hr, (unsigned long)cb);
    expect("count", hr == S_OK && cb == 7 * 24 + 16 + 8 + 8 + 32 + 16 + 56);
    v[2].Value.bin.lpb = NULL;
    expect("count refuses binary without data", ScCountProps(7, v, &cb) == MAPI_E_INVALID_PARAMETER);
    v[2].Value.bin.lpb = bin;
    ScCountProps(7, v, &cb);

    if (MAPIAllocateBuffer(cb, (void **)&copy)) return 1;
    hr = ScCopyProps(7, v, copy, &used);
    printf("ScCopyProps 0x%08lX used %lu\n", (unsigned long)hr, (unsigned long)used);
    expect("copy size", hr == S_OK && used == cb);
    expect("copy long", copy[0].ulPropTag == PR_IMPORTANCE && copy[0].Value.l == 2);
    expect("copy unicode", copy[1].Value.lpszW != gruss && inside(copy[1].Value.lpszW, copy, cb) &&
                               !wcscmp(copy[1].Value.lpszW, gruss));
    expect("copy binary", inside(copy[2].Value.bin.lpb, copy, cb) && copy[2].Value.bin.cb == 3 &&
                              !memcmp(copy[2].Value.bin.lpb, bin, 3));
    expect("copy ansi", inside(copy[3].Value.lpszA, copy, cb) && !strcmp(copy[3].Value.lpszA, "abc"));
    expect("copy mv unicode", inside(copy[4].Value.MVszW.lppszW, copy, cb) &&
                                  inside(copy[4].Value.MVszW.lppszW[1], copy, cb) &&
                                  !wcscmp(copy[4].Value.MVszW.lppszW[1], bc));
    expect("copy clsid", inside(copy[5].Value.lpguid, copy, cb) && IsEqualGUID(copy[5].Value.lpguid, &guid));
    expect("copy mv binary", inside(copy[6].Value.MVbin.lpbin[1].lpb, copy, cb) &&
                                 !memcmp(copy[6].Value.MVbin.lpbin[1].lpb, b2, 9));
    expect("copy aligned", ((ULONG_PTR)copy[1].Value.lpszW & 7) == 0 && ((ULONG_PTR)copy[2].Value.bin.lpb & 7) == 0 &&
                               ((ULONG_PTR)copy[6].Value.MVbin.lpbin[1].lpb & 7) == 0);

    if (MAPIAllocateBuffer(8, (void **)&root)) return 1;
    hr = PropCopyMore(&one, &v[4], MAPIAllocateMore, root);
    printf("PropCopyMore 0x%08lX\n", (unsigned long)hr);
    expect("copy more", hr == S_OK && one.Value.MVszW.cValues == 2 && one.Value.MVszW.lppszW != mv &&
                            !wcscmp(one.Value.MVszW.lppszW[0], a) && !wcscmp(one.Value.MVszW.lppszW[1], bc));
    hr = PropCopyMore(&one, &v[0], MAPIAllocateMore, root);
    expect("copy more long", hr == S_OK && one.Value.l == 2);
    MAPIFreeBuffer(root);
    MAPIFreeBuffer(copy);

    {
        LPSPropValue dup = NULL;
        FILETIME x = {0xFFFFFFF0u, 1}, y = {0x20, 2}, z;
        hr = ScDupPropset(7, v, MAPIAllocateBuffer, &dup);
        expect("dup", hr == S_OK && dup && dup[1].Value.lpszW != gruss && !wcscmp(dup[1].Value.lpszW, gruss) &&
                          !memcmp(dup[6].Value.MVbin.lpbin[0].lpb, bin, 3));
        expect("find by id", LpValFindProp(PROP_TAG(PT_STRING8, 0x0037), 7, v) == &v[1] &&
                                 LpValFindProp(PR_BODY_W, 7, v) == NULL);
        MAPIFreeBuffer(dup);
        z = FtAddFt(x, y);
        expect("FtAddFt", z.dwLowDateTime == 0x10 && z.dwHighDateTime == 4);
        z = FtSubFt(z, y);
        expect("FtSubFt", z.dwLowDateTime == x.dwLowDateTime && z.dwHighDateTime == 1);
        z = FtMulDwDw(0x10000, 0x10000);
        expect("FtMulDwDw", z.dwLowDateTime == 0 && z.dwHighDateTime == 1);
        z = FtMulDw(3, y);
        expect("FtMulDw", z.dwLowDateTime == 0x60 && z.dwHighDateTime == 6);
        expect("UFromSz", UFromSz("4711x") == 4711 && UlFromSzHex("1aF") == 0x1AF);
        {
            static CHAR abc[] = "a.b.c";
            expect("SzFind", SzFindCh(abc, '.') == abc + 1 && SzFindLastCh(abc, '.') == abc + 3 &&
                                 SzFindSz(abc, "b.") == abc + 2);
        }
    }
    MAPIUninitialize();
    if (!failed) printf("done\n");
    return failed;
}
