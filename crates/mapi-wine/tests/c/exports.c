/* Every mapi32 name pywin32 312 looks up (crates/mapi-abi/abi/pywin32-mapi32.txt),
 * imported through mapi32.dll (the bridge's forwarder): the program takes the address of
 * each import, so it would not even load if one were missing, and GetProcAddress must
 * find each too. Then the real implementations on small inputs and the documented
 * failures of the unsupported ones. One line per check; "done" when all held. */
#include <windows.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapival.h>
#include <mapinls.h>
#include <imessage.h>
#include <stdio.h>
#include <string.h>

#define NAMES \
    X(BuildDisplayTable) \
    X(ChangeIdleRoutine) \
    X(CloseIMsgSession) \
    X(CreateIProp) \
    X(CreateTable) \
    X(DeinitMapiUtil) \
    X(DeregisterIdleRoutine) \
    X(EnableIdleRoutine) \
    X(FBadColumnSet) \
    X(FBadEntryList) \
    X(FBadProp) \
    X(FBadPropTag) \
    X(FBadRestriction) \
    X(FBadRglpNameID) \
    X(FBadRglpszW) \
    X(FBadRow) \
    X(FBadRowSet) \
    X(FBadSortOrderSet) \
    X(FBinFromHex) \
    X(FEqualNames) \
    X(FGetComponentPath) \
    X(FPropCompareProp) \
    X(FPropContainsProp) \
    X(FPropExists) \
    X(FreePadrlist) \
    X(FreeProws) \
    X(FtAdcFt) \
    X(FtAddFt) \
    X(FtMulDw) \
    X(FtMulDwDw) \
    X(FtNegFt) \
    X(FtSubFt) \
    X(FtgRegisterIdleRoutine) \
    X(GetAttribIMsgOnIStg) \
    X(GetTnefStreamCodepage) \
    X(HexFromBin) \
    X(HrAddColumns) \
    X(HrAddColumnsEx) \
    X(HrAllocAdviseSink) \
    X(HrComposeEID) \
    X(HrComposeMsgID) \
    X(HrDecomposeEID) \
    X(HrDecomposeMsgID) \
    X(HrDispatchNotifications) \
    X(HrEntryIDFromSz) \
    X(HrGetOneProp) \
    X(HrIStorageFromStream) \
    X(HrQueryAllRows) \
    X(HrSetOneProp) \
    X(HrSzFromEntryID) \
    X(HrThisThreadAdviseSink) \
    X(HrValidateIPMSubtree) \
    X(IsBadBoundedStringPtr) \
    X(LPropCompareProp) \
    X(LaunchWizard) \
    X(LpValFindProp) \
    X(MAPIAddress) \
    X(MAPIAdminProfiles) \
    X(MAPIAllocateBuffer) \
    X(MAPIAllocateMore) \
    X(MAPIDeinitIdle) \
    X(MAPIDeleteMail) \
    X(MAPIDetails) \
    X(MAPIFindNext) \
    X(MAPIFreeBuffer) \
    X(MAPIGetDefaultMalloc) \
    X(MAPIInitIdle) \
    X(MAPIInitialize) \
    X(MAPILogoff) \
    X(MAPILogon) \
    X(MAPILogonEx) \
    X(MAPIOpenFormMgr) \
    X(MAPIOpenLocalFormContainer) \
    X(MAPIReadMail) \
    X(MAPIResolveName) \
    X(MAPISaveMail) \
    X(MAPISendDocuments) \
    X(MAPISendMail) \
    X(MAPIUninitialize) \
    X(MNLS_CompareStringW) \
    X(MNLS_IsBadStringPtrW) \
    X(MNLS_MultiByteToWideChar) \
    X(MNLS_WideCharToMultiByte) \
    X(MNLS_lstrcmpW) \
    X(MNLS_lstrcpyW) \
    X(MNLS_lstrlenW) \
    X(MapStorageSCode) \
    X(OpenIMsgOnIStg) \
    X(OpenIMsgSession) \
    X(OpenStreamOnFile) \
    X(OpenTnefStream) \
    X(OpenTnefStreamEx) \
    X(PpropFindProp) \
    X(PropCopyMore) \
    X(RTFSync) \
    X(ScBinFromHexBounded) \
    X(ScCopyNotifications) \
    X(ScCopyProps) \
    X(ScCountNotifications) \
    X(ScCountProps) \
    X(ScCreateConversationIndex) \
    X(ScDupPropset) \
    X(ScInitMapiUtil) \
    X(ScLocalPathFromUNC) \
    X(ScMAPIXFromSMAPI) \
    X(ScRelocNotifications) \
    X(ScRelocProps) \
    X(ScUNCFromLocalPath) \
    X(SetAttribIMsgOnIStg) \
    X(SzFindCh) \
    X(SzFindLastCh) \
    X(SzFindSz) \
    X(UFromSz) \
    X(UlAddRef) \
    X(UlFromSzHex) \
    X(UlPropSize) \
    X(UlRelease) \
    X(WrapCompressedRTFStream) \
    X(WrapStoreEntryID) \
    X(__CPPValidateParameters) \
    X(__ValidateParameters) \

