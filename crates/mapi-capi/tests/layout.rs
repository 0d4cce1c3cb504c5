//! The layout check of c-abi.md §0.6: every struct size and field offset of §2 and
//! every vtable slot of §3, from our headers compiled natively, must equal what
//! Debian's mingw-w64 MAPI headers give (checked by `_Static_assert`s compiled with
//! `x86_64-w64-mingw32-gcc`; the PE never runs). Struct layouts have no ULONG_PTR
//! difference (§2.6 concerns method parameters only), so nothing is excepted;
//! IMsgServiceAdmin2 is absent from mingw-w64 and so not compared.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (struct, fields) of c-abi.md §2 as both header sets name them.
const STRUCTS: &[(&str, &[&str])] = &[
    ("GUID", &["Data1", "Data2", "Data3", "Data4"]),
    ("FILETIME", &["dwLowDateTime", "dwHighDateTime"]),
    ("SBinary", &["cb", "lpb"]),
    ("SBinaryArray", &["cValues", "lpbin"]),
    ("SLPSTRArray", &["cValues", "lppszA"]),
    (
        "SPropValue",
        &[
            "ulPropTag",
            "dwAlignPad",
            "Value",
            "Value.bin.lpb",
            "Value.ft",
            "Value.lpszW",
            "Value.MVszA.lppszA",
            "Value.li",
        ],
    ),
    ("SPropTagArray", &["cValues", "aulPropTag"]),
    ("SPropProblem", &["ulIndex", "ulPropTag", "scode"]),
    ("SPropProblemArray", &["cProblem", "aProblem"]),
    ("SRow", &["ulAdrEntryPad", "cValues", "lpProps"]),
    ("SRowSet", &["cRows", "aRow"]),
    ("ADRENTRY", &["ulReserved1", "cValues", "rgPropVals"]),
    ("ADRLIST", &["cEntries", "aEntries"]),
    ("SSortOrder", &["ulPropTag", "ulOrder"]),
    (
        "SSortOrderSet",
        &["cSorts", "cCategories", "cExpanded", "aSort"],
    ),
    ("ENTRYID", &["abFlags", "ab"]),
    ("MAPIUID", &["ab"]),
    ("FLATENTRY", &["cb", "abEntry"]),
    ("FLATENTRYLIST", &["cEntries", "cbEntries", "abEntries"]),
    ("ENTRYLIST", &["cValues", "lpbin"]),
    (
        "MAPINAMEID",
        &["lpguid", "ulKind", "Kind", "Kind.lID", "Kind.lpwstrName"],
    ),
    (
        "MAPIERROR",
        &[
            "ulVersion",
            "lpszError",
            "lpszComponent",
            "ulLowLevelError",
            "ulContext",
        ],
    ),
    ("MAPIINIT_0", &["ulVersion", "ulFlags"]),
    (
        "STATSTG",
        &[
            "pwcsName",
            "type",
            "cbSize",
            "mtime",
            "ctime",
            "atime",
            "grfMode",
            "grfLocksSupported",
            "clsid",
            "grfStateBits",
            "reserved",
        ],
    ),
    (
        "SRestriction",
        &[
            "rt",
            "res",
            "res.resAnd.lpRes",
            "res.resNot.lpRes",
            "res.resContent.lpProp",
            "res.resProperty.lpProp",
            "res.resCompareProps.ulPropTag2",
            "res.resBitMask.ulMask",
            "res.resSize.cb",
            "res.resExist.ulReserved2",
            "res.resSub.lpRes",
            "res.resComment.lpProp",
        ],
    ),
    (
        "SComparePropsRestriction",
        &["relop", "ulPropTag1", "ulPropTag2"],
    ),
    ("SAndRestriction", &["cRes", "lpRes"]),
    ("SNotRestriction", &["ulReserved", "lpRes"]),
    (
        "SContentRestriction",
        &["ulFuzzyLevel", "ulPropTag", "lpProp"],
    ),
    ("SPropertyRestriction", &["relop", "ulPropTag", "lpProp"]),
    ("SBitMaskRestriction", &["relBMR", "ulPropTag", "ulMask"]),
    ("SSizeRestriction", &["relop", "ulPropTag", "cb"]),
    (
        "SExistRestriction",
        &["ulReserved1", "ulPropTag", "ulReserved2"],
    ),
    ("SSubRestriction", &["ulSubObject", "lpRes"]),
    ("SCommentRestriction", &["cValues", "lpRes", "lpProp"]),
    (
        "NOTIFICATION",
        &[
            "ulEventType",
            "ulAlignPad",
            "info",
            "info.err.lpMAPIError",
            "info.newmail.lpszMessageClass",
            "info.newmail.ulMessageFlags",
            "info.obj.lpPropTagArray",
            "info.tab.propPrior",
            "info.tab.row",
            "info.tab.ulPad",
            "info.ext.pbEventParameters",
            "info.statobj.lpPropVals",
        ],
    ),
    (
        "ERROR_NOTIFICATION",
        &["cbEntryID", "lpEntryID", "scode", "ulFlags", "lpMAPIError"],
    ),
    (
        "NEWMAIL_NOTIFICATION",
        &[
            "cbEntryID",
            "lpEntryID",
            "cbParentID",
            "lpParentID",
            "ulFlags",
            "lpszMessageClass",
            "ulMessageFlags",
        ],
    ),
    (
        "OBJECT_NOTIFICATION",
        &[
            "cbEntryID",
            "lpEntryID",
            "ulObjType",
            "cbParentID",
            "lpParentID",
            "cbOldID",
            "lpOldID",
            "cbOldParentID",
            "lpOldParentID",
            "lpPropTagArray",
        ],
    ),
    (
        "TABLE_NOTIFICATION",
        &[
            "ulTableEvent",
            "hResult",
            "propIndex",
            "propPrior",
            "row",
            "ulPad",
        ],
    ),
    (
        "EXTENDED_NOTIFICATION",
        &["ulEvent", "cb", "pbEventParameters"],
    ),
    (
        "STATUS_OBJECT_NOTIFICATION",
        &["cbEntryID", "lpEntryID", "cValues", "lpPropVals"],
    ),
];

