//! The Wine bridge's generated parts (`crates/mapi-wine/bridge/gen/`): for every
//! interface of the table an ms_abi vtable whose thunks unwrap `This`, convert the
//! arguments (UTF-16 -> UTF-32 strings and structures, client interfaces wrapped,
//! bridge wrappers unwrapped), call our SysV object and convert the results back;
//! SysV vtables for the client's IMAPIAdviseSink, IMAPIProgress and IStream; the
//! ms_abi entry points of the table's functions; the Winelib `.spec` of the bridge
//! DLL and the `.def` of the code-less forwarding `mapi32.dll`.
//!
//! Each parameter is classified by its C type and name ([`Conv`]); the C helpers
//! named here (`br_*`) are hand-written in `crates/mapi-wine/bridge/`.

use std::fmt::Write as _;

use crate::idl::{Method, Param, Table};

/// The bridge DLL's module name (`mapibridge.dll`, `mapibridge.dll.so`).
pub const DLL: &str = "mapibridge";

/// Interfaces the client implements and we call (SysV wrappers around ms_abi objects).
pub const CLIENT_INTERFACES: &[&str] = &["IMAPIAdviseSink", "IMAPIProgress", "IStream"];

/// Functions of the table written by hand in the bridge (function pointers from the
/// client, Windows paths, or data that stays in the client's UTF-16 form).
pub const MANUAL_FUNCTIONS: &[&str] = &[
    "MAPIInitialize",
    "MAPIGetDefaultMalloc",
    "OpenStreamOnFile",
    "PpropFindProp",
    "PropCopyMore",
    "UlPropSize",
    "ScCountProps",
    "ScCopyProps",
    "LPropCompareProp",
    "HrAllocAdviseSink",
    "HrThisThreadAdviseSink",
];

