// Folders, messages and streams from C++ (p->Method(...)): the Inbox through
// GetReceiveFolder + OpenEntry, its contents table, the newest message's body through
// OpenProperty + Read, and a message made in the Inbox with SetProps and CreateAttach.
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapiguid.h>
#include <cstdio>
#include <cstring>
#include <string>

#define EXPECT(expr, want)                                                              \
    do {                                                                                \
        HRESULT got_ = (expr);                                                          \
        if (got_ != (HRESULT)(want)) {                                                  \
            std::fprintf(stderr, "line %d: %s = 0x%08X\n", __LINE__, #expr, (unsigned)got_); \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

int main() {
    EXPECT(MAPIInitialize(nullptr), S_OK);
    LPMAPISESSION s = nullptr;
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", nullptr, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s), S_OK);
    LPMAPITABLE stores = nullptr;
    EXPECT(s->GetMsgStoresTable(0, &stores), S_OK);
    SizedSPropTagArray(2, scols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    LPSRowSet rows = nullptr;
    EXPECT(HrQueryAllRows(stores, (LPSPropTagArray)&scols, nullptr, nullptr, 0, &rows), S_OK);
    LPMDB store = nullptr;
    for (ULONG i = 0; i < rows->cRows; i++)
        if (rows->aRow[i].lpProps[1].Value.b)
            EXPECT(s->OpenMsgStore(0, rows->aRow[i].lpProps[0].Value.bin.cb,
                                   (LPENTRYID)rows->aRow[i].lpProps[0].Value.bin.lpb, nullptr,
                                   MAPI_BEST_ACCESS, &store),
                   S_OK);
    FreeProws(rows);
    stores->Release();

    ULONG cb = 0, type = 0;
    LPENTRYID eid = nullptr;
    EXPECT(store->GetReceiveFolder((LPTSTR) "", 0, &cb, &eid, nullptr), S_OK);
    LPMAPIFOLDER inbox = nullptr;
    EXPECT(store->OpenEntry(cb, eid, &IID_IMAPIFolder, MAPI_MODIFY, &type, (LPUNKNOWN *)&inbox), S_OK);
    MAPIFreeBuffer(eid);
    if (type != MAPI_FOLDER) return 1;

    LPMAPITABLE t = nullptr;
    EXPECT(inbox->GetContentsTable(0, &t), S_OK);
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_SUBJECT_A}};
    EXPECT(t->SetColumns((LPSPropTagArray)&cols, 0), S_OK);
    SSortOrderSet sort = {1, 0, 0, {{PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND}}};
    EXPECT(t->SortTable(&sort, 0), S_OK);
    EXPECT(t->QueryRows(1, 0, &rows), S_OK);
    if (rows->cRows != 1) return 1;
    LPMESSAGE m = nullptr;
    EXPECT(inbox->OpenEntry(rows->aRow[0].lpProps[0].Value.bin.cb,
                            (LPENTRYID)rows->aRow[0].lpProps[0].Value.bin.lpb, nullptr, 0, &type,
                            (LPUNKNOWN *)&m),
           S_OK);
    std::printf("c++ newest: %s\n", rows->aRow[0].lpProps[1].Value.lpszA);
    FreeProws(rows);
    t->Release();

    LPSTREAM body = nullptr;
    EXPECT(m->OpenProperty(PR_BODY_A, &IID_IStream, 0, 0, (LPUNKNOWN *)&body), S_OK);
    std::string text;
    char buf[7];
    ULONG got = 0;
    do {
        EXPECT(body->Read(buf, sizeof buf, &got), S_OK);
        text.append(buf, got);
    } while (got > 0);
    std::printf("c++ body: %s", text.c_str());
    body->Release();
    m->Release();

    // A message made here, with an attachment written through a stream.
    LPMESSAGE n = nullptr;
    EXPECT(inbox->CreateMessage(nullptr, 0, &n), S_OK);
    SPropValue p[1];
    p[0].ulPropTag = PR_SUBJECT_A;
    p[0].Value.lpszA = (char *)"Made from C++";
    EXPECT(n->SetProps(1, p, nullptr), S_OK);
    ULONG num = 0;
    LPATTACH a = nullptr;
    EXPECT(n->CreateAttach(nullptr, 0, &num, &a), S_OK);
    p[0].ulPropTag = PR_ATTACH_METHOD;
    p[0].Value.l = ATTACH_BY_VALUE;
    EXPECT(a->SetProps(1, p, nullptr), S_OK);
    LPSTREAM as = nullptr;
    EXPECT(a->OpenProperty(PR_ATTACH_DATA_BIN, &IID_IStream, 0, MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&as), S_OK);
    ULONG w = 0;
    EXPECT(as->Write("xyz", 3, &w), S_OK);
    EXPECT(as->Commit(0), S_OK);
    STATSTG st;
    EXPECT(as->Stat(&st, STATFLAG_NONAME), S_OK);
    as->Release();
    EXPECT(a->SaveChanges(0), S_OK);
    a->Release();
    EXPECT(n->SaveChanges(0), S_OK);
    n->Release();
    std::printf("c++ attachment %u of %u bytes\n", num, (unsigned)st.cbSize.QuadPart);

    // The Inbox opened afresh counts the new message (an open folder keeps the values
    // it was opened with).
    EXPECT(store->GetReceiveFolder((LPTSTR) "", 0, &cb, &eid, nullptr), S_OK);
    LPMAPIFOLDER fresh = nullptr;
    EXPECT(store->OpenEntry(cb, eid, nullptr, 0, &type, (LPUNKNOWN *)&fresh), S_OK);
    MAPIFreeBuffer(eid);
    ULONG count = 0;
    SizedSPropTagArray(1, cc) = {1, {PR_CONTENT_COUNT}};
    LPSPropValue v = nullptr;
    EXPECT(fresh->GetProps((LPSPropTagArray)&cc, 0, &count, &v), S_OK);
    std::printf("c++ inbox count %d\n", v[0].Value.l);
    MAPIFreeBuffer(v);
    fresh->Release();
    inbox->Release();
    store->Release();
    EXPECT(s->Logoff(0, 0, 0), S_OK);
    s->Release();
    MAPIUninitialize();
    std::printf("c++ objects ok\n");
    return 0;
}