/// Interfaces mingw-w64 lacks.
const NOT_IN_MINGW: &[&str] = &["IMsgServiceAdmin2"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every expression compared.
fn expressions() -> Vec<String> {
    let mut v = Vec::new();
    for (s, fields) in STRUCTS {
        v.push(format!("sizeof({s})"));
        v.push(format!("_Alignof({s})"));
        for f in *fields {
            v.push(format!("offsetof({s}, {f})"));
        }
    }
    let table = mapi_abi::idl::Table::load();
    for i in &table.interfaces {
        if NOT_IN_MINGW.contains(&i.name.as_str()) {
            continue;
        }
        v.push(format!("sizeof({}Vtbl)", i.name));
        for (_, m) in table.slots(&i.name) {
            v.push(format!("offsetof({}Vtbl, {})", i.name, m.name));
        }
    }
    v
}

fn tool(name: &str) {
    let ok = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{name} is needed for the layout check (apt-get install gcc gcc-mingw-w64-x86-64 mingw-w64-x86-64-dev)"
    );
}

#[test]
fn our_layouts_equal_mingw_w64s() {
    tool("cc");
    tool("x86_64-w64-mingw32-gcc");
    let dir = tempfile::tempdir().unwrap();
    let exprs = expressions();
    // Ours, compiled and run natively: every value printed.
    let mut probe = String::from(
        "#include <mapix.h>\n#include <mapiutil.h>\n#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n",
    );
    for e in &exprs {
        probe.push_str(&format!("    printf(\"%zu\\n\", (size_t)({e}));\n"));
    }
    probe.push_str("    return 0;\n}\n");
    let src = dir.path().join("ours.c");
    let exe = dir.path().join("ours");
    std::fs::write(&src, probe).unwrap();
    let out = Command::new("cc")
        .arg("-std=c11")
        .arg("-I")
        .arg(root().join("include/mapi"))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let values = Command::new(&exe).output().unwrap();
    let values: Vec<String> = String::from_utf8_lossy(&values.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(values.len(), exprs.len());
    // The same numbers asserted against mingw-w64's headers.
    let mut check = String::from(
        "#include <windows.h>\n#include <mapix.h>\n#include <mapiutil.h>\n#include <stddef.h>\n",
    );
    for (e, v) in exprs.iter().zip(&values) {
        check.push_str(&format!(
            "_Static_assert(({e}) == {v}, \"{e} is {v} in ours\");\n"
        ));
    }
    let msrc = dir.path().join("mingw.c");
    std::fs::write(&msrc, check).unwrap();
    let out = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-std=c11", "-fsyntax-only", "-fmax-errors=0"])
        .arg(&msrc)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let mismatches: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
    assert!(
        out.status.success() && mismatches.is_empty(),
        "{} layout differences from mingw-w64:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // Spot values of c-abi.md §2, so a change in both header sets still fails.
    let at = |e: &str| &values[exprs.iter().position(|x| x == e).unwrap()];
    assert_eq!(at("sizeof(SPropValue)"), "24");
    assert_eq!(at("sizeof(SRestriction)"), "32");
    assert_eq!(at("sizeof(NOTIFICATION)"), "88");
    assert_eq!(at("sizeof(STATSTG)"), "80");
    assert_eq!(at("offsetof(IMAPITableVtbl, QueryRows)"), "152");
}
