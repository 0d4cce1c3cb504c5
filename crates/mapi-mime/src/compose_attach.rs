//! The attachments of a composed message ([`Attachment`]) and the composed message
//! itself ([`Composed`]), written with its large attachments streamed.
//!
//! An `ATTACH_BY_VALUE` attachment is a part with `Content-Disposition: attachment`,
//! its file name (else `attachment-N`, N its place among the attachments), its
//! PR_ATTACH_MIME_TAG as content type (`application/octet-stream` without one) and
//! PR_ATTACH_CONTENT_ID as Content-ID. Its data is either bytes in memory
//! ([`AttachBody::Bytes`], encoded as mail-builder chooses) or a reader of a known
//! length ([`AttachBody::Stream`]), always base64 in 76-character lines, read and
//! encoded a line block at a time by [`Composed::write_to`], so a large attachment is
//! never whole in memory. An `ATTACH_EMBEDDED_MSG` attachment ([`AttachBody::Message`])
//! is a `message/rfc822` part holding the embedded message's RFC 5322 form as it is (7bit
//! or 8bit, never re-encoded, as RFC 2046 §5.2.1 asks); an empty one is left out.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use mail_builder::MessageBuilder;
use mail_builder::encoders::base64::base64_encode_mime;
use mail_builder::mime::{BodyPart, MimePart};

/// One attachment of a message being composed.
pub struct Attachment<'a> {
    /// PR_ATTACH_LONG_FILENAME, else PR_ATTACH_FILENAME, else PR_DISPLAY_NAME.
    pub file_name: Option<String>,
    /// PR_ATTACH_MIME_TAG.
    pub mime_tag: Option<String>,
    /// PR_ATTACH_CONTENT_ID.
    pub content_id: Option<String>,
    /// The data.
    pub body: AttachBody<'a>,
}

/// An attachment's data.
pub enum AttachBody<'a> {
    /// By value, in memory.
    Bytes(Cow<'a, [u8]>),
    /// By value, `len` bytes read from `reader` while the message is written.
    Stream {
        /// How many bytes the reader gives (fewer or more is an error).
        len: u64,
        /// The data.
        reader: Box<dyn Read + 'a>,
    },
    /// An embedded message's RFC 5322 form.
    Message(Cow<'a, [u8]>),
}

/// Bytes of input per base64 line (76 characters, then CRLF).
const LINE_INPUT: usize = 57;
/// Bytes read from a streamed attachment at a time: whole base64 lines.
pub(crate) const BLOCK: usize = LINE_INPUT * 1024;

/// The size of `n` bytes in mail-builder's MIME base64 (76-character lines with CRLF).
pub fn base64_len(n: u64) -> u64 {
    let rem = n % LINE_INPUT as u64;
    n / LINE_INPUT as u64 * 78 + if rem > 0 { rem.div_ceil(3) * 4 + 2 } else { 0 }
}

struct Stream<'a> {
    marker: String,
    len: u64,
    reader: Box<dyn Read + 'a>,
}

/// A composed message: its MIME form with a placeholder where each streamed
/// attachment's base64 goes.
pub struct Composed<'a> {
    raw: Vec<u8>,
    /// Each stream with the offset of its placeholder in `raw`.
    streams: Vec<(usize, Stream<'a>)>,
}

fn unique() -> u64 {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    now ^ COUNT.fetch_add(1, Ordering::Relaxed).rotate_left(40)
}

/// Adds `attachments` to `b` and writes it.
pub(crate) fn finish<'b, 'a: 'b>(
    mut b: MessageBuilder<'b>,
    attachments: Vec<Attachment<'a>>,
) -> Composed<'a> {
    let nonce = unique();
    let mut streams = Vec::new();
    for (i, a) in attachments.into_iter().enumerate() {
        let name = a
            .file_name
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        let ct = a
            .mime_tag
            .unwrap_or_else(|| "application/octet-stream".into());
        let part = match a.body {
            AttachBody::Bytes(bytes) => MimePart::new(ct, BodyPart::Binary(bytes)),
            AttachBody::Stream { len, reader } => {
                let marker = format!("=_mapi-attachment-{nonce:016x}-{i}_=");
                let part = MimePart::new(ct, BodyPart::Text(Cow::Owned(marker.clone())))
                    .transfer_encoding("base64");
                streams.push(Stream {
                    marker,
                    len,
                    reader,
                });
                part
            }
            AttachBody::Message(data) if !data.is_empty() => {
                let encoding = if data.is_ascii() { "7bit" } else { "8bit" };
                b.attachments.get_or_insert_with(Vec::new).push(
                    MimePart::new("message/rfc822", BodyPart::Binary(data))
                        .attachment(name)
                        .transfer_encoding(encoding),
                );
                continue;
            }
            AttachBody::Message(_) => continue,
        };
        let part = match a.content_id {
            Some(cid) => part.cid(cid),
            None => part,
        };
        b.attachments
            .get_or_insert_with(Vec::new)
            .push(part.attachment(name));
    }
    let mut raw = Vec::new();
    // writing to a Vec cannot fail
    let _ = b.write_to(&mut raw);
    let mut from = 0;
    let mut placed = Vec::with_capacity(streams.len());
    for s in streams {
        let m = s.marker.as_bytes();
        // the placeholders are written in order, each once
        let at = raw[from..]
            .windows(m.len())
            .position(|w| w == m)
            .map_or(raw.len(), |p| p + from);
        from = (at + m.len()).min(raw.len());
        placed.push((at, s));
    }
    Composed {
        raw,
        streams: placed,
    }
}

/// Fills `buf` from `r`; fewer bytes only at its end.
fn fill(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<'a> Composed<'a> {
    /// The size of the whole message in bytes, streamed attachments' base64 included.
    pub fn len(&self) -> u64 {
        self.streams
            .iter()
            .fold(self.raw.len() as u64, |t, (_, s)| {
                t - s.marker.len() as u64 + base64_len(s.len)
            })
    }

    /// Whether the message has no bytes (never: it has a header).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the message to `out`, each streamed attachment read and encoded 57 KiB
    /// (whole base64 lines) at a time. A reader that fails, or gives other than its
    /// length, is an error (`InvalidData` for a wrong length) after what was written so
    /// far.
    pub fn write_to(self, mut out: impl Write) -> io::Result<()> {
        let mut from = 0;
        let mut buf = vec![0u8; BLOCK];
        let mut encoded = Vec::with_capacity(base64_len(BLOCK as u64) as usize);
        for (at, mut s) in self.streams {
            if at >= self.raw.len() {
                return Err(io::Error::other(
                    "an attachment's place in the message is lost",
                ));
            }
            out.write_all(&self.raw[from..at])?;
            from = at + s.marker.len();
            let mut total = 0u64;
            loop {
                let n = fill(&mut s.reader, &mut buf)?;
                total += n as u64;
                if total > s.len {
                    break;
                }
                encoded.clear();
                base64_encode_mime(&buf[..n], &mut encoded, false)?;
                out.write_all(&encoded)?;
                if n < buf.len() {
                    break;
                }
            }
            if total != s.len {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "an attachment gave {} bytes where {} were expected",
                        if total > s.len { "more" } else { "fewer" },
                        s.len
                    ),
                ));
            }
        }
        out.write_all(&self.raw[from..])
    }

    /// The whole message in memory.
    pub fn into_vec(self) -> io::Result<Vec<u8>> {
        let mut v = Vec::with_capacity(usize::try_from(self.len()).unwrap_or(0));
        self.write_to(&mut v)?;
        Ok(v)
    }
}
