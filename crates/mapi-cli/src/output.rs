//! Rendering: JSON values and plain-text tables on stdout.

use serde_json::Value;

/// Prints `warning: TEXT` on stderr, the text's control characters escaped. `text` is
/// the warning's sentence alone (no "warning:" of its own).
pub fn warn(text: &str) {
    eprintln!("warning: {}", mapi::printable(text));
}

/// Prints a JSON value on one line.
pub fn print_json(v: &Value) {
    println!("{v}");
}

/// Prints rows as aligned columns under a header.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i < width.len() {
                width[i] = width[i].max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        println!("{}", s.trim_end());
    };
    line(header.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}

/// Reads the first line of standard input (a password), without its line ending.
pub fn read_stdin_line() -> Result<String, crate::error::CliError> {
    let mut s = String::new();
    std::io::stdin()
        .read_line(&mut s)
        .map_err(|e| crate::error::CliError::invalid(format!("cannot read standard input: {e}")))?;
    while s.ends_with('\n') || s.ends_with('\r') {
        s.pop();
    }
    Ok(s)
}

/// A row as a JSON object keyed by property name in snake_case without `PR_`
/// (`display_name`, `default_store`); unnamed tags by their hex value.
pub fn row_json(row: &mapi_types::Row) -> Value {
    let mut m = serde_json::Map::new();
    for (tag, v) in &row.0 {
        if matches!(v, mapi_types::PropValue::Error(_)) {
            continue;
        }
        m.insert(prop_key(*tag), value_json(*tag, v));
    }
    Value::Object(m)
}

/// The JSON key of a property.
pub fn prop_key(tag: mapi_types::PropTag) -> String {
    match tag.name() {
        Some(n) => n.trim_start_matches("PR_").to_ascii_lowercase(),
        None => format!("0x{:08x}", tag.0),
    }
}

fn value_json(tag: mapi_types::PropTag, v: &mapi_types::PropValue) -> Value {
    use mapi_types::PropValue as V;
    match v {
        V::Boolean(b) => Value::Bool(*b),
        V::I2(n) => serde_json::json!(n),
        V::Long(n)
            if tag.id() == mapi_types::tags::PR_RESOURCE_FLAGS.id()
                || tag.id() == mapi_types::tags::PR_STATUS_CODE.id() =>
        {
            serde_json::json!(*n as u32)
        }
        V::Long(n) => serde_json::json!(n),
        V::I8(n) | V::Currency(n) => serde_json::json!(n),
        V::SysTime(ft) => Value::String(filetime_iso(*ft)),
        V::Multi(_, vs) => Value::Array(vs.iter().map(|x| value_json(tag, x)).collect()),
        other => Value::String(value_text(other)),
    }
}

/// A value as text (binary as hex, times as ISO 8601 UTC).
pub fn value_text(v: &mapi_types::PropValue) -> String {
    match v {
        mapi_types::PropValue::SysTime(ft) => filetime_iso(*ft),
        other => other.to_string(),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a FILETIME.
pub fn filetime_iso(ft: u64) -> String {
    let secs = mapi_types::unix_from_filetime(ft);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetime_renders_as_utc() {
        assert_eq!(
            filetime_iso(mapi_types::filetime_from_unix(0)),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            filetime_iso(mapi_types::filetime_from_unix(1_700_000_000)),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            filetime_iso(mapi_types::filetime_from_unix(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn keys_are_snake_case_without_prefix() {
        assert_eq!(
            prop_key(mapi_types::tags::PR_DEFAULT_STORE),
            "default_store"
        );
        assert_eq!(prop_key(mapi_types::PropTag(0x6650_0003)), "0x66500003");
    }
}
