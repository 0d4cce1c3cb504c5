//! IMAP wire format on imap-codec: its [`Fragmentizer`] frames the byte stream into
//! lines and finds their literal announcements (the literal bytes are copied here, in
//! whole chunks), its `GreetingCodec`/`ResponseCodec` decode each response;
//! [`Reader`] adds the bounds the fragmentizer cannot express (line length, literal
//! size, nesting depth, deadlines) and turns a decoded response into the few owned
//! facts the client uses ([`Response`]). Also quoting and modified UTF-7 for commands.

use imap_codec::decode::Decoder;
use imap_codec::fragmentizer::{FragmentInfo, Fragmentizer};
use imap_codec::imap_types::core::{IString, NString};
use imap_codec::imap_types::extensions::uidplus::UidElement;
use imap_codec::imap_types::fetch::MessageDataItem;
use imap_codec::imap_types::flag::FlagFetch;
use imap_codec::imap_types::mailbox::Mailbox;
use imap_codec::imap_types::response::{self as r, GreetingKind, StatusKind};
use imap_codec::imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};
use imap_codec::imap_types::status::StatusDataItem;
use imap_codec::{GreetingCodec, ResponseCodec};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio::time::Instant;

use super::{Fetched, Limits, ListEntry};

/// Status of a status response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    /// OK.
    Ok,
    /// NO.
    No,
    /// BAD.
    Bad,
    /// BYE (untagged only).
    Bye,
    /// PREAUTH (greeting only).
    PreAuth,
}

/// The response codes the client uses; the others by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// `[UIDVALIDITY n]`.
    UidValidity(u32),
    /// `[UIDNEXT n]`.
    UidNext(u32),
    /// `[HIGHESTMODSEQ n]`.
    HighestModSeq(u64),
    /// `[APPENDUID validity uid]`.
    AppendUid(u32, u32),
    /// `[COPYUID validity source destination]`: the validity and the first
    /// destination UID.
    CopyUid(u32, u32),
    /// `[CAPABILITY ...]`, upper case.
    Capability(Vec<String>),
    /// Any other code, by its name (`LIMIT`, `UNAVAILABLE`, ...).
    Other(String),
}

/// What a `* STATUS` response says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusData {
    /// The mailbox's raw name.
    pub mailbox: Vec<u8>,
    /// MESSAGES.
    pub messages: Option<u32>,
    /// UIDNEXT.
    pub uidnext: Option<u32>,
    /// UIDVALIDITY.
    pub uidvalidity: Option<u32>,
    /// HIGHESTMODSEQ.
    pub highestmodseq: Option<u64>,
}

/// Untagged data the client uses; the rest is [`Data::Other`].
#[derive(Debug)]
pub enum Data {
    /// `* n FETCH (...)`.
    Fetch(Fetched),
    /// `* LIST ...`.
    List(ListEntry),
    /// `* STATUS ...`.
    Status(StatusData),
    /// `* n EXISTS`.
    Exists(u32),
    /// `* CAPABILITY ...`, upper case.
    Capability(Vec<String>),
    /// `* ENABLED ...`, upper case.
    Enabled(Vec<String>),
    /// `* VANISHED [(EARLIER)] set`, as ranges (never expanded).
    Vanished {
        /// `(EARLIER)` was given.
        earlier: bool,
        /// The UID ranges.
        uids: Vec<(u32, u32)>,
    },
    /// Anything else (`* 1 RECENT`, `* FLAGS ...`, ...).
    Other,
    /// An untagged response that does not decode, of a kind the client does not use
    /// (vendor data such as `* XSERVERSTUFF 1 2 3`): its first line, shortened and
    /// made printable, for the log. The client skips it.
    Undecodable(String),
}

/// A decoded response.
#[derive(Debug)]
pub enum Response {
    /// `tag OK/NO/BAD` or `* OK/NO/BAD/BYE/PREAUTH`, with its code and text.
    Status {
        /// The tag; `None` for untagged.
        tag: Option<String>,
        /// The condition.
        cond: Cond,
        /// The response code, when present.
        code: Option<Code>,
        /// The human-readable text.
        text: String,
    },
    /// `+ ...`: the server waits for a literal.
    Continue,
    /// Untagged data.
    Data(Data),
}

impl Response {
    /// Bytes it holds, roughly (for the bound on held responses).
    pub fn size(&self) -> usize {
        32 + match self {
            Response::Status { text, code, .. } => {
                text.len()
                    + match code {
                        Some(Code::Capability(c)) => c.iter().map(String::len).sum(),
                        Some(Code::Other(s)) => s.len(),
                        _ => 16,
                    }
            }
            Response::Continue => 0,
            Response::Data(Data::Fetch(f)) => {
                f.body.as_ref().map_or(0, Vec::len) + f.flags.iter().map(String::len).sum::<usize>()
            }
            Response::Data(Data::List(l)) => {
                l.name.len() + l.attributes.iter().map(String::len).sum::<usize>()
            }
            Response::Data(Data::Status(s)) => s.mailbox.len() + 32,
            Response::Data(Data::Capability(c) | Data::Enabled(c)) => {
                c.iter().map(String::len).sum()
            }
            Response::Data(Data::Vanished { uids, .. }) => uids.len() * 8,
            Response::Data(Data::Exists(_) | Data::Other) => 0,
            Response::Data(Data::Undecodable(first)) => first.len(),
        }
    }
}

