/* A Windows Simple MAPI client in C, built with mingw-w64 and linked against mapi32.dll
 * (the bridge's forwarder): `simple.exe SUBJECT ATTACHMENT WAIT_FOR DELETE`.
 * Checks bad handles, logs on to the default profile, resolves names, sends SUBJECT (a
 * UTF-16 command-line argument) with MAPISendMailW to bob with the file ATTACHMENT, sends
 * an 8-bit message with an implicit logon, walks the Inbox with MAPIFindNext (until a
 * message with subject WAIT_FOR and the copy of the sent one, CC to alice, are there)
 * reading each with MAPIReadMail and comparing attachments with ATTACHMENT, deletes the
 * message with subject DELETE, checks MAPI_UNREAD_ONLY after a read without MAPI_PEEK,
 * logs off. Prints UTF-8, one line per step. */
#include <windows.h>
#include <mapi.h>
#include <shellapi.h>
#include <stdio.h>
#include <string.h>

#ifndef MAPI_E_INVALID_SESSION
#define MAPI_E_INVALID_SESSION 19
#endif

/* Not in mingw's mapi.h. */
typedef struct { ULONG ulReserved, flFlags, nPosition; PWSTR lpszPathName, lpszFileName; PVOID lpFileType; } MapiFileDescW;
typedef struct { ULONG ulReserved, ulRecipClass; PWSTR lpszName, lpszAddress; ULONG ulEIDSize; PVOID lpEntryID; } MapiRecipDescW;
typedef struct {
    ULONG ulReserved;
    PWSTR lpszSubject, lpszNoteText, lpszMessageType, lpszDateReceived, lpszConversationID;
    FLAGS flFlags;
    MapiRecipDescW *lpOriginator;
    ULONG nRecipCount;
    MapiRecipDescW *lpRecips;
    ULONG nFileCount;
    MapiFileDescW *lpFiles;
} MapiMessageW;
ULONG WINAPI MAPISendMailW(LHANDLE, ULONG_PTR, MapiMessageW *, FLAGS, ULONG);
ULONG WINAPI MAPIFreeBuffer(LPVOID);

/* 8-bit (ANSI code page) text as UTF-8, without trailing line ends (8 at a time). */
static const char *utf8(const char *ansi)
{
    static char out[8][2048];
    static int k;
    WCHAR w[1024];
    char *o = out[k++ % 8];
    size_t n;
    if (!ansi) return "(null)";
    if (!MultiByteToWideChar(CP_ACP, 0, ansi, -1, w, 1024) || !WideCharToMultiByte(CP_UTF8, 0, w, -1, o, 2048, NULL, NULL))
        return "(unconvertible)";
    for (n = strlen(o); n && (o[n - 1] == '\n' || o[n - 1] == '\r'); n--) o[n - 1] = 0;
    return o;
}

static const char *wutf8(const WCHAR *w)
{
    static char out[2048];
    if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, out, sizeof out, NULL, NULL)) return "(unconvertible)";
    return out;
}

static void say(const char *what, ULONG rc)
{
    printf("%s %lu\n", what, (unsigned long)rc);
    fflush(stdout);
}

/* What one walk of the Inbox found. */
struct walk {
    char want_id[512], delete_id[512];
    int with_file; /* a message whose attachment came back byte for byte */
};