/// mapi32 names a 64-bit client may look up that the table does not have, with their
/// `.spec` argument lists; written by hand in the bridge (`lib.c`, `util.c`).
pub const EXTRA_EXPORTS: &[(&str, &str)] = &[
    ("ScInitMapiUtil", "long"),
    ("DeinitMapiUtil", ""),
    ("HexFromBin", "ptr long ptr"),
    ("FBinFromHex", "ptr ptr"),
    ("WrapCompressedRTFStream", "ptr long ptr"),
    ("MAPIOpenLocalFormContainer", "ptr"),
    ("FGetComponentPath", "str str ptr long long"),
    ("DllCanUnloadNow", ""),
    ("DllGetClassObject", "ptr ptr ptr"),
    ("ScDupPropset", "long ptr ptr ptr"),
    ("LpValFindProp", "long long ptr"),
    ("UlAddRef", "ptr"),
    ("UlRelease", "ptr"),
    ("FtAddFt", "int64 int64"),
    ("FtSubFt", "int64 int64"),
    ("FtNegFt", "int64"),
    ("FtMulDw", "long int64"),
    ("FtMulDwDw", "long long"),
    ("SzFindCh", "str long"),
    ("SzFindLastCh", "str long"),
    ("SzFindSz", "str str"),
    ("UFromSz", "str"),
    ("UlFromSzHex", "str"),
    // Validators and MNLS string helpers (`checks.c`).
    ("FBadColumnSet", "ptr"),
    ("FBadEntryList", "ptr"),
    ("FBadProp", "ptr"),
    ("FBadPropTag", "long"),
    ("FBadRestriction", "ptr"),
    ("FBadRglpNameID", "ptr long"),
    ("FBadRglpszW", "ptr long"),
    ("FBadRow", "ptr"),
    ("FBadRowSet", "ptr"),
    ("FBadSortOrderSet", "ptr"),
    ("IsBadBoundedStringPtr", "ptr long"),
    ("__ValidateParameters", "long ptr"),
    ("__CPPValidateParameters", "long ptr"),
    ("MNLS_CompareStringW", "long long wstr long wstr long"),
    ("MNLS_IsBadStringPtrW", "ptr long"),
    ("MNLS_MultiByteToWideChar", "long long str long ptr long"),
    (
        "MNLS_WideCharToMultiByte",
        "long long wstr long ptr long ptr ptr",
    ),
    ("MNLS_lstrcmpW", "wstr wstr"),
    ("MNLS_lstrcpyW", "ptr wstr"),
    ("MNLS_lstrlenW", "wstr"),
    // Comparisons on the client's values (`compare.c`).
    ("FPropCompareProp", "ptr long ptr"),
    ("FPropContainsProp", "ptr ptr long"),
    ("FEqualNames", "ptr ptr"),
    // Relocation and counting on Windows layouts (`propcopy.c`, `notifcopy.c`).
    ("ScRelocProps", "long ptr ptr ptr ptr"),
    ("ScCountNotifications", "long ptr ptr"),
    ("ScCopyNotifications", "long ptr ptr ptr"),
    ("ScRelocNotifications", "long ptr ptr ptr ptr"),
    // Small helpers (`util.c`, `convindex.c`, `columns.c`).
    ("FtAdcFt", "int64 int64 ptr"),
    ("MapStorageSCode", "long"),
    ("ScBinFromHexBounded", "str ptr long"),
    ("ScLocalPathFromUNC", "str ptr long"),
    ("ScUNCFromLocalPath", "str ptr long"),
    ("ScCreateConversationIndex", "long ptr ptr ptr"),
    ("HrAddColumns", "ptr ptr ptr ptr"),
    ("HrAddColumnsEx", "ptr ptr ptr ptr ptr"),
    // Not supported: the documented failure, out-pointers cleared (`unsupported.c`).
    ("HrEntryIDFromSz", "str ptr ptr"),
    ("HrSzFromEntryID", "long ptr ptr"),
    ("HrComposeEID", "ptr long ptr long ptr ptr ptr"),
    ("HrDecomposeEID", "ptr long ptr ptr ptr ptr ptr"),
    ("HrComposeMsgID", "ptr long ptr long ptr ptr"),
    ("HrDecomposeMsgID", "ptr str ptr ptr ptr ptr"),
    (
        "BuildDisplayTable",
        "ptr ptr ptr ptr long long ptr long ptr ptr",
    ),
    ("CreateIProp", "ptr ptr ptr ptr ptr ptr"),
    ("CreateTable", "ptr ptr ptr ptr ptr long long ptr ptr"),
    ("OpenIMsgSession", "ptr long ptr"),
    ("CloseIMsgSession", "ptr"),
    (
        "OpenIMsgOnIStg",
        "ptr ptr ptr ptr ptr ptr ptr ptr long long ptr",
    ),
    ("GetAttribIMsgOnIStg", "ptr ptr ptr"),
    ("SetAttribIMsgOnIStg", "ptr ptr ptr ptr"),
    ("OpenTnefStream", "ptr ptr str long ptr long ptr"),
    ("OpenTnefStreamEx", "ptr ptr str long ptr long ptr ptr"),
    ("GetTnefStreamCodepage", "ptr ptr ptr"),
    ("HrIStorageFromStream", "ptr ptr long ptr"),
    ("HrValidateIPMSubtree", "ptr long ptr ptr ptr"),
    ("RTFSync", "ptr long ptr"),
    ("WrapStoreEntryID", "long str long ptr ptr ptr"),
    ("MAPIOpenFormMgr", "ptr ptr"),
    ("LaunchWizard", "ptr long ptr long ptr"),
    ("ScMAPIXFromSMAPI", "ptr long ptr ptr"),
    ("MAPIInitIdle", "ptr"),
    ("MAPIDeinitIdle", ""),
    ("FtgRegisterIdleRoutine", "ptr ptr long long long"),
    ("DeregisterIdleRoutine", "ptr"),
    ("EnableIdleRoutine", "ptr long"),
    ("ChangeIdleRoutine", "ptr ptr ptr long long long long"),
    // Simple MAPI over Extended MAPI (`simple*.c`; ULONG results; MAPISendDocuments,
    // MAPISaveMail, MAPIAddress and MAPIDetails answer MAPI_E_NOT_SUPPORTED).
    ("MAPILogon", "ptr str str long long ptr"),
    ("MAPILogoff", "ptr ptr long long"),
    ("MAPISendMail", "ptr ptr ptr long long"),
    ("MAPISendMailW", "ptr ptr ptr long long"),
    ("MAPISendDocuments", "ptr str str str long"),
    ("MAPIFindNext", "ptr ptr str str long long ptr"),
    ("MAPIReadMail", "ptr ptr str long long ptr"),
    ("MAPISaveMail", "ptr ptr ptr long long ptr"),
    ("MAPIDeleteMail", "ptr ptr str long long"),
    (
        "MAPIAddress",
        "ptr ptr str long str long ptr long long ptr ptr",
    ),
    ("MAPIDetails", "ptr ptr ptr long long"),
    ("MAPIResolveName", "ptr ptr str long long ptr"),
];