/// Untagged responses whose data the client uses: one of these that does not decode is
/// a protocol error (a number out of range is never skipped). Other untagged responses
/// that do not decode are [`Data::Undecodable`], and skipped.
const USED: [&str; 12] = [
    "OK",
    "NO",
    "BAD",
    "BYE",
    "PREAUTH",
    "FETCH",
    "STATUS",
    "LIST",
    "EXISTS",
    "VANISHED",
    "CAPABILITY",
    "ENABLED",
];

/// Deepest nesting of parenthesised lists accepted in a response (checked on the
/// lines before decoding: imap-codec's decoder is not asked to recurse deeper).
pub const MAX_DEPTH: usize = 64;

/// Why reading a response failed.
#[derive(Debug)]
pub enum ReadError {
    /// The byte source failed.
    Io(std::io::Error),
    /// The server closed the connection.
    Closed,
    /// No progress before the deadline.
    Timeout,
    /// A bound was exceeded, or the response cannot be decoded (the reason).
    Bad(String),
}

/// Reads responses from a byte stream within [`Limits`]: framing by imap-codec's
/// fragmentizer, whose maximum message size is [`Limits::response`]; the line, literal
/// and nesting bounds and the deadlines are checked here.
///
/// The fragmentizer frames the lines and finds their literal announcements; a literal's
/// bytes are then copied from the byte source straight into the response, in the chunks
/// they arrive in. (The fragmentizer would copy them one byte at a time, which cost the
/// download benchmark about a third more CPU.) To keep literal bytes away from it, the
/// fragmentizer is given bytes only up to the end of the line being read, and is told
/// to start afresh after each line that announces a literal.
///
/// A read that ends in [`ReadError::Timeout`] keeps what it had of the response (its
/// lines, nesting, and how much of a literal is still to come): the next read goes on
/// from there, so a deadline that passes halfway through a response (an IDLE's end)
/// loses nothing.
pub struct Reader {
    frag: Fragmentizer,
    /// The response being read: its lines and literals.
    msg: Vec<u8>,
    /// Where its lines are in `msg`.
    lines: Vec<(usize, usize)>,
    /// List nesting after its last line.
    depth: usize,
    /// Bytes of a literal still to come.
    literal_left: usize,
    limits: Limits,
    greeted: bool,
}

impl Reader {
    /// A reader whose first response is the greeting.
    pub fn new(limits: Limits) -> Reader {
        Reader {
            frag: Fragmentizer::new(u32::try_from(limits.response).unwrap_or(u32::MAX)),
            msg: Vec::new(),
            lines: Vec::new(),
            depth: 0,
            literal_left: 0,
            limits,
            greeted: false,
        }
    }

    /// A reader past the greeting (after STARTTLS).
    pub fn after_greeting(limits: Limits) -> Reader {
        Reader {
            greeted: true,
            ..Reader::new(limits)
        }
    }

    /// Whether bytes are buffered past the last complete response.
    pub fn has_buffered(&mut self) -> bool {
        self.frag.progress().is_some() || !self.frag.message_bytes().is_empty()
    }

    /// Reads one response. Lines must arrive by `deadline`; a literal's bytes may take
    /// longer as long as each chunk arrives within the read limit.
    pub async fn read<R: AsyncBufRead + Unpin>(
        &mut self,
        io: &mut R,
        mut deadline: Instant,
    ) -> Result<Response, ReadError> {
        let limits = self.limits;
        if self.literal_left > 0 {
            self.read_literal(io, &mut deadline).await?;
        }
        loop {
            match self.frag.progress() {
                Some(
                    line @ FragmentInfo::Line {
                        start,
                        end,
                        announcement,
                        ..
                    },
                ) => {
                    self.check_size()?;
                    if end - start > limits.line + 2 {
                        return Err(too_long_line(&limits));
                    }
                    let bytes = self.frag.fragment_bytes(line);
                    self.depth = nesting(bytes, self.depth)?;
                    let at = self.msg.len();
                    if at + bytes.len() > limits.response {
                        return Err(too_big(&limits));
                    }
                    self.msg.extend_from_slice(bytes);
                    self.lines.push((at, self.msg.len()));
                    let Some(a) = announcement else {
                        let greeting = !self.greeted;
                        self.greeted = true;
                        let decoded = self.decode(greeting, &self.lines);
                        self.msg.clear();
                        self.lines.clear();
                        self.depth = 0;
                        return decoded;
                    };
                    let n = a.length as usize;
                    if n > limits.literal {
                        return Err(ReadError::Bad(format!(
                            "a literal of {n} bytes (limit {})",
                            limits.literal
                        )));
                    }
                    if self.msg.len().saturating_add(n) > limits.response {
                        return Err(too_big(&limits));
                    }
                    // The fragmentizer holds no byte past this line: it starts the next
                    // line afresh once the literal is read here.
                    self.frag.skip_message();
                    self.literal_left = n;
                    self.read_literal(io, &mut deadline).await?;
                }
                Some(FragmentInfo::Literal { .. }) => {
                    // Never given a literal's bytes, the fragmentizer never frames one.
                    return Err(ReadError::Bad("a literal where a line was expected".into()));
                }
                None => {
                    if self.frag.message_bytes().len() > limits.line + 2 {
                        return Err(too_long_line(&limits));
                    }
                    self.check_size()?;
                    let buf = fill(io, deadline).await?;
                    // Up to the line's end only: a literal may follow it.
                    let n = buf
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(buf.len(), |i| i + 1)
                        .min(64 << 10);
                    self.frag.enqueue_bytes(&buf[..n]);
                    io.consume(n);
                }
            }
        }
    }