#define X(n) extern void *__imp_##n;
NAMES
#undef X
#define X(n) {#n, &__imp_##n},
static const struct { const char *name; void **imp; } names[] = {NAMES};
#undef X

/* Not declared by mingw's headers. */
LONGLONG WINAPI FtAdcFt(LONGLONG a, LONGLONG b, WORD *carry);
ULONG WINAPI MAPISendDocuments(ULONG_PTR ui, LPSTR delim, LPSTR paths, LPSTR names, ULONG r);
ULONG WINAPI MAPIAddress(LHANDLE ses, ULONG_PTR ui, LPSTR cap, ULONG nedit, LPSTR labels, ULONG n, void *recips,
                         FLAGS fl, ULONG r, ULONG *nnew, void **newr);
WINBOOL WINAPI IsBadBoundedStringPtr(const void *lpsz, UINT cchMax);
#define MAPI_E_NOT_SUPPORTED 26       /* Simple MAPI's, from mapi.h */

static int failed;

static void expect(const char *what, int ok)
{
    printf("%s %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) failed = 1;
}

int main(void)
{
    HMODULE mapi32 = GetModuleHandleA("mapi32.dll");
    unsigned i, found = 0;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (*names[i].imp && mapi32 && GetProcAddress(mapi32, names[i].name)) found++;
        else printf("missing %s\n", names[i].name);
    }
    printf("imported %u of %u\n", found, (unsigned)(sizeof names / sizeof names[0]));
    if (found != sizeof names / sizeof names[0]) failed = 1;
    if (MAPIInitialize(NULL)) return 1;

    {   /* Comparisons. */
        static WCHAR hello[] = L"Hello World", world[] = L"WORLD", hel[] = L"Hel";
        SPropValue a, b, c;
        a.ulPropTag = PR_SUBJECT_W; a.Value.lpszW = hello;
        b.ulPropTag = PR_SUBJECT_W; b.Value.lpszW = world;
        c.ulPropTag = PR_SUBJECT_W; c.Value.lpszW = hel;
        expect("FPropContainsProp substring ignorecase", FPropContainsProp(&a, &b, FL_SUBSTRING | FL_IGNORECASE));
        expect("FPropContainsProp substring case", !FPropContainsProp(&a, &b, FL_SUBSTRING));
        expect("FPropContainsProp prefix", FPropContainsProp(&a, &c, FL_PREFIX) && !FPropContainsProp(&a, &c, FL_FULLSTRING));
        a.ulPropTag = PR_IMPORTANCE; a.Value.l = 1;
        b.ulPropTag = PR_IMPORTANCE; b.Value.l = 2;
        expect("FPropCompareProp", FPropCompareProp(&a, RELOP_LT, &b) && !FPropCompareProp(&a, RELOP_GE, &b) &&
                                       FPropCompareProp(&a, RELOP_NE, &b) && FPropCompareProp(&a, RELOP_EQ, &a));
        expect("FPropCompareProp types differ", !FPropCompareProp(&a, RELOP_NE, &c));
    }
    {
        static GUID g = {0x00020329, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
        static WCHAR kw[] = L"Keywords", kw2[] = L"Keywords";
        MAPINAMEID x = {&g, MNID_STRING, {0}}, y = {&g, MNID_STRING, {0}}, z = {&g, MNID_ID, {0}};
        LPMAPINAMEID rg[2] = {&x, &z};
        x.Kind.lpwstrName = kw; y.Kind.lpwstrName = kw2; z.Kind.lID = 0x8005;
        expect("FEqualNames", FEqualNames(&x, &y) && !FEqualNames(&x, &z));
        expect("FBadRglpNameID", !FBadRglpNameID(rg, 2) && FBadRglpNameID(NULL, 1));
    }
    {   /* Validators: FALSE for good input, TRUE for the obvious NULL cases. */
        static WCHAR w1[] = L"a";
        LPWSTR strs[1] = {w1};
        SizedSPropTagArray(2, cols) = {2, {PR_SUBJECT_W, PR_ENTRYID}};
        SizedSSortOrderSet(1, sos) = {1, 0, 0, {{PR_SUBJECT_W, TABLE_SORT_ASCEND}}};
        SPropValue p = {PR_SUBJECT_W, 0, {0}};
        SRow row = {0, 1, &p};
        SRestriction res;
        BYTE eid[4] = {1, 2, 3, 4};
        SBinary bin = {4, eid};
        ENTRYLIST el = {1, &bin};
        p.Value.lpszW = w1;
        memset(&res, 0, sizeof res);
        res.rt = RES_EXIST; res.res.resExist.ulPropTag = PR_SUBJECT_W;
        expect("FBadPropTag", !FBadPropTag(PR_SUBJECT_W) && FBadPropTag(PROP_TAG(0x77, 1)));
        expect("FBadProp", !FBadProp(&p) && FBadProp(NULL));
        expect("FBadRow", !FBadRow(&row) && FBadRow(NULL));
        expect("FBadColumnSet", !FBadColumnSet((LPSPropTagArray)&cols) && FBadColumnSet(NULL));
        expect("FBadSortOrderSet", !FBadSortOrderSet((LPSSortOrderSet)&sos) && FBadSortOrderSet(NULL));
        expect("FBadRestriction", !FBadRestriction(&res) && FBadRestriction(NULL));
        expect("FBadEntryList", !FBadEntryList(&el) && FBadEntryList(NULL));
        expect("FBadRglpszW", !FBadRglpszW(strs, 1) && FBadRglpszW(NULL, 1));
        expect("IsBadBoundedStringPtr", !IsBadBoundedStringPtr("abc", 4) && IsBadBoundedStringPtr("abc", 3));
        {
            SRowSet rs = {1, {{0, 1, &p}}};
            expect("FBadRowSet", !FBadRowSet(&rs) && FBadRowSet(NULL));
        }
        p.Value.lpszW = NULL;
        expect("FBadProp NULL string", FBadProp(&p) != 0);
    }
    {   /* MNLS. */
        static WCHAR buf[8], abc[] = L"abc";
        expect("MNLS", MNLS_lstrlenW(abc) == 3 && MNLS_lstrcpyW(buf, abc) == buf && !MNLS_lstrcmpW(buf, abc) &&
                          MNLS_MultiByteToWideChar(CP_ACP, 0, "xy", -1, buf, 8) == 3 && buf[1] == L'y');
    }
    {   /* Small helpers. */
        WORD carry = 1;
        LONGLONG r = FtAdcFt(-1, 1, &carry);
        BYTE b[3];
        char unc[16];
        expect("FtAdcFt", r == 1 && carry == 1);
        r = FtAdcFt(2, 3, &carry);
        expect("FtAdcFt carry in", r == 6 && carry == 0);
        expect("MapStorageSCode", MapStorageSCode(STG_E_FILENOTFOUND) == MAPI_E_NOT_FOUND &&
                                      MapStorageSCode(STG_E_INSUFFICIENTMEMORY) == MAPI_E_NOT_ENOUGH_MEMORY &&
                                      MapStorageSCode(S_OK) == S_OK);
        expect("ScBinFromHexBounded", ScBinFromHexBounded((LPTSTR) "0aFf10", b, 3) == S_OK && b[0] == 0x0A &&
                                          b[1] == 0xFF && b[2] == 0x10 &&
                                          ScBinFromHexBounded((LPTSTR) "0a0b", b, 1) == MAPI_E_INVALID_PARAMETER);
        expect("ScUNCFromLocalPath", ScUNCFromLocalPath("C:\\x", unc, sizeof unc) == S_OK && !strcmp(unc, "C:\\x"));
        expect("ScLocalPathFromUNC", ScLocalPathFromUNC("\\\\h\\s", unc, sizeof unc) == MAPI_E_NOT_FOUND);
    }
    {   /* Conversation index: a 22-byte header, then one 5-byte child block. */
        ULONG cb = 0, cb2 = 0;
        LPBYTE idx = NULL, child = NULL;
        HRESULT hr = ScCreateConversationIndex(0, NULL, &cb, &idx);
        expect("ScCreateConversationIndex", hr == S_OK && cb == 22 && idx[0] == 1);
        hr = ScCreateConversationIndex(cb, idx, &cb2, &child);
        expect("ScCreateConversationIndex child", hr == S_OK && cb2 == 27 && !memcmp(child, idx, 22) && !(child[22] & 0x80));
        expect("ScCreateConversationIndex bad parent", ScCreateConversationIndex(23, idx, &cb2, &child) == MAPI_E_INVALID_PARAMETER && !child);
        MAPIFreeBuffer(idx);
    }
    {   /* Relocation of a copied property array. */
        static WCHAR s1[] = L"Gr\x00fc\x00df";
        static BYTE eid[5] = {5, 4, 3, 2, 1};
        SPropValue v[2], *copy = NULL, *moved = NULL;
        ULONG cb = 0, cb2 = 0;
        v[0].ulPropTag = PR_SUBJECT_W; v[0].Value.lpszW = s1;
        v[1].ulPropTag = PR_ENTRYID; v[1].Value.bin.cb = 5; v[1].Value.bin.lpb = eid;
        ScCountProps(2, v, &cb);
        MAPIAllocateBuffer(cb, (void **)&copy);
        MAPIAllocateBuffer(cb, (void **)&moved);
        ScCopyProps(2, v, copy, NULL);
        memcpy(moved, copy, cb);
        expect("ScRelocProps", ScRelocProps(2, moved, copy, moved, &cb2) == S_OK && cb2 == cb &&
                                   (BYTE *)moved[0].Value.lpszW > (BYTE *)moved && !wcscmp(moved[0].Value.lpszW, s1) &&
                                   (BYTE *)moved[1].Value.bin.lpb < (BYTE *)moved + cb && !memcmp(moved[1].Value.bin.lpb, eid, 5));
        MAPIFreeBuffer(copy);
        MAPIFreeBuffer(moved);
    }
    {   /* Notifications: new mail (two entry ids, a UTF-16 class) and a table row. */
        static BYTE e1[3] = {1, 2, 3}, e2[2] = {7, 8};
        static WCHAR cls[] = L"IPM.Note";
        static WCHAR subj[] = L"Hi";
        SPropValue rp[1];
        SizedSPropTagArray(2, tags) = {2, {PR_SUBJECT_W, PR_BODY_W}};
        MAPIERROR err = {MAPI_ERROR_VERSION, (LPTSTR) "bad", (LPTSTR) "c", 5, 0};
        NOTIFICATION n[4], *copy = NULL, *moved = NULL;
        ULONG cb = 0, cb2 = 0;
        HRESULT hr;
        memset(n, 0, sizeof n);
        n[0].ulEventType = fnevNewMail;
        n[0].info.newmail.cbEntryID = 3; n[0].info.newmail.lpEntryID = (LPENTRYID)e1;
        n[0].info.newmail.cbParentID = 2; n[0].info.newmail.lpParentID = (LPENTRYID)e2;
        n[0].info.newmail.ulFlags = MAPI_UNICODE; n[0].info.newmail.lpszMessageClass = (LPTSTR)cls;
        rp[0].ulPropTag = PR_SUBJECT_W; rp[0].Value.lpszW = subj;
        n[1].ulEventType = fnevTableModified;
        n[1].info.tab.ulTableEvent = TABLE_ROW_ADDED;
        n[1].info.tab.propIndex.ulPropTag = PR_INSTANCE_KEY; n[1].info.tab.propIndex.Value.bin.cb = 3;
        n[1].info.tab.propIndex.Value.bin.lpb = e1;
        n[1].info.tab.row.cValues = 1; n[1].info.tab.row.lpProps = rp;
        n[2].ulEventType = fnevObjectModified;
        n[2].info.obj.cbEntryID = 3; n[2].info.obj.lpEntryID = (LPENTRYID)e1;
        n[2].info.obj.cbParentID = 2; n[2].info.obj.lpParentID = (LPENTRYID)e2;
        n[2].info.obj.lpPropTagArray = (LPSPropTagArray)&tags;
        n[3].ulEventType = fnevCriticalError;
        n[3].info.err.cbEntryID = 3; n[3].info.err.lpEntryID = (LPENTRYID)e1;
        n[3].info.err.scode = MAPI_E_NETWORK_ERROR; n[3].info.err.lpMAPIError = &err;
        hr = ScCountNotifications(4, n, &cb);
        /* 4 * 88; new mail 8 + 8 + 24 (class); table 8 (index) + 24 + 8 (row value, string);
           object 8 + 8 + 16 (tags); error 8 + 32 (MAPIERROR) + 8 + 8 (its strings) */
        printf("ScCountNotifications 0x%08lX cb %lu\n", (unsigned long)hr, (unsigned long)cb);
        expect("ScCountNotifications", hr == S_OK && cb == 4 * sizeof(NOTIFICATION) + 40 + 40 + 32 + 56);
        MAPIAllocateBuffer(cb, (void **)&copy);
        MAPIAllocateBuffer(cb, (void **)&moved);
        hr = ScCopyNotifications(4, n, copy, &cb2);
        expect("ScCopyNotifications", hr == S_OK && cb2 == cb && (BYTE *)copy[0].info.newmail.lpEntryID > (BYTE *)copy &&
                                          !wcscmp((LPWSTR)copy[0].info.newmail.lpszMessageClass, cls) &&
                                          (BYTE *)copy[1].info.tab.row.lpProps < (BYTE *)copy + cb &&
                                          !wcscmp(copy[1].info.tab.row.lpProps[0].Value.lpszW, subj) &&
                                          copy[1].info.tab.row.lpProps[0].Value.lpszW != subj &&
                                          copy[2].info.obj.lpPropTagArray->aulPropTag[1] == PR_BODY_W &&
                                          (BYTE *)copy[2].info.obj.lpPropTagArray > (BYTE *)copy &&
                                          !strcmp((char *)copy[3].info.err.lpMAPIError->lpszError, "bad") &&
                                          copy[3].info.err.lpMAPIError->ulLowLevelError == 5 &&
                                          (BYTE *)copy[3].info.err.lpMAPIError->lpszComponent < (BYTE *)copy + cb);
        memcpy(moved, copy, cb);
        memset(copy, 0xCC, cb);
        hr = ScRelocNotifications(4, moved, copy, moved, &cb2);
        expect("ScRelocNotifications", hr == S_OK && cb2 == cb && !memcmp(moved[0].info.newmail.lpParentID, e2, 2) &&
                                           !wcscmp((LPWSTR)moved[0].info.newmail.lpszMessageClass, cls) &&
                                           !memcmp(moved[1].info.tab.propIndex.Value.bin.lpb, e1, 3) &&
                                           !wcscmp(moved[1].info.tab.row.lpProps[0].Value.lpszW, subj) &&
                                           moved[2].info.obj.lpPropTagArray->aulPropTag[0] == PR_SUBJECT_W &&
                                           !strcmp((char *)moved[3].info.err.lpMAPIError->lpszComponent, "c"));
        MAPIFreeBuffer(copy);
        MAPIFreeBuffer(moved);
    }
    {   /* Bad input is refused, never dereferenced. */
        ULONG cb = 7;
        SPropValue pv = {PROP_TAG(0x77, 1), 0, {0}};
        expect("NULL and bad input", ScCountNotifications(-1, NULL, &cb) == MAPI_E_INVALID_PARAMETER && cb == 7 &&
                                         ScRelocProps(1, NULL, NULL, NULL, &cb) == MAPI_E_INVALID_PARAMETER &&
                                         !FEqualNames(NULL, NULL) && !FPropContainsProp(NULL, NULL, 0) &&
                                         !FPropCompareProp(NULL, RELOP_EQ, NULL) && FBadProp(&pv) &&
                                         HrAddColumns(NULL, NULL, NULL, NULL) == MAPI_E_INVALID_PARAMETER &&
                                         ScCreateConversationIndex(0, NULL, NULL, NULL) == MAPI_E_INVALID_PARAMETER);
    }
    {   /* Unsupported: the documented failure, out-pointers cleared. */
        LPPROPDATA pd = (LPPROPDATA)1;
        LPMAPITABLE t = (LPMAPITABLE)1;
        LPTABLEDATA td = (LPTABLEDATA)1;
        ULONG nnew = 1;
        void *newr = (void *)1;
        LPSTORAGE stg = (LPSTORAGE)1;
        expect("CreateIProp", CreateIProp(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL, &pd) == MAPI_E_NO_SUPPORT && !pd);
        expect("BuildDisplayTable", BuildDisplayTable(MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL, NULL, 0, NULL, 0, &t, &td) == MAPI_E_NO_SUPPORT && !t && !td);
        expect("HrIStorageFromStream", HrIStorageFromStream(NULL, NULL, 0, &stg) == MAPI_E_NO_SUPPORT && !stg);
        expect("MAPISendDocuments", MAPISendDocuments(0, ";", "C:\\x.txt", "x.txt", 0) == MAPI_E_NOT_SUPPORTED);
        expect("MAPIAddress", MAPIAddress(0, 0, NULL, 1, NULL, 0, NULL, 0, 0, &nnew, &newr) == MAPI_E_NOT_SUPPORTED &&
                                  !nnew && !newr);
        expect("FtgRegisterIdleRoutine", FtgRegisterIdleRoutine(NULL, NULL, 0, 0, 0) == NULL);
    }
    MAPIUninitialize();
    if (!failed) printf("done\n");
    return failed;
}