/// How one parameter crosses the bridge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conv {
    /// Bit for bit (integers, entry ids, tag arrays, GUIDs, ...).
    Pass,
    /// An 8-bit or UTF-16 string in, converted when the call's flags say MAPI_UNICODE.
    StrIn,
    /// An SPropValue array in; the count is the named parameter (or 1).
    PropsIn(Option<String>),
    /// A restriction in.
    ResIn,
    /// An ADRLIST in (converted back after the call when `true`).
    AdrListIn(bool),
    /// An SRowSet in.
    RowsIn,
    /// One NOTIFICATION in.
    NotifIn,
    /// An array of MAPINAMEID pointers in, counted by the named parameter.
    NamesIn(String),
    /// A client's IMAPIAdviseSink / IMAPIProgress / IStream in (ours unwrapped).
    ClientIn(&'static str),
    /// One of our objects given back to us (a bridge wrapper, unwrapped).
    Unwrap,
    /// An out SPropValue array, counted by the named out parameter (or 1).
    PropsOut(Option<String>),
    /// An out SRowSet.
    RowsOut,
    /// An out MAPIERROR (strings follow the call's flags).
    ErrorOut,
    /// An out MAPINAMEID array, counted by the named out parameter.
    NamesOut(String),
    /// An out string (follows the call's flags).
    StrOut,
    /// An out array of strings, counted by the named out parameter.
    StrvOut(String),
    /// An out restriction.
    ResOut,
    /// An out STATSTG (its name dropped).
    StatOut,
    /// An out interface pointer of the named interface.
    WrapOut(String),
    /// An out `LPUNKNOWN`: the interface from `lpInterface`/`lpiid` or the object type.
    UnknownOut,
}

fn iface_of_lp(table: &Table, lp: &str) -> Option<String> {
    let lp = lp.trim();
    if lp == "IStream" || lp == "LPSTREAM" {
        return Some("IStream".into());
    }
    table
        .interfaces
        .iter()
        .find(|i| i.lp_name == lp)
        .map(|i| i.name.clone())
}

fn count_param(m: &Method, names: &[&str]) -> Option<String> {
    m.params
        .iter()
        .find(|p| names.contains(&p.name.as_str()))
        .map(|p| p.name.clone())
}

