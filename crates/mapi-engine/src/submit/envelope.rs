//! A message object's envelope: every To, Cc and Bcc address of its recipient table;
//! and the bytes handed to the transport without a Bcc header field (RFC 5322 §3.6.3
//! lets the sender remove it; the Bcc recipients are in the envelope only).

use mapi_spi::PropObject;
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_TO};
use mapi_types::{Row, tags};

use crate::error::{EngineError, Result};

/// How many recipient rows are read from a recipient table at a time.
const RECIPIENT_PAGE: usize = 256;

/// The envelope recipients of a message, from its recipient table.
pub(super) struct Envelope {
    /// Every To, Cc and Bcc address, each once, in table order.
    pub(super) addresses: Vec<String>,
    /// The PR_ADDRTYPE of each row that has one, with the row's position.
    types: Vec<(usize, String)>,
}

impl Envelope {
    /// Every address type must be one the transport delivers to.
    pub(super) fn check_types(&self, accepted: &[String]) -> Result<()> {
        match self
            .types
            .iter()
            .find(|(_, t)| !accepted.iter().any(|a| a.eq_ignore_ascii_case(t)))
        {
            None => Ok(()),
            Some((i, t)) => Err(EngineError::InvalidParameter(format!(
                "recipient {i} has address type \"{t}\", which the transport does not deliver \
                 to (it takes {})",
                accepted.join(", ")
            ))),
        }
    }
}

pub(super) async fn envelope(object: &dyn PropObject) -> Result<Envelope> {
    let mut source = object.recipient_table(0).await?;
    let columns = [
        tags::PR_RECIPIENT_TYPE,
        tags::PR_EMAIL_ADDRESS,
        tags::PR_ADDRTYPE,
        tags::PR_DISPLAY_NAME,
    ];
    let count = source.count()?;
    let mut out = Envelope {
        addresses: Vec::new(),
        types: Vec::new(),
    };
    let mut start = 0;
    while start < count {
        let rows = source.rows(start, RECIPIENT_PAGE, &columns)?;
        if rows.is_empty() {
            break;
        }
        for (i, row) in rows.iter().enumerate() {
            add_recipient(&mut out, start + i, row)?;
        }
        start += rows.len();
    }
    Ok(out)
}

fn add_recipient(out: &mut Envelope, i: usize, row: &Row) -> Result<()> {
    let kind = row.int(tags::PR_RECIPIENT_TYPE).map(|k| k as i32 & 0xF);
    if !matches!(kind, Some(MAPI_TO | MAPI_CC | MAPI_BCC)) {
        return Err(EngineError::InvalidParameter(format!(
            "recipient {i} is not MAPI_TO, MAPI_CC or MAPI_BCC (PR_RECIPIENT_TYPE {kind:?})"
        )));
    }
    let address = row
        .str(tags::PR_EMAIL_ADDRESS)
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            EngineError::InvalidParameter(format!(
                "recipient {i} ({}) has no PR_EMAIL_ADDRESS: resolve it first",
                row.str(tags::PR_DISPLAY_NAME).unwrap_or("no name")
            ))
        })?;
    if let Some(t) = row.str(tags::PR_ADDRTYPE).filter(|t| !t.is_empty()) {
        out.types.push((i, t.to_string()));
    }
    if !out
        .addresses
        .iter()
        .any(|a| a.eq_ignore_ascii_case(address))
    {
        out.addresses.push(address.to_string());
    }
    Ok(())
}

/// The message without its `Bcc:` header field (folded lines included); the body and
/// every other field are left byte for byte.
pub(super) fn strip_bcc(raw: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut pos = 0;
    let mut dropping = false;
    while pos < raw.len() {
        let end = raw[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |n| pos + n + 1);
        let line = &raw[pos..end];
        if line == b"\r\n" || line == b"\n" {
            // The end of the header block: the rest is the body.
            out.extend_from_slice(&raw[pos..]);
            return out;
        }
        let folded = line.first().is_some_and(|&b| b == b' ' || b == b'\t');
        if !folded {
            dropping = line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"bcc:");
        }
        if !dropping {
            out.extend_from_slice(line);
        }
        pos = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip_bcc;

    #[test]
    fn the_bcc_field_goes_and_nothing_else() {
        let raw = b"From: a@example.org\r\nBcc: b@example.org,\r\n c@example.org\r\n\
                    To: d@example.org\r\nbcc:e@example.org\r\n\r\nBcc: in the body\r\n";
        assert_eq!(
            strip_bcc(raw.to_vec()),
            b"From: a@example.org\r\nTo: d@example.org\r\n\r\nBcc: in the body\r\n"
        );
        let plain = b"Subject: x\nX-Bcc-Note: kept\n\nbody".to_vec();
        assert_eq!(strip_bcc(plain.clone()), plain);
        assert_eq!(strip_bcc(Vec::new()), b"");
    }
}
