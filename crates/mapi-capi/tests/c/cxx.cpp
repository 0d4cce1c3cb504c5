// The same objects from C++: interfaces are abstract structs, methods called as
// p->Method(...).
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <cstdio>

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
    LPMAPITABLE t = nullptr;
    EXPECT(s->GetStatusTable(0, &t), S_OK);
    ULONG n = 0;
    EXPECT(t->GetRowCount(0, &n), S_OK);
    LPSRowSet rows = nullptr;
    SizedSPropTagArray(1, cols) = {1, {PR_DISPLAY_NAME_A}};
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&cols, nullptr, nullptr, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows; i++)
        std::printf("c++ status: %s\n", rows->aRow[i].lpProps[0].Value.lpszA);
    bool same = rows->cRows == n;
    FreeProws(rows);
    IUnknown *u = nullptr;
    EXPECT(t->QueryInterface(IID_IUnknown, (void **)&u), S_OK);
    u->Release();
    t->Release();
    EXPECT(s->Logoff(0, 0, 0), S_OK);
    s->Release();
    MAPIUninitialize();
    std::printf("c++ ok %s\n", same ? "rows=count" : "rows!=count");
    return same ? 0 : 1;
}