/// The conversion of parameter `p` of `m`.
pub fn classify(table: &Table, m: &Method, p: &Param) -> Conv {
    let ty = p.ty.trim();
    let base = ty.trim_end_matches('*').trim();
    let stars = ty.matches('*').count();
    if m.name.starts_with("Free") {
        // FreeProws, FreePadrlist: the client's structure, ours to free as it is.
        return Conv::Pass;
    }
    match (base, stars) {
        ("LPTSTR", 0) => Conv::StrIn,
        ("LPTSTR", 1) => Conv::StrOut,
        ("LPTSTR", 2) => Conv::StrvOut(count_param(m, &["lpcAdrTypes"]).unwrap_or_default()),
        ("LPSPropValue", 0) => Conv::PropsIn(count_param(m, &["cValues"])),
        ("LPSPropValue", 1) => Conv::PropsOut(count_param(m, &["lpcValues"])),
        ("LPSRestriction", 0) => Conv::ResIn,
        ("LPSRestriction", 1) => Conv::ResOut,
        ("LPADRLIST", 0) => Conv::AdrListIn(m.name != "ModifyRecipients"),
        ("LPSRowSet", 0) => Conv::RowsIn,
        ("LPSRowSet", 1) => Conv::RowsOut,
        ("LPNOTIFICATION", 0) => Conv::NotifIn,
        ("LPMAPINAMEID", 1) => Conv::NamesIn(count_param(m, &["cPropNames"]).unwrap_or_default()),
        ("LPMAPINAMEID", 2) => {
            Conv::NamesOut(count_param(m, &["lpcPropNames"]).unwrap_or_default())
        }
        ("LPMAPIERROR", 1) => Conv::ErrorOut,
        ("STATSTG", 1) => Conv::StatOut,
        ("LPMAPIADVISESINK", 0) => Conv::ClientIn("IMAPIAdviseSink"),
        ("LPMAPIPROGRESS", 0) => Conv::ClientIn("IMAPIProgress"),
        ("IStream", 1) => Conv::ClientIn("IStream"),
        ("LPUNKNOWN", 1) => Conv::UnknownOut,
        ("LPVOID", 0) if p.name.contains("Dest") || p.name.contains("Dst") => Conv::Unwrap,
        ("IStream", 2) => Conv::WrapOut("IStream".into()),
        (b, 0) if b != "LPVOID" && iface_of_lp(table, b).is_some() => Conv::Unwrap,
        (b, 1) if iface_of_lp(table, b).is_some() => {
            Conv::WrapOut(iface_of_lp(table, b).unwrap_or_default())
        }
        _ => Conv::Pass,
    }
}

/// The bridge's C type for a table type (no Windows or MAPI typedefs needed).
fn c_type(ty: &str) -> String {
    let t = ty.trim().trim_start_matches("const ").trim();
    if t.ends_with('*') {
        return "void *".into();
    }
    match t {
        "HRESULT" | "SCODE" | "LONG" => "int32_t",
        "ULONG" | "DWORD" => "uint32_t",
        "ULONG_PTR" | "BOOKMARK" | "SIZE_T" => "uintptr_t",
        "int" | "BOOL" => "int",
        "LARGE_INTEGER" => "int64_t",
        "ULARGE_INTEGER" => "uint64_t",
        "void" => "void",
        _ => "void *",
    }
    .into()
}

fn flags_expr(m: &Method) -> &'static str {
    if m.params.iter().any(|p| p.name == "ulFlags") {
        "ulFlags"
    } else {
        "0"
    }
}

