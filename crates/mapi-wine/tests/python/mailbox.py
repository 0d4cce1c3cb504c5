"""Reads the default store's receive folder through the bridge and waits for new mail.

Run by Windows CPython under Wine (tests/wine_clients.rs): lists the stores table, opens
the receive folder, sorts and pages its contents table, reads each message's subject and
body (GetProps and OpenProperty(PR_BODY_W, IID_IStream)), then prints ADVISED after
Advise(fnevNewMail) on the store and waits (up to argv[1] seconds) for the notification.
Every line is UTF-8 on stdout.
"""
import sys
import time

import pythoncom
from win32com.mapi import mapi, mapitags
from win32com.server.util import wrap

sys.stdout.reconfigure(encoding="utf-8")
T = mapitags
PR_SUBJECT_W = T.PROP_TAG(T.PT_UNICODE, 0x0037)
PR_BODY_W = T.PROP_TAG(T.PT_UNICODE, 0x1000)
PR_DISPLAY_NAME_W = T.PROP_TAG(T.PT_UNICODE, 0x3001)
FNEV_NEW_MAIL = getattr(mapi, "fnevNewMail", 2)


def say(*parts):
    print(*parts, flush=True)


def props(obj, tags):
    hr, values = obj.GetProps(tags, 0)
    return {tag: value for tag, value in values}


class Sink:
    _com_interfaces_ = [mapi.IID_IMAPIAdviseSink]
    _public_methods_ = ["OnNotify"]

    def __init__(self):
        self.got = []

    def OnNotify(self, notifications):
        for event, info in notifications:
            if event == FNEV_NEW_MAIL:
                self.got.append(info)
        return 0


mapi.MAPIInitialize(None)
session = mapi.MAPILogonEx(0, "", None, mapi.MAPI_EXTENDED | mapi.MAPI_USE_DEFAULT | mapi.MAPI_NEW_SESSION)
stores = session.GetMsgStoresTable(0)
stores.SetColumns((T.PR_ENTRYID, PR_DISPLAY_NAME_W, T.PR_DEFAULT_STORE), 0)
default = None
for row in stores.QueryRows(50, 0):
    values = dict(row)
    is_default = bool(values.get(T.PR_DEFAULT_STORE))
    say("store: %s%s" % (values.get(PR_DISPLAY_NAME_W), " (default)" if is_default else ""))
    if is_default:
        default = values[T.PR_ENTRYID]
store = session.OpenMsgStore(0, default, None, mapi.MDB_WRITE | mapi.MAPI_BEST_ACCESS)

eid, message_class = store.GetReceiveFolder("IPM.Note", 0)
folder = store.OpenEntry(eid, None, mapi.MAPI_BEST_ACCESS)
say("receive folder: %s" % props(folder, (PR_DISPLAY_NAME_W,))[PR_DISPLAY_NAME_W])

# The Internet-mail store fills the folder from IMAP after logon: wait for argv[2] rows.
deadline = time.time() + float(sys.argv[1])
while True:
    contents = folder.GetContentsTable(0)
    if contents.GetRowCount(0) >= int(sys.argv[2]) or time.time() > deadline:
        break
    time.sleep(0.2)
contents.SetColumns((T.PR_ENTRYID, PR_SUBJECT_W), 0)
contents.SortTable((((PR_SUBJECT_W, mapi.TABLE_SORT_ASCEND),), 0, 0), 0)
entries, listed = [], []
page = 0
while True:
    rows = contents.QueryRows(2, 0)
    if not rows:
        break
    page += 1
    say("page %d: %s" % (page, " | ".join(dict(r)[PR_SUBJECT_W] for r in rows)))
    entries += [dict(r)[T.PR_ENTRYID] for r in rows]
    listed += [dict(r)[PR_SUBJECT_W] for r in rows]
moved = contents.SeekRow(mapi.BOOKMARK_BEGINNING, 1)
rows = contents.QueryRows(1, 0)
say("after SeekRow(BEGINNING, 1) moved %d: %s" % (moved, dict(rows[0])[PR_SUBJECT_W] if rows else "-"))

for entry in entries:
    message = folder.OpenEntry(entry, None, 0)
    values = props(message, (PR_SUBJECT_W, PR_BODY_W))
    say("message: %s | body: %s" % (values[PR_SUBJECT_W], values[PR_BODY_W].strip()))
    stream = message.OpenProperty(PR_BODY_W, pythoncom.IID_IStream, 0, 0)
    size = stream.Stat()[2]
    data = b""
    while True:
        piece = stream.Read(7)
        if not piece:
            break
        data += piece
    agrees = "Stat agrees" if size == len(data) else "Stat says %d, read %d" % (size, len(data))
    say("stream: %s | %s" % (data.decode("utf-16-le").strip(), agrees))

sink = Sink()
connection = store.Advise(None, FNEV_NEW_MAIL, wrap(sink, mapi.IID_IMAPIAdviseSink))
say("ADVISED")
deadline = time.time() + float(sys.argv[1])
seen, fresh = 0, False
while not fresh and time.time() < deadline:
    time.sleep(0.1)
    for info in sink.got[seen:]:
        message = store.OpenEntry(info[0], None, 0)
        subject = props(message, (PR_SUBJECT_W,))[PR_SUBJECT_W]
        fresh = fresh or subject not in listed
        say("fnevNewMail: %s | class %s" % (subject, info[3]))
    seen = len(sink.got)
if not sink.got:
    say("no fnevNewMail")
store.Unadvise(connection)
session.Logoff(0, 0, 0)
mapi.MAPIUninitialize()
say("done")