    /// Copies the literal's remaining bytes from `io` into the response. Each chunk is
    /// progress: it moves `deadline` to the read limit from now.
    async fn read_literal<R: AsyncBufRead + Unpin>(
        &mut self,
        io: &mut R,
        deadline: &mut Instant,
    ) -> Result<(), ReadError> {
        while self.literal_left > 0 {
            let buf = fill(io, *deadline).await?;
            let k = buf.len().min(self.literal_left);
            self.msg.extend_from_slice(&buf[..k]);
            io.consume(k);
            self.literal_left -= k;
            *deadline = Instant::now() + self.limits.read;
        }
        Ok(())
    }

    fn check_size(&self) -> Result<(), ReadError> {
        if self.frag.is_max_message_size_exceeded() {
            return Err(too_big(&self.limits));
        }
        Ok(())
    }

    fn decode(&self, greeting: bool, lines: &[(usize, usize)]) -> Result<Response, ReadError> {
        let bytes = &self.msg[..];
        let first = lines.first().map_or(&bytes[..0], |&(s, e)| &bytes[s..e]);
        let undecodable = || {
            let text = String::from_utf8_lossy(first);
            ReadError::Bad(format!(
                "a response that does not decode as IMAP: {}",
                shown(text.trim_end())
            ))
        };
        if greeting {
            return match GreetingCodec::default().decode(bytes) {
                Ok(([], g)) => from_greeting(g).ok_or_else(undecodable),
                _ => Err(undecodable()),
            };
        }
        match ResponseCodec::default().decode(bytes) {
            Ok(([], resp)) => from_response(resp).ok_or_else(undecodable),
            _ => {
                // A FETCH whose INTERNALDATE is malformed keeps its other items: the
                // date is dropped from the lines (never from a literal) and decoded again.
                if let Some(patched) = without_internaldate(bytes, lines)
                    && let Ok(([], resp @ r::Response::Data(r::Data::Fetch { .. }))) =
                        ResponseCodec::default().decode(&patched)
                {
                    log::warn!("imap: a FETCH with a malformed INTERNALDATE; date dropped");
                    return from_response(resp).ok_or_else(undecodable);
                }
                // A LIST/LSUB whose name is not UTF-8 (Latin-1 from old servers) is
                // decoded with the name as a literal, so its raw bytes are kept: the
                // client skips that folder with a warning.
                if let Some(patched) = name_as_literal(bytes, lines)
                    && let Ok((
                        [],
                        resp @ r::Response::Data(r::Data::List { .. } | r::Data::Lsub { .. }),
                    )) = ResponseCodec::default().decode(&patched)
                {
                    return from_response(resp).ok_or_else(undecodable);
                }
                match untagged_kind(first) {
                    Some(kind) if !USED.iter().any(|u| kind.eq_ignore_ascii_case(u.as_bytes())) => {
                        let text = String::from_utf8_lossy(first);
                        Ok(Response::Data(Data::Undecodable(shown(text.trim_end()))))
                    }
                    _ => Err(undecodable()),
                }
            }
        }
    }
}

/// For an untagged response's first line, its keyword (after the number, if any;
/// empty when there is none); `None` for a tagged one or a continuation request.
fn untagged_kind(first: &[u8]) -> Option<&[u8]> {
    let rest = first.strip_prefix(b"*")?;
    let mut words = rest
        .split(|&b| matches!(b, b' ' | b'\r' | b'\n' | b'(' | b'[' | b'"' | b'{'))
        .filter(|w| !w.is_empty());
    let word = words.next().unwrap_or_default();
    Some(if word.iter().all(u8::is_ascii_digit) {
        words.next().unwrap_or_default()
    } else {
        word
    })
}

fn too_long_line(limits: &Limits) -> ReadError {
    ReadError::Bad(format!("a reply line longer than {} bytes", limits.line))
}

fn too_big(limits: &Limits) -> ReadError {
    ReadError::Bad(format!("a response of more than {} bytes", limits.response))
}

/// Waits for the buffer to have bytes, until `deadline`.
async fn fill<R: AsyncBufRead + Unpin>(io: &mut R, deadline: Instant) -> Result<&[u8], ReadError> {
    match tokio::time::timeout_at(deadline, io.fill_buf()).await {
        Err(_) => Err(ReadError::Timeout),
        Ok(Err(e)) => Err(ReadError::Io(e)),
        Ok(Ok([])) => Err(ReadError::Closed),
        Ok(Ok(buf)) => Ok(buf),
    }
}