/// The thunk's body: declarations, conversions in, the call, conversions out.
fn body(table: &Table, m: &Method, call: &str, this: Option<&str>) -> String {
    let flags = flags_expr(m);
    let mut pre = String::new();
    let mut post = String::new();
    let mut cleanup = String::new();
    let mut args: Vec<String> = this.iter().map(|t| t.to_string()).collect();
    for p in &m.params {
        let n = &p.name;
        let conv = classify(table, m, p);
        let mut arg = n.clone();
        match &conv {
            Conv::Pass => {}
            Conv::StrIn => {
                let _ = writeln!(pre, "    void *c_{n} = br_str_in({n}, {flags});");
                arg = format!("c_{n}");
                let _ = writeln!(cleanup, "    br_free_in(c_{n}, {n});");
            }
            Conv::PropsIn(count) => {
                let c = count.clone().unwrap_or_else(|| "1".into());
                let _ = writeln!(pre, "    void *c_{n} = br_props_in({c}, {n});");
                arg = format!("c_{n}");
                let _ = writeln!(cleanup, "    br_free_in(c_{n}, {n});");
            }
            Conv::ResIn | Conv::RowsIn | Conv::NotifIn | Conv::AdrListIn(_) => {
                let f = match conv {
                    Conv::ResIn => "br_res_in",
                    Conv::RowsIn => "br_adrlist_in",
                    Conv::NotifIn => "br_notif_in",
                    _ => "br_adrlist_in",
                };
                let _ = writeln!(pre, "    void *c_{n} = {f}({n});");
                arg = format!("c_{n}");
                if conv == Conv::AdrListIn(true) {
                    let _ = writeln!(post, "    br_adrlist_back({n}, c_{n});");
                }
                let free = match conv {
                    Conv::AdrListIn(_) | Conv::RowsIn => "br_adrlist_free",
                    _ => "br_free_in",
                };
                let _ = writeln!(cleanup, "    {free}(c_{n}, {n});");
            }
            Conv::NamesIn(count) => {
                let _ = writeln!(pre, "    void *c_{n} = br_names_in({count}, {n});");
                arg = format!("c_{n}");
                let _ = writeln!(cleanup, "    br_free_in(c_{n}, {n});");
            }
            Conv::ClientIn(iface) => {
                let _ = writeln!(
                    pre,
                    "    void *c_{n} = br_client_in({n}, &br_iface_{iface});"
                );
                arg = format!("c_{n}");
                let _ = writeln!(cleanup, "    br_client_release(c_{n}, {n});");
            }
            Conv::Unwrap => {
                arg = format!("br_unwrap({n})");
            }
            Conv::PropsOut(count) => {
                let c = count
                    .as_ref()
                    .map(|c| format!("*(uint32_t *){c}"))
                    .unwrap_or_else(|| "1".into());
                let _ = writeln!(post, "    br_props_out({c}, {n});");
            }
            Conv::RowsOut => {
                let _ = writeln!(post, "    br_rows_out({n});");
            }
            Conv::ErrorOut => {
                let _ = writeln!(post, "    br_error_out({n}, {flags});");
            }
            Conv::NamesOut(c) => {
                let _ = writeln!(post, "    br_names_out(*(uint32_t *){c}, {n});");
            }
            Conv::StrOut => {
                let _ = writeln!(post, "    br_str_out({n}, {flags});");
            }
            Conv::StrvOut(c) => {
                let _ = writeln!(post, "    br_strv_out(*(uint32_t *){c}, {n}, {flags});");
            }
            Conv::ResOut => {
                let _ = writeln!(post, "    br_res_out({n});");
            }
            Conv::StatOut => {
                let _ = writeln!(post, "    br_stat_out({n});");
            }
            Conv::WrapOut(iface) => {
                let _ = writeln!(post, "    br_wrap_out({n}, &br_iface_{iface});");
            }
            Conv::UnknownOut => {
                let iid =
                    count_param(m, &["lpInterface", "lpiid"]).unwrap_or_else(|| "NULL".into());
                let ty = count_param(m, &["lpulObjType"]).unwrap_or_else(|| "NULL".into());
                // OpenProperty: string properties as IStream get a converting stream.
                if let Some(tag) = count_param(m, &["ulPropTag"]) {
                    let _ = writeln!(post, "    br_prop_unknown_out({n}, {iid}, {tag});");
                } else {
                    let _ = writeln!(post, "    br_wrap_unknown_out({n}, {iid}, {ty});");
                }
            }
        }
        args.push(arg);
    }
    let ret = c_type(&m.ret);
    let mut s = String::new();
    s.push_str(&pre);
    let call = format!("{call}({})", args.join(", "));
    if ret == "void" {
        let _ = writeln!(s, "    {call};");
    } else {
        let _ = writeln!(s, "    {ret} r = {call};");
    }
    if !post.is_empty() {
        if ret == "int32_t" {
            let _ = writeln!(s, "    if (r >= 0) {{");
            for l in post.lines() {
                let _ = writeln!(s, "    {l}");
            }
            let _ = writeln!(s, "    }}");
        } else {
            s.push_str(&post);
        }
    }
    s.push_str(&cleanup);
    if ret != "void" {
        let _ = writeln!(s, "    return r;");
    }
    s
}

