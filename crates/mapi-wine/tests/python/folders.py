"""Folder names beyond ASCII across the bridge, both ways.

Run by Windows CPython under Wine (tests/wine_clients.rs) as
`folders.py SECONDS SERVER_FOLDER NEW_FOLDER`: opens the default store's IPM subtree,
waits (up to SECONDS) until its hierarchy table lists SERVER_FOLDER (made on the server
beforehand), prints its PR_DISPLAY_NAME_W and the subject and body of the messages in
it, then creates NEW_FOLDER there with CreateFolder(MAPI_UNICODE) and prints the new
folder's PR_DISPLAY_NAME_W and the hierarchy table's names. Every line is UTF-8 on
stdout.
"""
import sys
import time

from win32com.mapi import mapi, mapitags

sys.stdout.reconfigure(encoding="utf-8")
T = mapitags
PR_SUBJECT_W = T.PROP_TAG(T.PT_UNICODE, 0x0037)
PR_BODY_W = T.PROP_TAG(T.PT_UNICODE, 0x1000)
PR_DISPLAY_NAME_W = T.PROP_TAG(T.PT_UNICODE, 0x3001)
FOLDER_GENERIC = getattr(mapi, "FOLDER_GENERIC", 1)
seconds, server_folder, new_folder = float(sys.argv[1]), sys.argv[2], sys.argv[3]


def say(*parts):
    print(*parts, flush=True)


def props(obj, tags):
    hr, values = obj.GetProps(tags, 0)
    return {tag: value for tag, value in values}


def children(folder):
    table = folder.GetHierarchyTable(0)
    table.SetColumns((T.PR_ENTRYID, PR_DISPLAY_NAME_W), 0)
    return [(dict(r)[PR_DISPLAY_NAME_W], dict(r)[T.PR_ENTRYID]) for r in table.QueryRows(100, 0)]


mapi.MAPIInitialize(None)
session = mapi.MAPILogonEx(0, "", None, mapi.MAPI_EXTENDED | mapi.MAPI_USE_DEFAULT | mapi.MAPI_NEW_SESSION)
stores = session.GetMsgStoresTable(0)
stores.SetColumns((T.PR_ENTRYID, T.PR_DEFAULT_STORE), 0)
default = [dict(r)[T.PR_ENTRYID] for r in stores.QueryRows(50, 0) if dict(r).get(T.PR_DEFAULT_STORE)][0]
store = session.OpenMsgStore(0, default, None, mapi.MDB_WRITE | mapi.MAPI_BEST_ACCESS)
subtree = store.OpenEntry(props(store, (T.PR_IPM_SUBTREE_ENTRYID,))[T.PR_IPM_SUBTREE_ENTRYID], None, mapi.MAPI_BEST_ACCESS)

# us -> Windows: the Internet-mail store lists the server's mailboxes after logon.
deadline = time.time() + seconds
while True:
    found = [eid for name, eid in children(subtree) if name == server_folder]
    if found or time.time() > deadline:
        break
    time.sleep(0.2)
if found:
    folder = subtree.OpenEntry(found[0], None, mapi.MAPI_BEST_ACCESS)
    say("listed: %s" % props(folder, (PR_DISPLAY_NAME_W,))[PR_DISPLAY_NAME_W])
    while True:
        contents = folder.GetContentsTable(0)
        if contents.GetRowCount(0) >= 1 or time.time() > deadline:
            break
        time.sleep(0.2)
    contents.SetColumns((T.PR_ENTRYID,), 0)
    for row in contents.QueryRows(10, 0):
        message = folder.OpenEntry(dict(row)[T.PR_ENTRYID], None, 0)
        values = props(message, (PR_SUBJECT_W, PR_BODY_W))
        say("message: %s | body: %s" % (values[PR_SUBJECT_W], values[PR_BODY_W].strip()))
else:
    say("not listed: %s (have %s)" % (server_folder, " | ".join(n for n, _ in children(subtree))))

# Windows -> us: a folder made here, its name in UTF-16.
made = subtree.CreateFolder(FOLDER_GENERIC, new_folder, None, None, mapi.MAPI_UNICODE)
say("created: %s" % props(made, (PR_DISPLAY_NAME_W,))[PR_DISPLAY_NAME_W])
say("subtree: %s" % " | ".join(sorted(n for n, _ in children(subtree))))
session.Logoff(0, 0, 0)
mapi.MAPIUninitialize()
say("done")