/// The list nesting depth after a line, from `depth` before it (quoted strings
/// skipped); deeper than [`MAX_DEPTH`] is an error.
fn nesting(line: &[u8], mut depth: usize) -> Result<usize, ReadError> {
    let mut quoted = false;
    let mut escaped = false;
    for &b in line {
        if quoted {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => quoted = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => quoted = true,
            b'(' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(ReadError::Bad(format!(
                        "lists nested deeper than {MAX_DEPTH}"
                    )));
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(depth)
}

/// The message with `INTERNALDATE "..."` removed from its lines; `None` when it has none.
fn without_internaldate(bytes: &[u8], lines: &[(usize, usize)]) -> Option<Vec<u8>> {
    const KEY: &[u8] = b"INTERNALDATE \"";
    let mut out = Vec::with_capacity(bytes.len());
    let mut last = 0;
    let mut found = false;
    for &(s, e) in lines {
        let line = &bytes[s..e];
        let Some(at) = line
            .windows(KEY.len())
            .position(|w| w.eq_ignore_ascii_case(KEY))
        else {
            continue;
        };
        let value = at + KEY.len();
        let close = line[value..].iter().position(|&b| b == b'"')? + value + 1;
        // the item and one space next to it
        let (from, to) = if line.get(close) == Some(&b' ') {
            (at, close + 1)
        } else if at > 0 && line[at - 1] == b' ' {
            (at - 1, close)
        } else {
            (at, close)
        };
        out.extend_from_slice(&bytes[last..s + from]);
        last = s + to;
        found = true;
    }
    out.extend_from_slice(&bytes[last..]);
    found.then_some(out)
}

/// A one-line `* LIST`/`* LSUB` response with 8-bit bytes, its mailbox name (quoted or
/// an atom, unescaped) rewritten as a literal holding the name's raw bytes; `None` when
/// the response is not one of those.
fn name_as_literal(bytes: &[u8], lines: &[(usize, usize)]) -> Option<Vec<u8>> {
    let [(s, e)] = lines else {
        return None;
    };
    let line = &bytes[*s..*e];
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_ascii()
        || line.len() < 7
        || !(line[..7].eq_ignore_ascii_case(b"* LIST ")
            || line[..7].eq_ignore_ascii_case(b"* LSUB "))
    {
        return None;
    }
    // `(attributes) delimiter name`; attributes hold no nested lists or strings
    if line[7] != b'(' {
        return None;
    }
    let attrs_end = 7 + line[7..].iter().position(|&b| b == b')')? + 1;
    let rest = line[attrs_end..].strip_prefix(b" ")?;
    let delim_len = match rest {
        [n, i, l, ..] if [*n, *i, *l].eq_ignore_ascii_case(b"NIL") => 3,
        [b'"', b'\\', _, b'"', ..] => 4,
        [b'"', _, b'"', ..] => 3,
        _ => return None,
    };
    let delim = &rest[..delim_len];
    let token = rest[delim_len..].strip_prefix(b" ")?;
    let name = match token.strip_prefix(b"\"") {
        Some(quoted) => unquote(quoted)?,
        None if !token.is_empty()
            && !token
                .iter()
                .any(|&b| matches!(b, b' ' | b'"' | b'(' | b')' | b'{' | 0..=0x1f | 0x7f)) =>
        {
            token.to_vec()
        }
        None => return None,
    };
    let mut out = line[..attrs_end].to_vec();
    out.push(b' ');
    out.extend_from_slice(delim);
    out.extend_from_slice(format!(" {{{}}}\r\n", name.len()).as_bytes());
    out.extend_from_slice(&name);
    out.extend_from_slice(b"\r\n");
    Some(out)
}

/// The bytes of a quoted string after its opening quote, which must end the input.
fn unquote(quoted: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(quoted.len());
    let mut it = quoted.iter();
    while let Some(&b) = it.next() {
        match b {
            b'\\' => out.push(*it.next()?),
            b'"' => return it.next().is_none().then_some(out),
            b'\r' | b'\n' => return None,
            b => out.push(b),
        }
    }
    None
}

fn cond(kind: StatusKind) -> Cond {
    match kind {
        StatusKind::Ok => Cond::Ok,
        StatusKind::No => Cond::No,
        StatusKind::Bad => Cond::Bad,
    }
}

fn caps<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> Vec<String> {
    items
        .into_iter()
        .map(|c| c.to_string().to_ascii_uppercase())
        .collect()
}

/// Response codes whose arguments the client uses: imap-codec gives one whose
/// argument does not parse (`[UIDNEXT 4294967297]`, `[UIDVALIDITY 0]`) as an unknown
/// code, which here makes the response a protocol error, never a code ignored.
const NUMERIC_CODES: [&str; 5] = [
    "UIDNEXT",
    "UIDVALIDITY",
    "HIGHESTMODSEQ",
    "APPENDUID",
    "COPYUID",
];

/// The response code; `Err` for a code the client uses whose argument is malformed.
fn code(c: Option<r::Code<'_>>) -> Result<Option<Code>, ()> {
    let Some(c) = c else { return Ok(None) };
    Ok(Some(match c {
        r::Code::UidValidity(n) => Code::UidValidity(n.get()),
        r::Code::UidNext(n) => Code::UidNext(n.get()),
        r::Code::HighestModSeq(n) => Code::HighestModSeq(n.get()),
        r::Code::AppendUid { uid_validity, uid } => Code::AppendUid(uid_validity.get(), uid.get()),
        r::Code::CopyUid {
            uid_validity,
            destination,
            ..
        } => {
            let first = match destination.0.as_ref().first().ok_or(())? {
                UidElement::Single(n) => n.get(),
                UidElement::Range(a, b) => a.get().min(b.get()),
            };
            Code::CopyUid(uid_validity.get(), first)
        }
        r::Code::Capability(c) => Code::Capability(caps(c.as_ref())),
        r::Code::Other(o) => {
            let text = String::from_utf8_lossy(o.inner()).to_ascii_uppercase();
            let keyword = text.split(' ').next().unwrap_or_default();
            if NUMERIC_CODES.contains(&keyword) {
                return Err(());
            }
            Code::Other(text)
        }
        other => Code::Other(format!("{other:?}").to_ascii_uppercase()),
    }))
}

fn from_greeting(g: r::Greeting<'_>) -> Option<Response> {
    Some(Response::Status {
        tag: None,
        cond: match g.kind {
            GreetingKind::Ok => Cond::Ok,
            GreetingKind::PreAuth => Cond::PreAuth,
            GreetingKind::Bye => Cond::Bye,
        },
        code: code(g.code).ok()?,
        text: g.text.as_ref().to_string(),
    })
}

fn mailbox_bytes(m: &Mailbox<'_>) -> Vec<u8> {
    match m {
        Mailbox::Inbox => b"INBOX".to_vec(),
        Mailbox::Other(o) => o.as_ref().to_vec(),
    }
}

fn nstring(s: NString<'_>) -> Option<Vec<u8>> {
    s.0.map(|i: IString<'_>| i.as_ref().to_vec())
}

/// UID ranges of a server's set (`*` is not allowed there).
fn ranges(set: &SequenceSet) -> Option<Vec<(u32, u32)>> {
    let v = |s: &SeqOrUid| match s {
        SeqOrUid::Value(n) => Some(n.get()),
        SeqOrUid::Asterisk => None,
    };
    set.0
        .as_ref()
        .iter()
        .map(|s| match s {
            Sequence::Single(a) => v(a).map(|a| (a, a)),
            Sequence::Range(a, b) => {
                let (a, b) = (v(a)?, v(b)?);
                Some((a.min(b), a.max(b)))
            }
        })
        .collect()
}

fn from_response(resp: r::Response<'_>) -> Option<Response> {
    Some(match resp {
        r::Response::CommandContinuationRequest(_) => Response::Continue,
        r::Response::Status(r::Status::Tagged(t)) => Response::Status {
            tag: Some(t.tag.as_ref().to_string()),
            cond: cond(t.body.kind),
            code: code(t.body.code).ok()?,
            text: t.body.text.as_ref().to_string(),
        },
        r::Response::Status(r::Status::Untagged(b)) => Response::Status {
            tag: None,
            cond: cond(b.kind),
            code: code(b.code).ok()?,
            text: b.text.as_ref().to_string(),
        },
        r::Response::Status(r::Status::Bye(b)) => Response::Status {
            tag: None,
            cond: Cond::Bye,
            code: code(b.code).ok()?,
            text: b.text.as_ref().to_string(),
        },
        r::Response::Data(d) => Response::Data(match d {
            r::Data::Capability(c) => Data::Capability(caps(c.as_ref())),
            r::Data::Enabled { capabilities } => Data::Enabled(caps(&capabilities)),
            r::Data::Exists(n) => Data::Exists(n),
            r::Data::List {
                items,
                delimiter,
                mailbox,
            } => Data::List(ListEntry {
                name: mailbox_bytes(&mailbox),
                delimiter: delimiter.and_then(|d| u8::try_from(d.inner()).ok()),
                attributes: items.iter().map(ToString::to_string).collect(),
            }),
            r::Data::Status { mailbox, items } => {
                let mut s = StatusData {
                    mailbox: mailbox_bytes(&mailbox),
                    ..StatusData::default()
                };
                for item in items.iter() {
                    match item {
                        StatusDataItem::Messages(n) => s.messages = Some(*n),
                        StatusDataItem::UidNext(n) => s.uidnext = Some(n.get()),
                        StatusDataItem::UidValidity(n) => s.uidvalidity = Some(n.get()),
                        StatusDataItem::HighestModSeq(n) => s.highestmodseq = Some(*n),
                        _ => {}
                    }
                }
                Data::Status(s)
            }
            r::Data::Vanished {
                earlier,
                known_uids,
            } => Data::Vanished {
                earlier,
                uids: ranges(&known_uids)?,
            },
            r::Data::Fetch { items, .. } => {
                let mut f = Fetched::default();
                for item in items.into_inner() {
                    match item {
                        MessageDataItem::Uid(u) => f.uid = u.get(),
                        MessageDataItem::Flags(fl) => {
                            f.flags = fl
                                .iter()
                                .map(|x| match x {
                                    FlagFetch::Flag(f) => f.to_string(),
                                    FlagFetch::Recent => "\\Recent".to_string(),
                                })
                                .collect()
                        }
                        MessageDataItem::InternalDate(d) => {
                            f.internaldate = Some(d.as_ref().timestamp())
                        }
                        MessageDataItem::Rfc822Size(n) => f.size = Some(u64::from(n)),
                        MessageDataItem::BodyExt { data, .. } | MessageDataItem::Rfc822(data) => {
                            f.body = nstring(data)
                        }
                        _ => {}
                    }
                }
                Data::Fetch(f)
            }
            _ => Data::Other,
        }),
    })
}

/// Server text for an error message: quoted, control characters escaped, at most 40
/// characters.
pub fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(40).flat_map(char::escape_debug).collect();
    if s.chars().count() > 40 {
        out.push_str("...");
    }
    format!("\"{out}\"")
}

/// An IMAP astring argument: an atom or quoted string when possible, `None` when it
/// needs a literal (line breaks, NUL, 8-bit).
pub fn quote(s: &[u8]) -> Option<String> {
    if s.iter()
        .any(|&b| b == b'\r' || b == b'\n' || b == 0 || b >= 0x80)
    {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s {
        if b == b'"' || b == b'\\' {
            out.push('\\');
        }
        out.push(b as char);
    }
    out.push('"');
    Some(out)
}

/// Encodes a mailbox name in modified UTF-7 (RFC 3501 §5.1.3): printable ASCII as is
/// (`&` as `&-`), every other run of characters as UTF-16 in modified base64 between `&`
/// and `-`. Written here, beside the decoder, because imap-codec takes names as given.
pub fn encode_mutf7(name: &str) -> Vec<u8> {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    fn flush(pending: &mut Vec<u16>, out: &mut Vec<u8>) {
        if pending.is_empty() {
            return;
        }
        out.push(b'&');
        let (mut bits, mut nbits) = (0u32, 0u32);
        for &u in pending.iter() {
            bits = (bits << 16) | u32::from(u);
            nbits += 16;
            while nbits >= 6 {
                nbits -= 6;
                out.push(B64[((bits >> nbits) & 63) as usize]);
            }
            bits &= (1 << nbits) - 1;
        }
        if nbits > 0 {
            out.push(B64[((bits << (6 - nbits)) & 63) as usize]);
        }
        out.push(b'-');
        pending.clear();
    }
    let mut out = Vec::with_capacity(name.len());
    let mut pending = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.extend_from_slice(b"&-");
            } else {
                out.push(c as u8);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Decodes a modified-UTF-7 mailbox name (RFC 3501 §5.1.3); bad input is kept as is.
pub fn decode_mutf7(name: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < name.len() {
        if name[i] == b'&' {
            let Some(len) = name[i + 1..].iter().position(|&b| b == b'-') else {
                out.push_str(&String::from_utf8_lossy(&name[i..]));
                break;
            };
            let chunk = &name[i + 1..i + 1 + len];
            if chunk.is_empty() {
                out.push('&');
            } else {
                let mut bits = 0u32;
                let mut nbits = 0;
                let mut units = Vec::new();
                for &c in chunk {
                    let v = match c {
                        b'A'..=b'Z' => c - b'A',
                        b'a'..=b'z' => c - b'a' + 26,
                        b'0'..=b'9' => c - b'0' + 52,
                        b'+' => 62,
                        b',' => 63,
                        _ => 0,
                    };
                    bits = (bits << 6) | v as u32;
                    nbits += 6;
                    if nbits >= 16 {
                        nbits -= 16;
                        units.push((bits >> nbits) as u16);
                        bits &= (1 << nbits) - 1;
                    }
                }
                out.push_str(&String::from_utf16_lossy(&units));
            }
            i += len + 2;
        } else {
            out.push(name[i] as char);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::new(std::time::Duration::from_secs(5))
    }

    /// Every response of `data` (after a greeting), or the first error.
    fn read_all(data: &[u8], limits: Limits) -> Result<Vec<Response>, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut io = data;
            let mut reader = Reader::after_greeting(limits);
            let far = Instant::now() + std::time::Duration::from_secs(60);
            let mut out = Vec::new();
            loop {
                match reader.read(&mut io, far).await {
                    Ok(r) => out.push(r),
                    Err(ReadError::Closed) => return Ok(out),
                    Err(ReadError::Bad(e)) => return Err(e),
                    Err(e) => return Err(format!("{e:?}")),
                }
            }
        })
    }

    #[test]
    fn fetch_with_literal_decodes() {
        let r = read_all(
            b"* 3 FETCH (UID 7 FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 5 BODY[] {5}\r\nhello)\r\n",
            limits(),
        )
        .unwrap();
        let [Response::Data(Data::Fetch(f))] = &r[..] else {
            panic!("{r:?}")
        };
        assert_eq!(f.uid, 7);
        assert_eq!(f.flags, ["\\Seen"]);
        assert_eq!(f.internaldate, Some(837_596_665));
        assert_eq!(f.size, Some(5));
        assert_eq!(f.body.as_deref(), Some(&b"hello"[..]));
    }

    #[test]
    fn a_deadline_halfway_through_a_response_loses_nothing() {
        let whole: &[u8] = b"* 3 FETCH (UID 7 BODY[] {11}\r\nhello world)\r\n* 4 EXISTS\r\n";
        // cut mid-line, mid-literal, and between the literal and the line closing it
        for cut in [6, 30, 33, 41, 42] {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            rt.block_on(async {
                let (mut tx, rx) = tokio::io::duplex(1024);
                let mut io = tokio::io::BufReader::new(rx);
                // a short read limit: literal bytes move the deadline by that much
                let quick = Limits::new(std::time::Duration::from_millis(50));
                let mut reader = Reader::after_greeting(quick);
                use tokio::io::AsyncWriteExt;
                tx.write_all(&whole[..cut]).await.unwrap();
                let soon = Instant::now() + std::time::Duration::from_millis(20);
                let r = reader.read(&mut io, soon).await;
                assert!(matches!(r, Err(ReadError::Timeout)), "cut {cut}: {r:?}");
                tx.write_all(&whole[cut..]).await.unwrap();
                let far = Instant::now() + std::time::Duration::from_secs(5);
                let r = reader.read(&mut io, far).await;
                let Ok(Response::Data(Data::Fetch(f))) = r else {
                    panic!("cut {cut}: not the FETCH: {r:?}")
                };
                assert_eq!(
                    (f.uid, f.body.as_deref()),
                    (7, Some(&b"hello world"[..])),
                    "cut {cut}"
                );
                let r = reader.read(&mut io, far).await;
                assert!(
                    matches!(r, Ok(Response::Data(Data::Exists(4)))),
                    "cut {cut}: {r:?}"
                );
            });
        }
    }

    #[test]
    fn a_malformed_internaldate_is_dropped_not_the_message() {
        let r = read_all(
            "* 1 FETCH (UID 2 FLAGS () INTERNALDATE \"01-Jan-2024 10:00:00 +0\u{e4}0\" BODY[] {2}\r\nab)\r\n"
                .as_bytes(),
            limits(),
        )
        .unwrap();
        let [Response::Data(Data::Fetch(f))] = &r[..] else {
            panic!("{r:?}")
        };
        assert_eq!((f.uid, f.internaldate), (2, None));
        assert_eq!(f.body.as_deref(), Some(&b"ab"[..]));
    }

    #[test]
    fn status_codes_and_classes() {
        let r = read_all(
            b"A1 OK [APPENDUID 5 9] done\r\n* BYE bye\r\n* 4 EXISTS\r\n+ go\r\n* OK [LIMIT] x\r\n",
            limits(),
        )
        .unwrap();
        match &r[0] {
            Response::Status {
                tag,
                cond,
                code,
                text,
            } => assert_eq!(
                (tag.as_deref(), *cond, code, text.as_str()),
                (Some("A1"), Cond::Ok, &Some(Code::AppendUid(5, 9)), "done")
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            r[1],
            Response::Status {
                cond: Cond::Bye,
                tag: None,
                ..
            }
        ));
        assert!(matches!(r[2], Response::Data(Data::Exists(4))));
        assert!(matches!(r[3], Response::Continue));
        assert!(
            matches!(&r[4], Response::Status { code: Some(Code::Other(c)), .. } if c == "LIMIT")
        );
        let e = read_all(b"* LIST (\\X \"/\" a\r\n", limits()).unwrap_err();
        assert!(e.contains("does not decode"), "{e}");
    }

    #[test]
    fn list_status_and_vanished_decode() {
        let r = read_all(
            "* LIST (\\HasNoChildren) \"/\" \"Caf\u{e9}\"\r\n* STATUS INBOX (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 9 HIGHESTMODSEQ 18446744073709551615)\r\n* VANISHED (EARLIER) 1:3,7,9:8\r\n"
                .as_bytes(),
            limits(),
        )
        .unwrap();
        let Response::Data(Data::List(l)) = &r[0] else {
            panic!("{r:?}")
        };
        assert_eq!(
            (l.name.as_slice(), l.delimiter),
            ("Caf\u{e9}".as_bytes(), Some(b'/'))
        );
        let Response::Data(Data::Status(s)) = &r[1] else {
            panic!("{r:?}")
        };
        assert_eq!(
            (s.messages, s.uidnext, s.uidvalidity, s.highestmodseq),
            (Some(3), Some(4), Some(9), Some(u64::MAX))
        );
        let Response::Data(Data::Vanished { earlier, uids }) = &r[2] else {
            panic!("{r:?}")
        };
        assert!(*earlier);
        assert_eq!(uids.len(), 3);
        assert!(uids.contains(&(1, 3)) && uids.contains(&(7, 7)) && uids.contains(&(8, 9)));
    }

    #[test]
    fn an_unknown_untagged_response_is_skipped_but_a_used_one_is_an_error() {
        let r = read_all(
            b"* XSERVERSTUFF 1 2 (3\r\n* FLAGS (\\Seen\r\n* 2 EXISTS\r\n",
            limits(),
        )
        .unwrap();
        assert!(
            matches!(&r[0], Response::Data(Data::Undecodable(l)) if l.contains("XSERVERSTUFF")),
            "{r:?}"
        );
        assert!(
            matches!(&r[1], Response::Data(Data::Undecodable(_))),
            "{r:?}"
        );
        assert!(matches!(r[2], Response::Data(Data::Exists(2))), "{r:?}");
        for used in [
            &b"* 3 EXISTS 4\r\n"[..],
            b"* 1 FETCH (UID x)\r\n",
            b"* STATUS INBOX (MESSAGES x)\r\n",
        ] {
            let e = read_all(used, limits()).unwrap_err();
            assert!(e.contains("does not decode"), "{e}");
        }
    }

    #[test]
    fn a_numeric_code_out_of_range_is_an_error_not_an_unknown_code() {
        for bad in [
            &b"* OK [UIDNEXT 4294967297] x\r\n"[..],
            b"* OK [UIDVALIDITY 0] x\r\n",
            b"* OK [HIGHESTMODSEQ 99999999999999999999999] x\r\n",
            b"A1 OK [APPENDUID 4294967296 3] done\r\n",
        ] {
            let e = read_all(bad, limits()).unwrap_err();
            assert!(e.contains("does not decode"), "{e}");
        }
        let r = read_all(b"* OK [XVENDOR 12] x\r\n", limits()).unwrap();
        assert!(
            matches!(&r[0], Response::Status { code: Some(Code::Other(c)), .. } if c == "XVENDOR 12"),
            "{r:?}"
        );
    }

    #[test]
    fn a_list_name_that_is_not_utf8_keeps_its_raw_bytes() {
        let r = read_all(
            b"* LIST (\\HasNoChildren) \"/\" \"Caf\xe9 \\\"q\\\"\"\r\n* LIST () NIL Ol\xe9\r\n* list (\\Noselect) \"\\\\\" \"\xff\"\r\n* LSUB () \"/\" \"Caf\xe9\"\r\n",
            limits(),
        )
        .unwrap();
        let names: Vec<_> = r
            .iter()
            .filter_map(|r| match r {
                Response::Data(Data::List(l)) => {
                    Some((l.name.clone(), l.delimiter, l.attributes.len()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            [
                (b"Caf\xe9 \"q\"".to_vec(), Some(b'/'), 1),
                (b"Ol\xe9".to_vec(), None, 0),
                (b"\xff".to_vec(), Some(b'\\'), 1),
            ]
        );
        assert!(matches!(r[3], Response::Data(Data::Other)), "{r:?}");
        // still malformed with the name aside: an error
        let e = read_all(b"* LIST (\\X \"/\" \"Caf\xe9\r\n", limits()).unwrap_err();
        assert!(e.contains("does not decode"), "{e}");
        let e = read_all(b"* LIST (\\X) \"/\" \"Caf\xe9\" x\r\n", limits()).unwrap_err();
        assert!(e.contains("does not decode"), "{e}");
    }

    #[test]
    fn numbers_out_of_range_are_errors_not_truncated() {
        let e = read_all(b"* 1 FETCH (UID 4294967297)\r\n", limits()).unwrap_err();
        assert!(e.contains("4294967297"), "{e}");
        let e = read_all(b"* STATUS INBOX (UIDVALIDITY -7)\r\n", limits()).unwrap_err();
        assert!(e.contains("STATUS"), "{e}");
    }

    #[test]
    fn bounds_hold() {
        let small = Limits {
            line: 32,
            literal: 4,
            response: 64,
            ..limits()
        };
        let e = read_all(b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n", small).unwrap_err();
        assert!(e.contains("literal of 5 bytes"), "{e}");
        let e = read_all(&[b'x'; 100], small).unwrap_err();
        assert!(e.contains("line longer than 32"), "{e}");
        let e = read_all(&b"* X {4}\r\nabcd {4}\r\n".repeat(8), small).unwrap_err();
        assert!(e.contains("response of more than 64"), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut line = b"* LIST ".to_vec();
        line.extend(std::iter::repeat_n(b'(', 200_000));
        line.extend(b"\r\n");
        let e = read_all(&line, limits()).unwrap_err();
        assert!(e.contains("nested deeper"), "{e}");
        // parentheses inside quoted strings do not count
        let ok = format!("* LIST () \"/\" \"{}\"\r\n", "(".repeat(100));
        assert!(read_all(ok.as_bytes(), limits()).is_ok());
    }

    #[test]
    fn replay_reads_as_the_client_does() {
        use super::super::replay;
        let ok = b"* OK hi\r\n* 1 FETCH (UID 3 BODY[] {2}\r\nab)\r\nA1 OK done\r\n";
        let (n, e) = replay(ok, limits());
        assert_eq!(n, 3);
        assert!(e.is_none(), "{e:?}");
        let (n, e) = replay(b"* OK hi\r\n* 1 FETCH (UID 4294967297)\r\n", limits());
        assert_eq!(n, 1);
        assert!(e.unwrap().to_string().contains("4294967297"));
        // a recording need not start with a greeting
        let (n, e) = replay(b"* 1 FETCH (UID 1 BODY[] {3}\r\nabc)\r\n", limits());
        assert_eq!((n, e.is_none()), (1, true));
    }

    #[test]
    fn quoting_and_mutf7() {
        assert_eq!(quote(b"a\"b").as_deref(), Some("\"a\\\"b\""));
        assert_eq!(quote("p\u{e4}".as_bytes()), None);
        assert_eq!(decode_mutf7(b"Entw&APw-rfe"), "Entw\u{fc}rfe");
        assert_eq!(decode_mutf7(b"A&-B"), "A&B");
        assert_eq!(encode_mutf7("Entw\u{fc}rfe"), b"Entw&APw-rfe");
        assert_eq!(encode_mutf7("A&B"), b"A&-B");
        for name in [
            "Caf\u{e9} cr\u{e8}me",
            "\u{65e5}\u{672c}\u{8a9e}",
            "a\u{1f600}b",
            "plain",
            "&&",
        ] {
            assert_eq!(decode_mutf7(&encode_mutf7(name)), name, "{name}");
        }
    }
}
