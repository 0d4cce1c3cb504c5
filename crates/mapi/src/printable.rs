//! Text safe to show on a terminal: control characters (ESC, CR, newline, ...) in text
//! that came from outside (a profile name typed by the user, a server's reply, a file
//! name) are shown escaped, so they can neither move the cursor, recolour the screen,
//! nor fake a line of output.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character escaped (`\u{1b}`, `\n`, `\t`, `\r`, ...);
/// borrowed unchanged when there is none.
///
/// ```
/// assert_eq!(mapi::printable("Beta"), "Beta");
/// assert_eq!(mapi::printable("\u{1b}[2Jx\ny"), "\\u{1b}[2Jx\\ny");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_character_is_escaped_and_nothing_else() {
        for c in (0u32..0x110000).filter_map(char::from_u32) {
            let shown = printable(&c.to_string()).into_owned();
            if c.is_control() {
                assert!(!shown.chars().any(char::is_control), "{c:?} -> {shown:?}");
                assert!(shown.starts_with('\\'), "{c:?} -> {shown:?}");
            } else {
                assert_eq!(shown, c.to_string());
            }
        }
        assert_eq!(printable("Zoë \"x\""), "Zoë \"x\"");
    }
}
