"""A Python ctypes client of libmapi.so.1: MAPIInitialize, MAPILogonEx on the quickstart
profile, the stores table through the session's and the table's vtables (slot numbers of
Microsoft's interface order), Logoff, Release and MAPIUninitialize.

usage: python3 ctypes_client.py PATH/TO/libmapi.so.1   (MAPI_HOME names the profile home)
"""

import ctypes
import sys

HRESULT = ctypes.c_int32
ULONG = ctypes.c_uint32
ULONG_PTR = ctypes.c_size_t

S_OK = 0
MAPI_E_NOT_INITIALIZED = 0x80040605
MAPI_E_INVALID_PARAMETER = 0x80070057
MAPI_E_END_OF_SESSION = 0x80040200
MAPI_EXPLICIT_PROFILE = 0x10
MAPI_NEW_SESSION = 0x2
MAPI_UNICODE = 0x80000000
PR_DISPLAY_NAME_W = 0x3001001F
PR_ENTRYID = 0x0FFF0102
PR_DEFAULT_STORE = 0x3400000B
PT_ERROR = 0x000A


class SBinary(ctypes.Structure):
    _fields_ = [("cb", ULONG), ("lpb", ctypes.POINTER(ctypes.c_ubyte))]


class PV(ctypes.Union):
    _fields_ = [
        ("i", ctypes.c_int16),
        ("l", ctypes.c_int32),
        ("b", ctypes.c_uint16),
        ("dbl", ctypes.c_double),
        ("li", ctypes.c_int64),
        ("lpszA", ctypes.c_char_p),
        ("lpszW", ctypes.c_wchar_p),
        ("bin", SBinary),
        ("err", ctypes.c_int32),
    ]


class SPropValue(ctypes.Structure):
    _fields_ = [("ulPropTag", ULONG), ("dwAlignPad", ULONG), ("Value", PV)]


class SRow(ctypes.Structure):
    _fields_ = [
        ("ulAdrEntryPad", ULONG),
        ("cValues", ULONG),
        ("lpProps", ctypes.POINTER(SPropValue)),
    ]


class SRowSet(ctypes.Structure):
    _fields_ = [("cRows", ULONG), ("aRow", SRow * 1)]


def hr(x):
    return x & 0xFFFFFFFF


def expect(what, got, want):
    if hr(got) != want:
        sys.exit(f"{what} = 0x{hr(got):08X}, expected 0x{want:08X}")


def method(obj, slot, restype, *argtypes):
    """The function in slot `slot` of a COM object's vtable."""
    vtbl = ctypes.cast(obj, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))).contents
    proto = ctypes.CFUNCTYPE(restype, ctypes.c_void_p, *argtypes)
    fn = proto(vtbl[slot])
    return lambda *args: fn(obj, *args)


def tags(*values):
    arr = (ULONG * (1 + len(values)))(len(values), *values)
    return ctypes.cast(arr, ctypes.c_void_p), arr


def main():
    lib = ctypes.CDLL(sys.argv[1])
    lib.MAPIInitialize.restype = HRESULT
    lib.MAPIInitialize.argtypes = [ctypes.c_void_p]
    lib.MAPIUninitialize.restype = None
    lib.MAPILogonEx.restype = HRESULT
    lib.MAPILogonEx.argtypes = [
        ULONG_PTR, ctypes.c_void_p, ctypes.c_void_p, ULONG, ctypes.POINTER(ctypes.c_void_p)]
    lib.FreeProws.restype = None
    lib.FreeProws.argtypes = [ctypes.c_void_p]

    session = ctypes.c_void_p()
    profile = ctypes.create_unicode_buffer("Default")
    flags = MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION | MAPI_UNICODE
    expect("MAPILogonEx before MAPIInitialize",
           lib.MAPILogonEx(0, ctypes.cast(profile, ctypes.c_void_p), None, flags,
                           ctypes.byref(session)),
           MAPI_E_NOT_INITIALIZED)
    expect("MAPIInitialize", lib.MAPIInitialize(None), S_OK)
    expect("MAPILogonEx with NULL out",
           lib.MAPILogonEx(0, ctypes.cast(profile, ctypes.c_void_p), None, flags, None),
           MAPI_E_INVALID_PARAMETER)
    expect("MAPILogonEx",
           lib.MAPILogonEx(0, ctypes.cast(profile, ctypes.c_void_p), None, flags,
                           ctypes.byref(session)),
           S_OK)

    # IMAPISession: [2] Release, [4] GetMsgStoresTable, [17] Logoff.
    get_stores = method(session, 4, HRESULT, ULONG, ctypes.POINTER(ctypes.c_void_p))
    logoff = method(session, 17, HRESULT, ULONG_PTR, ULONG, ULONG)
    release = method(session, 2, ULONG)
    table = ctypes.c_void_p()
    expect("GetMsgStoresTable", get_stores(MAPI_UNICODE, ctypes.byref(table)), S_OK)

    # IMAPITable: [2] Release, [7] SetColumns, [9] GetRowCount, [19] QueryRows.
    set_columns = method(table, 7, HRESULT, ctypes.c_void_p, ULONG)
    row_count = method(table, 9, HRESULT, ULONG, ctypes.POINTER(ULONG))
    query_rows = method(table, 19, HRESULT, ctypes.c_int32, ULONG,
                        ctypes.POINTER(ctypes.POINTER(SRowSet)))
    table_release = method(table, 2, ULONG)
    cols, _keep = tags(PR_DISPLAY_NAME_W, PR_ENTRYID, PR_DEFAULT_STORE)
    expect("SetColumns", set_columns(cols, 0), S_OK)
    n = ULONG()
    expect("GetRowCount", row_count(0, ctypes.byref(n)), S_OK)
    rows = ctypes.POINTER(SRowSet)()
    expect("QueryRows", query_rows(100, 0, ctypes.byref(rows)), S_OK)
    count = rows.contents.cRows
    if count != n.value or count < 1:
        sys.exit(f"QueryRows gave {count} rows, GetRowCount {n.value}")
    arow = ctypes.cast(ctypes.addressof(rows.contents.aRow), ctypes.POINTER(SRow))
    defaults = 0
    for i in range(count):
        row = arow[i]
        if row.cValues != 3:
            sys.exit(f"row {i} has {row.cValues} values")
        name, eid, default = row.lpProps[0], row.lpProps[1], row.lpProps[2]
        if name.ulPropTag != PR_DISPLAY_NAME_W or eid.ulPropTag != PR_ENTRYID:
            sys.exit(f"row {i}: tags {name.ulPropTag:08X} {eid.ulPropTag:08X}")
        is_default = default.ulPropTag == PR_DEFAULT_STORE and default.Value.b != 0
        defaults += is_default
        print(f"store: {name.Value.lpszW} ({eid.Value.bin.cb}-byte entry id)"
              + (" default" if is_default else ""))
    if defaults != 1:
        sys.exit(f"{defaults} default stores")
    lib.FreeProws(rows)
    expect("QueryRows at the end", query_rows(100, 0, ctypes.byref(rows)), S_OK)
    if rows.contents.cRows != 0:
        sys.exit("QueryRows after the last row gave rows")
    lib.FreeProws(rows)

    expect("Logoff", logoff(0, 0, 0), S_OK)
    expect("GetMsgStoresTable after Logoff", get_stores(0, ctypes.byref(ctypes.c_void_p())),
           MAPI_E_END_OF_SESSION)
    if table_release() != 0 or release() != 0:
        sys.exit("a reference is left")
    lib.MAPIUninitialize()
    print("ctypes ok")


if __name__ == "__main__":
    main()