fn params_decl(m: &Method) -> Vec<String> {
    m.params
        .iter()
        .map(|p| format!("{} {}", c_type(&p.ty), p.name))
        .collect()
}

fn fn_ptr_type(m: &Method, abi: &str, this: bool) -> String {
    let mut a: Vec<String> = Vec::new();
    if this {
        a.push("void *".into());
    }
    a.extend(m.params.iter().map(|p| c_type(&p.ty)));
    if a.is_empty() {
        a.push("void".into());
    }
    format!("{} ({abi}*)({})", c_type(&m.ret), a.join(", "))
}

/// `gen/thunks.c`.
pub fn thunks(table: &Table) -> String {
    let mut s = String::new();
    s.push_str(
        "/* Generated by mapi-abi (src/wine.rs) from abi/interfaces.idl: do not edit. */\n\
         #include \"../bridge.h\"\n\n",
    );
    // Interface descriptors, declared first (thunks name them).
    for i in &table.interfaces {
        let _ = writeln!(s, "extern const struct br_iface br_iface_{};", i.name);
    }
    s.push('\n');
    // ms_abi thunks over our objects.
    for i in &table.interfaces {
        let slots = table.slots(&i.name);
        for (slot, (_, m)) in slots.iter().enumerate().skip(3) {
            let mut decl = vec!["struct br_wrap *This".to_string()];
            decl.extend(params_decl(m));
            let _ = writeln!(
                s,
                "static {} WINAPI ms_{}_{}({})\n{{",
                c_type(&m.ret),
                i.name,
                m.name,
                decl.join(", ")
            );
            let call = format!(
                "(({})BR_INNER_VTBL(This)[{slot}])",
                fn_ptr_type(m, "", true)
            );
            s.push_str(&body(table, m, &call, Some("This->inner")));
            s.push_str("}\n\n");
        }
        let _ = writeln!(s, "static const void *const ms_vtbl_{}[] = {{", i.name);
        s.push_str("    (const void *)br_ms_QueryInterface,\n    (const void *)br_ms_AddRef,\n    (const void *)br_ms_Release,\n");
        for (_, m) in slots.iter().skip(3) {
            let _ = writeln!(s, "    (const void *)ms_{}_{},", i.name, m.name);
        }
        s.push_str("};\n\n");
    }
    // SysV thunks over the client's objects.
    for name in CLIENT_INTERFACES {
        let slots = table.slots(name);
        for (slot, (_, m)) in slots.iter().enumerate().skip(3) {
            let mut decl = vec!["struct br_cwrap *This".to_string()];
            decl.extend(params_decl(m));
            let _ = writeln!(
                s,
                "static {} sysv_{}_{}({})\n{{",
                c_type(&m.ret),
                name,
                m.name,
                decl.join(", ")
            );
            let args: Vec<String> = m.params.iter().map(|p| p.name.clone()).collect();
            if *name == "IMAPIAdviseSink" && m.name == "OnNotify" {
                let _ = writeln!(s, "    return br_sink_notify(This, {});", args.join(", "));
            } else {
                let mut all = vec!["This->client".to_string()];
                all.extend(args.iter().map(|a| {
                    let p = m.params.iter().find(|p| &p.name == a);
                    match p.map(|p| p.ty.trim()) {
                        Some("IStream *") => format!("br_unwrap_client({a})"),
                        Some("IStream **") => a.clone(),
                        _ => a.clone(),
                    }
                }));
                let call = format!(
                    "(({})BR_CLIENT_VTBL(This)[{slot}])({})",
                    fn_ptr_type(m, "WINAPI ", true),
                    all.join(", ")
                );
                if c_type(&m.ret) == "void" {
                    let _ = writeln!(s, "    {call};");
                } else {
                    let _ = writeln!(s, "    return {call};");
                }
            }
            s.push_str("}\n\n");
        }
        let _ = writeln!(s, "static const void *const sysv_vtbl_{name}[] = {{");
        s.push_str("    (const void *)br_sysv_QueryInterface,\n    (const void *)br_sysv_AddRef,\n    (const void *)br_sysv_Release,\n");
        for (_, m) in slots.iter().skip(3) {
            let _ = writeln!(s, "    (const void *)sysv_{name}_{},", m.name);
        }
        s.push_str("};\n\n");
    }
    // Descriptors.
    for i in &table.interfaces {
        let g = i.iid;
        let d = g.data4;
        let parent = i
            .parent
            .as_ref()
            .map(|p| format!("&br_iface_{p}"))
            .unwrap_or_else(|| "NULL".into());
        let sysv = if CLIENT_INTERFACES.contains(&i.name.as_str()) {
            format!("sysv_vtbl_{}", i.name)
        } else {
            "NULL".into()
        };
        let _ = writeln!(
            s,
            "const struct br_iface br_iface_{n} = {{\"{n}\", {{0x{:08X}, 0x{:04X}, 0x{:04X}, {{0x{:02X}, 0x{:02X}, 0x{:02X}, 0x{:02X}, 0x{:02X}, 0x{:02X}, 0x{:02X}, 0x{:02X}}}}}, {parent}, ms_vtbl_{n}, {sysv}}};",
            g.data1,
            g.data2,
            g.data3,
            d[0],
            d[1],
            d[2],
            d[3],
            d[4],
            d[5],
            d[6],
            d[7],
            n = i.name
        );
    }
    s.push_str("\nconst struct br_iface *const br_ifaces[] = {\n");
    for i in &table.interfaces {
        let _ = writeln!(s, "    &br_iface_{},", i.name);
    }
    s.push_str("    NULL,\n};\n\n");
    // Exported functions.
    s.push_str("struct br_lib br_lib;\n\nstatic const struct { const char *name; void **slot; } br_lib_names[] = {\n");
    for f in &table.functions {
        let _ = writeln!(s, "    {{\"{0}\", (void **)&br_lib.{0}}},", f.method.name);
    }
    s.push_str("};\n\nint br_lib_resolve(void *so)\n{\n    size_t i;\n    for (i = 0; i < sizeof br_lib_names / sizeof br_lib_names[0]; i++)\n        if (!(*br_lib_names[i].slot = dlsym(so, br_lib_names[i].name))) return 0;\n    return 1;\n}\n\n");
    for f in &table.functions {
        let m = &f.method;
        if MANUAL_FUNCTIONS.contains(&m.name.as_str()) {
            continue;
        }
        let decl = params_decl(m);
        let decl = if decl.is_empty() {
            "void".into()
        } else {
            decl.join(", ")
        };
        let fail = match c_type(&m.ret).as_str() {
            "int32_t" => " BR_E_CALL_FAILED",
            "void" => "",
            "void *" => " NULL",
            _ => " 0",
        };
        let _ = writeln!(
            s,
            "{} WINAPI {}({decl})\n{{\n    if (!br_ensure_lib()) return{fail};",
            c_type(&m.ret),
            m.name
        );
        let call = format!("br_lib.{}", m.name);
        s.push_str(&body(table, m, &call, None));
        s.push_str("}\n\n");
    }
    s
}

