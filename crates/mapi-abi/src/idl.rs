//! The interface table (`abi/interfaces.idl`), parsed.

use std::fmt;

/// One parameter: its C type and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// The C type, as written (`ULONG *`, `LPSRowSet`).
    pub ty: String,
    /// The parameter's name.
    pub name: String,
}

/// A method or function: return type, name, parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method {
    /// The C return type.
    pub ret: String,
    /// The name.
    pub name: String,
    /// The parameters (without `This`).
    pub params: Vec<Param>,
}

/// A 16-byte GUID in its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guid {
    /// `Data1`.
    pub data1: u32,
    /// `Data2`.
    pub data2: u16,
    /// `Data3`.
    pub data3: u16,
    /// `Data4`.
    pub data4: [u8; 8],
}

impl Guid {
    /// An OLE GUID `{l, 0, 0, {C0,0,0,0,0,0,0,46}}` (every MAPI IID).
    pub fn ole(l: u32) -> Guid {
        Guid {
            data1: l,
            data2: 0,
            data3: 0,
            data4: [0xC0, 0, 0, 0, 0, 0, 0, 0x46],
        }
    }

    /// Parses `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`.
    pub fn parse(text: &str) -> Option<Guid> {
        let t = text.strip_prefix('{')?.strip_suffix('}')?;
        let parts: Vec<&str> = t.split('-').collect();
        if parts.len() != 5 || parts[3].len() != 4 || parts[4].len() != 12 {
            return None;
        }
        let tail = format!("{}{}", parts[3], parts[4]);
        let mut data4 = [0u8; 8];
        for (i, b) in data4.iter_mut().enumerate() {
            *b = u8::from_str_radix(tail.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Guid {
            data1: u32::from_str_radix(parts[0], 16).ok()?,
            data2: u16::from_str_radix(parts[1], 16).ok()?,
            data3: u16::from_str_radix(parts[2], 16).ok()?,
            data4,
        })
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data4;
        write!(
            f,
            "{{{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
            self.data1, self.data2, self.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}

/// One interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// `IMAPITable`.
    pub name: String,
    /// The parent (`None` for IUnknown).
    pub parent: Option<String>,
    /// Its IID.
    pub iid: Guid,
    /// Its pointer typedef (`LPMAPITABLE`).
    pub lp_name: String,
    /// The header that declares it.
    pub header: String,
    /// Its own methods, in order (after the parent's).
    pub methods: Vec<Method>,
}

/// An exported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// The header that declares it.
    pub header: String,
    /// The signature.
    pub method: Method,
}

/// The whole table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Interfaces, parents before children.
    pub interfaces: Vec<Interface>,
    /// Exported functions.
    pub functions: Vec<Function>,
}

/// The interface table of this repository.
pub const INTERFACES_IDL: &str = include_str!("../abi/interfaces.idl");

impl Table {
    /// The repository's table.
    pub fn load() -> Table {
        Table::parse(INTERFACES_IDL).unwrap_or_else(|e| panic!("abi/interfaces.idl: {e}"))
    }

    /// Parses the table's text; errors name the line.
    pub fn parse(text: &str) -> Result<Table, String> {
        let mut t = Table {
            interfaces: Vec::new(),
            functions: Vec::new(),
        };
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let at = |e: &str| format!("line {}: {e}: {raw}", n + 1);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix("interface ") {
                let w: Vec<&str> = rest.split_whitespace().collect();
                let (name, parent, iid, lp, header) = match w.as_slice() {
                    [name, "-", iid, lp, header] => (*name, None, *iid, *lp, *header),
                    [name, ":", parent, iid, lp, header] => {
                        (*name, Some(parent.to_string()), *iid, *lp, *header)
                    }
                    _ => return Err(at("bad interface line")),
                };
                if let Some(p) = &parent
                    && !t.interfaces.iter().any(|i| &i.name == p)
                {
                    return Err(at("parent not declared before"));
                }
                let iid = match iid.strip_prefix("0x") {
                    Some(hex) => {
                        Guid::ole(u32::from_str_radix(hex, 16).map_err(|_| at("bad IID"))?)
                    }
                    None => Guid::parse(iid).ok_or_else(|| at("bad IID"))?,
                };
                t.interfaces.push(Interface {
                    name: name.into(),
                    parent,
                    iid,
                    lp_name: lp.into(),
                    header: header.into(),
                    methods: Vec::new(),
                });
            } else if let Some(rest) = line.strip_prefix("function ") {
                let (header, sig) = rest.split_once(' ').ok_or_else(|| at("bad function"))?;
                t.functions.push(Function {
                    header: header.into(),
                    method: parse_method(sig).ok_or_else(|| at("bad signature"))?,
                });
            } else if raw.starts_with("  ") {
                let m = parse_method(line).ok_or_else(|| at("bad signature"))?;
                let i = t
                    .interfaces
                    .last_mut()
                    .ok_or_else(|| at("method outside interface"))?;
                i.methods.push(m);
            } else {
                return Err(at("unknown line"));
            }
        }
        Ok(t)
    }

    /// An interface by name.
    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    /// The IID chain of an interface, IUnknown first.
    pub fn chain(&self, name: &str) -> Vec<&Interface> {
        let mut out = Vec::new();
        let mut at = self.interface(name);
        while let Some(i) = at {
            out.push(i);
            at = i.parent.as_deref().and_then(|p| self.interface(p));
        }
        out.reverse();
        out
    }

    /// Every slot of an interface's vtable, in order: (declaring interface, method).
    pub fn slots(&self, name: &str) -> Vec<(&Interface, &Method)> {
        self.chain(name)
            .into_iter()
            .flat_map(|i| i.methods.iter().map(move |m| (i, m)))
            .collect()
    }
}