/* 1 when the files are the same bytes. */
static int same_file(const char *path, const WCHAR *original)
{
    static char a[1 << 20], b[1 << 20];
    DWORD na = 0, nb = 0;
    HANDLE fa = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE fb = CreateFileW(original, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    int same = fa != INVALID_HANDLE_VALUE && fb != INVALID_HANDLE_VALUE && ReadFile(fa, a, sizeof a, &na, NULL) &&
               ReadFile(fb, b, sizeof b, &nb, NULL) && na == nb && na < sizeof a && !memcmp(a, b, na);
    if (fa != INVALID_HANDLE_VALUE) CloseHandle(fa);
    if (fb != INVALID_HANDLE_VALUE) CloseHandle(fb);
    return same;
}

/* Walks the Inbox (MAPIFindNext with FLAGS, MAPIReadMail of each, attachments compared
 * with ORIGINAL then deleted); 1 when a message with subject WANT was read. */
static int walk(LHANDLE h, FLAGS flags, const char *want, const char *delete_subject, const WCHAR *original, int print,
                struct walk *w)
{
    char id[512], seed[512] = "";
    int seen = 0, n = 0;
    ULONG rc;
    memset(w, 0, sizeof *w);
    while (!(rc = MAPIFindNext(h, 0, NULL, seed[0] ? seed : NULL, flags, 0, id))) {
        lpMapiMessage m = NULL;
        ULONG i;
        strcpy(seed, id);
        if ((rc = MAPIReadMail(h, 0, id, MAPI_PEEK, 0, &m))) {
            say("MAPIReadMail", rc);
            return -1;
        }
        n++;
        if (print && n == 1) printf("id chars: %u\n", (unsigned)strlen(id));
        if (print && !m->nFileCount) {
            printf("read: %s | note: %s | class: %s | from: %s <%s>", utf8(m->lpszSubject), utf8(m->lpszNoteText),
                   utf8(m->lpszMessageType), m->lpOriginator ? utf8(m->lpOriginator->lpszName) : "-",
                   m->lpOriginator ? utf8(m->lpOriginator->lpszAddress) : "-");
            for (i = 0; i < m->nRecipCount; i++)
                printf(" | to %lu: %s", (unsigned long)m->lpRecips[i].ulRecipClass, utf8(m->lpRecips[i].lpszAddress));
            printf(" | date %s | %s\n", m->lpszDateReceived && strlen(m->lpszDateReceived) == 16 ? "ok" : "missing",
                   m->flFlags & MAPI_UNREAD ? "unread" : "read");
        }
        for (i = 0; i < m->nFileCount; i++) {
            const char *path = m->lpFiles[i].lpszPathName, *slash = path ? strrchr(path, '\\') : NULL;
            int same = path && same_file(path, original);
            char dir[MAX_PATH];
            if (print) printf("file: %s | %s\n", utf8(m->lpFiles[i].lpszFileName), same ? "same bytes" : "different");
            if (same) w->with_file = 1;
            if (path) DeleteFileA(path);
            if (slash && slash - path < MAX_PATH) {
                memcpy(dir, path, slash - path);
                dir[slash - path] = 0;
                RemoveDirectoryA(dir);
            }
        }
        if (m->lpszSubject && !strcmp(utf8(m->lpszSubject), want)) {
            seen = 1;
            strcpy(w->want_id, id);
        }
        if (m->lpszSubject && !strcmp(utf8(m->lpszSubject), delete_subject)) strcpy(w->delete_id, id);
        MAPIFreeBuffer(m);
    }
    if (print) printf("walked %d, then %lu\n", n, (unsigned long)rc);
    return rc == MAPI_E_NO_MESSAGES ? seen : -1;
}

int main(void)
{
    int argc = 0, i;
    LPWSTR *argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    LHANDLE h = 0, h2 = 0;
    lpMapiRecipDesc r = NULL;
    char id[512], want[512], del[512], delete_id[512];
    struct walk w;
    ULONG rc;
    if (!argv || argc != 5) return 2;
    WideCharToMultiByte(CP_UTF8, 0, argv[3], -1, want, sizeof want, NULL, NULL);
    WideCharToMultiByte(CP_UTF8, 0, argv[4], -1, del, sizeof del, NULL, NULL);

    /* Handles that were never given out. */
    say("bad MAPILogoff", MAPILogoff(12345, 0, 0, 0));
    say("bad MAPIFindNext", MAPIFindNext(12345, 0, NULL, NULL, 0, 0, id));
    say("bad MAPIResolveName", MAPIResolveName(12345, 0, "bob", 0, 0, &r));

    {   /* A profile by name (8-bit), and one that does not exist. */
        LHANDLE named = 0, none = 7;
        say("MAPILogon named", MAPILogon(0, "Net", NULL, MAPI_NEW_SESSION | MAPI_LOGON_UI, 0, &named));
        say("MAPILogoff named", MAPILogoff(named, 0, 0, 0));
        say("MAPILogon no such profile", MAPILogon(0, "No such profile", NULL, MAPI_NEW_SESSION, 0, &none));
        printf("failed logon handle: %s\n", none ? "set" : "0");
    }
    say("MAPILogon", MAPILogon(0, NULL, NULL, MAPI_NEW_SESSION, 0, &h));
    if (!h) return 1;
    /* Without MAPI_NEW_SESSION: the shared session (a new one here, as none is shared). */
    say("MAPILogon shared", MAPILogon(0, "", NULL, 0, 0, &h2));
    printf("shared is new: %s\n", h2 && h2 != h ? "yes" : "no");
    {   /* A second shared logon gets the same session; each handle needs its MAPILogoff. */
        LHANDLE h3 = 0;
        say("MAPILogon shared again", MAPILogon(0, NULL, NULL, 0, 0, &h3));
        printf("shared again is the same: %s\n", h3 == h2 ? "yes" : "no");
        say("MAPILogoff shared once", MAPILogoff(h3, 0, 0, 0));
        say("MAPIFindNext on the shared one", MAPIFindNext(h2, 0, NULL, "ZZ", 0, 0, id));
    }

    rc = MAPIResolveName(h, 0, "bob@localhost", 0, 0, &r);
    say("MAPIResolveName", rc);
    if (!rc) {
        printf("resolved: %s | %s | class %lu | eid %s\n", utf8(r->lpszName), utf8(r->lpszAddress),
               (unsigned long)r->ulRecipClass, r->ulEIDSize && r->lpEntryID ? "yes" : "no");
        MAPIFreeBuffer(r);
    }
    r = (lpMapiRecipDesc)1;
    say("MAPIResolveName unknown", MAPIResolveName(h, 0, "nobody-by-this-name", 0, 0, &r));
    printf("unknown left NULL: %s\n", r ? "no" : "yes");

    {   /* MAPISendMailW: UTF-16 subject and note, TO by "SMTP:" address, CC by a bare one. */
        MapiRecipDescW to[2] = {{0, MAPI_TO, L"Bob Empfänger", L"SMTP:bob@localhost", 0, NULL},
                                {0, MAPI_CC, NULL, L"alice@localhost", 0, NULL}};
        MapiFileDescW file = {0, 0, (ULONG)-1, argv[2], L"Bericht-ü.bin", NULL};
        MapiFileDescW missing = {0, 0, (ULONG)-1, L"C:\\no-such-file.bin", NULL, NULL};
        MapiRecipDescW nobody = {0, MAPI_TO, L"nobody-by-this-name", NULL, 0, NULL};
        MapiMessageW m = {0, argv[1], L"Grüße über Simple MAPI ☃.", NULL, NULL, NULL, 0, NULL, 2, to, 1, &file};
        say("MAPISendMailW", MAPISendMailW(h, 0, &m, 0, 0));
        m.lpFiles = &missing;
        say("MAPISendMailW missing attachment", MAPISendMailW(h, 0, &m, 0, 0));
        m.nFileCount = 0;
        m.nRecipCount = 1;
        m.lpRecips = &nobody;
        say("MAPISendMailW unknown recipient", MAPISendMailW(h, 0, &m, 0, 0));
        m.lpRecips = to;
        say("MAPISendMailW bad handle", MAPISendMailW(12345, 0, &m, 0, 0));
        say("MAPISendMailW dialog", MAPISendMailW(h, 0, &m, MAPI_DIALOG, 0));
    }
    {   /* MAPISendMail, 8-bit, with no session: an implicit logon to the default profile. */
        MapiRecipDesc to = {0, MAPI_TO, "Bob", NULL, 0, NULL};
        MapiMessage m = {0, "Simple MAPI ANSI 7f3a", "Implicit logon.", NULL, NULL, NULL, 0, NULL, 1, &to, 0, NULL};
        to.lpszAddress = "bob@localhost";
        say("MAPISendMail implicit", MAPISendMail(0, 0, &m, 0, 0));
    }

    say("bad seed MAPIFindNext", MAPIFindNext(h, 0, NULL, "ZZ", 0, 0, id));
    /* The Internet-mail store fills the Inbox after logon; the message sent above comes
     * back to alice (CC) through Postfix with its attachment. */
    for (i = 0; i < 300; i++) {
        int got = walk(h, MAPI_GUARANTEE_FIFO | MAPI_LONG_MSGID, want, del, argv[2], 0, &w);
        if (got < 0) return 1;
        if (got && w.with_file) break;
        Sleep(200);
    }
    if (walk(h, MAPI_GUARANTEE_FIFO | MAPI_LONG_MSGID, want, del, argv[2], 1, &w) != 1) return 1;
    printf("to delete: %s\n", w.delete_id[0] ? "found" : "missing");
    strcpy(delete_id, w.delete_id);
    say("MAPIDeleteMail", MAPIDeleteMail(h, 0, delete_id, 0, 0));
    say("MAPIDeleteMail again", MAPIDeleteMail(h, 0, delete_id, 0, 0));
    walk(h, MAPI_LONG_MSGID, want, del, argv[2], 0, &w);
    printf("after delete: %s\n", w.delete_id[0] ? "still listed" : "gone");
    {   /* Read without MAPI_PEEK: no longer among the unread ones. */
        lpMapiMessage m = NULL;
        strcpy(id, w.want_id);
        say("MAPIReadMail marking read", MAPIReadMail(h, 0, id, MAPI_SUPPRESS_ATTACH, 0, &m));
        MAPIFreeBuffer(m);
        walk(h, MAPI_UNREAD_ONLY | MAPI_LONG_MSGID, want, del, argv[2], 0, &w);
        printf("unread only lists it: %s\n", w.want_id[0] ? "yes" : "no");
        say("MAPIReadMail bad id", MAPIReadMail(h, 0, "0011", 0, 0, &m));
    }

    say("MAPILogoff shared", MAPILogoff(h2, 0, 0, 0));
    say("MAPILogoff", MAPILogoff(h, 0, 0, 0));
    say("MAPILogoff again", MAPILogoff(h, 0, 0, 0));
    printf("done %s\n", wutf8(argv[1]));
    return 0;
}