/// `gen/libmapi.h`: the SysV entry points of libmapi.so.1 the bridge resolves.
pub fn lib_header(table: &Table) -> String {
    let mut s = String::from(
        "/* Generated by mapi-abi (src/wine.rs) from abi/interfaces.idl: do not edit. */\n\
         /* libmapi.so.1's exported functions (SysV ABI), resolved with dlsym. */\n",
    );
    for f in &table.functions {
        let m = &f.method;
        let _ = writeln!(
            s,
            "typedef {};",
            fn_ptr_type(m, "", false).replacen("(*)", &format!("(*br_fn_{})", m.name), 1)
        );
    }
    s.push_str("\nstruct br_lib {\n");
    for f in &table.functions {
        let _ = writeln!(s, "    br_fn_{0} {0};", f.method.name);
    }
    s.push_str("};\n\nextern struct br_lib br_lib;\n");
    s
}

fn spec_arg(ty: &str) -> &'static str {
    match c_type(ty).as_str() {
        "int32_t" | "uint32_t" | "int" => "long",
        "int64_t" | "uint64_t" => "int64",
        _ => "ptr",
    }
}

/// `gen/mapibridge.spec`: every export of the bridge DLL, undecorated.
pub fn spec(table: &Table) -> String {
    let mut s = String::from("# Generated by mapi-abi (src/wine.rs): do not edit.\n");
    for f in &table.functions {
        let args: Vec<&str> = f.method.params.iter().map(|p| spec_arg(&p.ty)).collect();
        let _ = writeln!(s, "@ stdcall {}({})", f.method.name, args.join(" "));
    }
    for (name, args) in EXTRA_EXPORTS {
        let _ = writeln!(s, "@ stdcall {name}({args})");
    }
    s
}