fn parse_method(sig: &str) -> Option<Method> {
    let open = sig.find('(')?;
    let close = sig.rfind(')')?;
    let head = sig[..open].trim();
    let split = head.rfind([' ', '*'])?;
    let ret = head[..=split].trim().to_string();
    let name = head[split + 1..].trim().to_string();
    let args = sig[open + 1..close].trim();
    let mut params = Vec::new();
    if !args.is_empty() {
        for a in args.split(',') {
            let a = a.trim();
            let split = a.rfind([' ', '*'])?;
            params.push(Param {
                ty: a[..=split].trim().to_string(),
                name: a[split + 1..].trim().to_string(),
            });
        }
    }
    if name.is_empty() || ret.is_empty() || params.iter().any(|p| p.name.is_empty()) {
        return None;
    }
    Some(Method { ret, name, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_with_every_slot_of_c_abi_section_3() {
        let t = Table::load();
        let count = |n: &str| t.slots(n).len();
        // Slot counts of c-abi.md §3.
        for (name, n) in [
            ("IUnknown", 3),
            ("IMAPIProp", 14),
            ("IMAPITable", 26),
            ("IMAPISession", 22),
            ("IMsgStore", 27),
            ("IMAPIContainer", 19),
            ("IMAPIFolder", 30),
            ("IMessage", 22),
            ("IAttach", 14),
            ("IMailUser", 14),
            ("IProfSect", 14),
            ("IAddrBook", 32),
            ("IABContainer", 23),
            ("IDistList", 23),
            ("IProfAdmin", 12),
            ("IMsgServiceAdmin", 15),
            ("IMsgServiceAdmin2", 16),
            ("IProviderAdmin", 8),
            ("IMAPIAdviseSink", 4),
            ("IMAPIStatus", 18),
            ("IMAPIProgress", 8),
            ("IStream", 14),
            ("IMalloc", 9),
        ] {
            assert_eq!(count(name), n, "{name}");
        }
        let table = t.slots("IMAPITable");
        assert_eq!(table[9].1.name, "GetRowCount");
        assert_eq!(table[19].1.name, "QueryRows");
        assert_eq!(t.interface("IMAPIFolder").unwrap().iid, Guid::ole(0x2030C));
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let e = Table::parse("interface IFoo : IBar 0x1 LPFOO x.h\n").unwrap_err();
        assert!(e.starts_with("line 1: parent not declared"), "{e}");
        let e = Table::parse("interface IUnknown - 0x0 LPUNKNOWN x.h\n  HRESULT Broken(\n")
            .unwrap_err();
        assert!(e.starts_with("line 2: bad signature"), "{e}");
    }

    #[test]
    fn guids_parse_and_print() {
        let g = Guid::parse("{0C733A30-2A1C-11CE-ADE5-00AA0044773D}").unwrap();
        assert_eq!(g.to_string(), "{0C733A30-2A1C-11CE-ADE5-00AA0044773D}");
        assert_eq!(
            Guid::ole(0x20301).to_string(),
            "{00020301-0000-0000-C000-000000000046}"
        );
    }
}
