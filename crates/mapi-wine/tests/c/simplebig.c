/* A Simple MAPI client reading a message whose body is larger than GetProps hands back
 * (`simplebig.exe PROFILE`): logs on to PROFILE by name, finds the first Inbox message,
 * reads it whole, as envelope only, and with the note text as a file (MAPI_BODY_AS_FILE).
 * Prints one line per step. */
#include <windows.h>
#include <mapi.h>
#include <stdio.h>
#include <string.h>

ULONG WINAPI MAPIFreeBuffer(LPVOID);

static size_t count_x(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++) n += *s == 'x';
    return n;
}

int main(int argc, char **argv)
{
    LHANDLE h = 0;
    lpMapiMessage m = NULL;
    char id[512];
    ULONG rc;
    if (argc != 2) return 2;
    printf("MAPILogon %lu\n", (unsigned long)MAPILogon(0, argv[1], NULL, MAPI_NEW_SESSION, 0, &h));
    printf("MAPIFindNext %lu\n", (unsigned long)(rc = MAPIFindNext(h, 0, "IPM.Note", NULL, MAPI_LONG_MSGID, 0, id)));
    if (rc) return 1;
    rc = MAPIReadMail(h, 0, id, MAPI_PEEK, 0, &m);
    printf("MAPIReadMail %lu\n", (unsigned long)rc);
    if (rc) return 1;
    printf("subject: %s | note x: %u | files %lu\n", m->lpszSubject, (unsigned)count_x(m->lpszNoteText),
           (unsigned long)m->nFileCount);
    MAPIFreeBuffer(m);
    rc = MAPIReadMail(h, 0, id, MAPI_PEEK | MAPI_ENVELOPE_ONLY, 0, &m);
    printf("envelope %lu | note %s\n", (unsigned long)rc, !rc && !m->lpszNoteText ? "none" : "given");
    if (!rc) MAPIFreeBuffer(m);
    rc = MAPIReadMail(h, 0, id, MAPI_PEEK | MAPI_BODY_AS_FILE, 0, &m);
    printf("body as file %lu\n", (unsigned long)rc);
    if (!rc) {
        static char text[1 << 20];
        DWORD got = 0;
        HANDLE f = m->nFileCount ? CreateFileA(m->lpFiles[0].lpszPathName, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL)
                                 : INVALID_HANDLE_VALUE;
        if (f != INVALID_HANDLE_VALUE) {
            ReadFile(f, text, sizeof text - 1, &got, NULL);
            CloseHandle(f);
            DeleteFileA(m->lpFiles[0].lpszPathName);
        }
        text[got] = 0;
        printf("note file x: %u | note %s | position %ld\n", (unsigned)count_x(text), m->lpszNoteText ? "given" : "none",
               m->nFileCount ? (long)m->lpFiles[0].nPosition : 0L);
        MAPIFreeBuffer(m);
    }
    printf("MAPILogoff %lu\n", (unsigned long)MAPILogoff(h, 0, 0, 0));
    printf("done\n");
    return 0;
}