/// `gen/mapi32.def`: the code-less PE `mapi32.dll` forwarding every export to the bridge.
pub fn forward_def(table: &Table) -> String {
    let mut s = String::from(
        "; Generated by mapi-abi (src/wine.rs): do not edit.\nLIBRARY mapi32\nEXPORTS\n",
    );
    let names = table
        .functions
        .iter()
        .map(|f| f.method.name.as_str())
        .chain(EXTRA_EXPORTS.iter().map(|(n, _)| *n));
    for n in names {
        let _ = writeln!(s, "    {n} = {DLL}.{n}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_classified_by_type_and_name() {
        let t = Table::load();
        let m = &t
            .slots("IMAPIProp")
            .into_iter()
            .find(|(_, m)| m.name == "GetProps")
            .unwrap()
            .1
            .clone();
        assert_eq!(
            classify(&t, m, &m.params[3]),
            Conv::PropsOut(Some("lpcValues".into()))
        );
        let m = t
            .slots("IMAPISession")
            .into_iter()
            .find(|(_, m)| m.name == "GetMsgStoresTable")
            .unwrap()
            .1;
        assert_eq!(
            classify(&t, m, &m.params[1]),
            Conv::WrapOut("IMAPITable".into())
        );
        let f = &t
            .functions
            .iter()
            .find(|f| f.method.name == "MAPILogonEx")
            .unwrap()
            .method;
        assert_eq!(classify(&t, f, &f.params[1]), Conv::StrIn);
    }

    #[test]
    fn every_function_and_extra_name_is_exported_and_forwarded() {
        let t = Table::load();
        let spec = spec(&t);
        let def = forward_def(&t);
        for n in ["MAPILogonEx", "FreeProws", "HexFromBin", "HrQueryAllRows"] {
            assert!(spec.contains(&format!("@ stdcall {n}(")), "{n}");
            assert!(def.contains(&format!("{n} = {DLL}.{n}")), "{n}");
        }
    }

    #[test]
    fn every_mapi32_name_pywin32_looks_up_is_exported_and_forwarded() {
        let t = Table::load();
        let spec = spec(&t);
        let def = forward_def(&t);
        let list = include_str!("../abi/pywin32-mapi32.txt");
        let names: Vec<&str> = list
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert!(names.len() >= 112, "{}", names.len());
        let missing: Vec<&&str> = names
            .iter()
            .filter(|n| {
                !spec.contains(&format!("@ stdcall {n}("))
                    || !def.contains(&format!("{n} = {DLL}.{n}\n"))
            })
            .collect();
        assert!(missing.is_empty(), "not exported: {missing:?}");
    }
}
