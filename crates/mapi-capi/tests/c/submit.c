/* Sends a message the MAPI way from C: CreateMessage in the default store's Outbox,
 * SetProps, ModifyRecipients, CreateAttach with a 70,000-byte attachment written
 * through a stream, SubmitMessage. Usage: submit PROFILE TO SUBJECT. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapiguid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPECT(expr, want)                                                          \
    do {                                                                            \
        HRESULT got_ = (expr);                                                      \
        if (got_ != (HRESULT)(want)) {                                              \
            fprintf(stderr, "line %d: %s = 0x%08X, expected 0x%08X\n", __LINE__,    \
                    #expr, (unsigned)got_, (unsigned)(want));                       \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

#define BYTES 70000

int main(int argc, char **argv) {
    LPMAPISESSION s = NULL;
    LPMDB store = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    LPMAPIFOLDER outbox = NULL;
    LPMESSAGE m = NULL;
    LPATTACH a = NULL;
    LPSTREAM st = NULL;
    LPSPropValue v = NULL;
    LPADRLIST list = NULL;
    ULONG n = 0, type = 0, num = 0, w = 0;
    SizedSPropTagArray(2, scols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    SizedSPropTagArray(1, ob) = {1, {PR_IPM_OUTBOX_ENTRYID}};
    SPropValue p[3];
    unsigned char *data = malloc(BYTES);
    if (argc != 4) return 2;
    for (ULONG i = 0; i < BYTES; i++) data[i] = (unsigned char)((i * 7 + 3) & 0xFF);

    EXPECT(MAPIInitialize(NULL), S_OK);
    EXPECT(MAPILogonEx(0, (LPTSTR)argv[1], NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s),
           S_OK);
    EXPECT(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    EXPECT(HrQueryAllRows(t, (LPSPropTagArray)&scols, NULL, NULL, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows; i++)
        if (rows->aRow[i].lpProps[1].Value.b)
            EXPECT(s->lpVtbl->OpenMsgStore(s, 0, rows->aRow[i].lpProps[0].Value.bin.cb,
                                           (LPENTRYID)rows->aRow[i].lpProps[0].Value.bin.lpb,
                                           NULL, MAPI_BEST_ACCESS, &store),
                   S_OK);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    if (!store) return 3;

    EXPECT(store->lpVtbl->GetProps(store, (LPSPropTagArray)&ob, 0, &n, &v), S_OK);
    EXPECT(store->lpVtbl->OpenEntry(store, v[0].Value.bin.cb, (LPENTRYID)v[0].Value.bin.lpb,
                                    NULL, MAPI_MODIFY, &type, (LPUNKNOWN *)&outbox),
           S_OK);
    MAPIFreeBuffer(v);
    if (type != MAPI_FOLDER) return 4;

    EXPECT(outbox->lpVtbl->CreateMessage(outbox, NULL, 0, &m), S_OK);
    p[0].ulPropTag = PR_SUBJECT_A;
    p[0].Value.lpszA = argv[3];
    p[1].ulPropTag = PR_BODY_A;
    p[1].Value.lpszA = (char *)"Sent by a C program through libmapi.\r\n";
    p[2].ulPropTag = PR_MESSAGE_CLASS_A;
    p[2].Value.lpszA = (char *)"IPM.Note";
    EXPECT(m->lpVtbl->SetProps(m, 3, p, NULL), S_OK);

    EXPECT(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&list), S_OK);
    list->cEntries = 1;
    list->aEntries[0].ulReserved1 = 0;
    list->aEntries[0].cValues = 4;
    EXPECT(MAPIAllocateMore(4 * sizeof(SPropValue), list,
                            (void **)&list->aEntries[0].rgPropVals),
           S_OK);
    list->aEntries[0].rgPropVals[0].ulPropTag = PR_RECIPIENT_TYPE;
    list->aEntries[0].rgPropVals[0].Value.l = MAPI_TO;
    list->aEntries[0].rgPropVals[1].ulPropTag = PR_DISPLAY_NAME_A;
    list->aEntries[0].rgPropVals[1].Value.lpszA = argv[2];
    list->aEntries[0].rgPropVals[2].ulPropTag = PR_EMAIL_ADDRESS_A;
    list->aEntries[0].rgPropVals[2].Value.lpszA = argv[2];
    list->aEntries[0].rgPropVals[3].ulPropTag = PR_ADDRTYPE_A;
    list->aEntries[0].rgPropVals[3].Value.lpszA = (char *)"SMTP";
    EXPECT(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, list), S_OK);
    MAPIFreeBuffer(list);

    EXPECT(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    p[0].ulPropTag = PR_ATTACH_METHOD;
    p[0].Value.l = ATTACH_BY_VALUE;
    p[1].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
    p[1].Value.lpszA = (char *)"pattern.bin";
    EXPECT(a->lpVtbl->SetProps(a, 2, p, NULL), S_OK);
    EXPECT(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0,
                                   MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&st),
           S_OK);
    EXPECT(st->lpVtbl->Write(st, data, BYTES, &w), S_OK);
    if (w != BYTES) return 5;
    EXPECT(st->lpVtbl->Commit(st, 0), S_OK);
    st->lpVtbl->Release(st);
    EXPECT(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);

    EXPECT(m->lpVtbl->SubmitMessage(m, 0x100), MAPI_E_UNKNOWN_FLAGS);
    EXPECT(m->lpVtbl->SubmitMessage(m, FORCE_SUBMIT), S_OK);
    m->lpVtbl->Release(m);
    printf("submitted: %s\n", argv[3]);

    outbox->lpVtbl->Release(outbox);
    store->lpVtbl->Release(store);
    EXPECT(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    free(data);
    return 0;
}
