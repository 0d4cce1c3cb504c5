//! A small IMAP4rev1 client (RFC 3501 plus UIDPLUS, MOVE, CONDSTORE): connect with
//! TLS/STARTTLS/plain, log in, list, status, select, pipelined UID FETCH, APPEND,
//! UID MOVE / STORE / EXPUNGE. Every read is bounded ([`Limits`]): line, literal and
//! response sizes, nesting depth, how many untagged responses are held, a greeting
//! deadline, and a progress deadline (bytes that bring no progress toward the tagged
//! reply do not keep a command alive).

pub mod wire;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::time::Instant;
use tokio_rustls::rustls::ClientConfig;

use crate::config::{Security, Server};
use crate::error::{InternetError, Result};
use crate::tls::{self, Stream};
use wire::{Cond, Part, Raw, Response, Tok};

/// Longest time allowed from the start of a connection to the server's greeting (TCP,
/// TLS and the greeting line): a silent server is given up well within 15 s per
/// attempt, whatever the read timeout.
pub const GREETING_LIMIT: Duration = Duration::from_secs(7);

/// Bounds on what a server may send.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The progress deadline: a command whose reply makes no progress for this long is
    /// abandoned, however many bytes arrive meanwhile.
    pub read: Duration,
    /// Connect to greeting (capped by `read`).
    pub greeting: Duration,
    /// Longest text line.
    pub line: usize,
    /// Largest literal (a message's bytes).
    pub literal: usize,
    /// Largest response, all its lines and literals together.
    pub response: usize,
    /// Untagged responses held for one command (the rest are read and dropped).
    pub held: usize,
    /// Bytes of the untagged responses held for one command.
    pub held_bytes: usize,
}

impl Limits {
    /// The defaults, with `read` as the progress deadline.
    pub fn new(read: Duration) -> Limits {
        Limits {
            read,
            greeting: GREETING_LIMIT.min(read),
            line: 1 << 20,
            literal: 256 << 20,
            response: (256 << 20) + (1 << 20),
            held: 100_000,
            held_bytes: 32 << 20,
        }
    }
}

/// One mailbox as LIST shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListEntry {
    /// The raw (modified UTF-7) name, as used in commands.
    pub name: Vec<u8>,
    /// The hierarchy delimiter.
    pub delimiter: Option<u8>,
    /// Name attributes, e.g. `\Noselect`, `\Sent`.
    pub attributes: Vec<String>,
}

/// What SELECT/EXAMINE/STATUS tell about a mailbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailboxState {
    /// Number of messages.
    pub exists: u32,
    /// UIDVALIDITY.
    pub uidvalidity: u32,
    /// UIDNEXT.
    pub uidnext: u32,
    /// HIGHESTMODSEQ, with CONDSTORE.
    pub highestmodseq: Option<u64>,
}

/// One fetched message.
#[derive(Debug, Default)]
pub struct Fetched {
    /// UID.
    pub uid: u32,
    /// Flags.
    pub flags: Vec<String>,
    /// INTERNALDATE, seconds since the epoch.
    pub internaldate: Option<i64>,
    /// RFC822.SIZE.
    pub size: Option<u64>,
    /// BODY[] when asked for.
    pub body: Option<Vec<u8>>,
}

/// A logged-in (or about to be) IMAP connection.
pub struct Imap {
    io: BufReader<Stream>,
    server: String,
    limits: Limits,
    /// When the current command is abandoned unless it makes progress first.
    deadline: Instant,
    /// Responses read since the last progress (for the timeout's reason).
    idle_responses: u64,
    next_tag: u32,
    caps: Vec<String>,
    selected: Option<(Vec<u8>, bool)>,
    qresync: bool,
}

impl Imap {
    /// Connects, reads the greeting, runs STARTTLS when asked.
    pub async fn connect(
        server: &Server,
        tls_config: Arc<ClientConfig>,
        limit: Duration,
    ) -> Result<Imap> {
        Imap::connect_with(server, tls_config, Limits::new(limit)).await
    }

    /// [`Imap::connect`] with explicit bounds.
    pub async fn connect_with(
        server: &Server,
        tls_config: Arc<ClientConfig>,
        limits: Limits,
    ) -> Result<Imap> {
        let start = Instant::now();
        let greeting = limits.greeting.min(limits.read);
        let tcp = tls::connect_tcp(server, greeting).await?;
        let stream = match server.security {
            Security::Tls => tls::upgrade(tcp, server, tls_config.clone(), greeting).await?,
            _ => Stream::Plain(tcp),
        };
        let mut imap = Imap {
            io: BufReader::with_capacity(64 * 1024, stream),
            server: server.label(),
            limits,
            deadline: start + greeting,
            idle_responses: 0,
            next_tag: 1,
            caps: Vec::new(),
            selected: None,
            qresync: false,
        };
        let first = match imap.read().await {
            Err(InternetError::Timeout { server, .. }) => {
                return Err(InternetError::Timeout {
                    server,
                    step: "waiting for its greeting".into(),
                    secs: greeting.as_secs_f64(),
                });
            }
            other => other?,
        };
        match first {
            Response::Status {
                tag: None,
                cond: Cond::Ok | Cond::PreAuth,
                code,
                ..
            } => {
                if let Some(c) = code.as_deref().and_then(|c| c.strip_prefix("CAPABILITY ")) {
                    imap.set_caps(c);
                }
            }
            Response::Status {
                cond: Cond::Bye,
                text,
                ..
            } => return Err(imap.bye(text)),
            other => return Err(imap.protocol(format!("bad greeting {other:?}"))),
        }
        if imap.caps.is_empty() {
            imap.capability().await?;
        }
        if server.security == Security::StartTls {
            if !imap.has("STARTTLS") {
                return Err(InternetError::Tls {
                    server: imap.server.clone(),
                    detail:
                        "the server does not offer STARTTLS; use imap_security = tls (port 993)"
                            .into(),
                });
            }
            imap.run("STARTTLS").await?;
            if !imap.io.buffer().is_empty() {
                return Err(imap.protocol("data after STARTTLS reply (possible injection)".into()));
            }
            let Stream::Plain(tcp) = imap.io.into_inner() else {
                unreachable!("STARTTLS runs on a plain connection")
            };
            let stream = tls::upgrade(tcp, server, tls_config, limits.read).await?;
            imap.io = BufReader::with_capacity(64 * 1024, stream);
            imap.caps.clear();
            imap.capability().await?;
        }
        Ok(imap)
    }

    /// `host:port`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Whether the server announced a capability.
    pub fn has(&self, cap: &str) -> bool {
        self.caps.iter().any(|c| c.eq_ignore_ascii_case(cap))
    }

    fn set_caps(&mut self, text: &str) {
        self.caps = text
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
    }

    async fn capability(&mut self) -> Result<()> {
        let (untagged, _) = self
            .run_keeping("CAPABILITY", data_of("CAPABILITY"))
            .await?;
        for r in untagged {
            if let Response::Data(raw) = r {
                let head = String::from_utf8_lossy(raw.head()).into_owned();
                if let Some(c) = head.strip_prefix("* CAPABILITY ") {
                    self.set_caps(c);
                }
            }
        }
        Ok(())
    }

    /// LOGIN. A refusal is [`InternetError::AuthFailed`], a connection limit
    /// [`InternetError::SessionLimit`].
    pub async fn login(&mut self, user: &str, password: &str) -> Result<()> {
        if self.has("LOGINDISABLED") {
            return Err(InternetError::LoginRefused {
                server: self.server.clone(),
                detail: "the server disables passwords on unencrypted connections; set imap_security to tls or starttls".into(),
            });
        }
        let mut segs = vec![Seg::Text("LOGIN ".into())];
        push_astring(&mut segs, user.as_bytes());
        segs.push(Seg::Text(" ".into()));
        push_astring(&mut segs, password.as_bytes());
        let tag = self.send_segments(&segs, "LOGIN").await?;
        let (_, done) = self.until_tagged(&tag, "LOGIN", keep_none).await?;
        match done {
            Done {
                cond: Cond::Ok,
                code,
                ..
            } => {
                match code.as_deref().and_then(|c| c.strip_prefix("CAPABILITY ")) {
                    Some(c) => self.set_caps(c),
                    None => self.capability().await?,
                }
                if self.has("QRESYNC") {
                    let (untagged, _) = self
                        .run_keeping("ENABLE QRESYNC", data_of("ENABLED"))
                        .await?;
                    self.qresync = untagged.iter().any(|r| match r {
                        Response::Data(raw) => String::from_utf8_lossy(raw.head())
                            .split_whitespace()
                            .skip(2)
                            .any(|w| w.eq_ignore_ascii_case("QRESYNC")),
                        _ => false,
                    });
                }
                Ok(())
            }
            Done { code, text, .. } if is_limit(code.as_deref(), &text) => {
                Err(InternetError::SessionLimit {
                    server: self.server.clone(),
                    detail: text,
                })
            }
            Done { code, text, .. } if code.as_deref() == Some("UNAVAILABLE") => {
                Err(InternetError::Unreachable {
                    server: self.server.clone(),
                    detail: text,
                })
            }
            Done { .. } => Err(InternetError::AuthFailed {
                server: self.server.clone(),
            }),
        }
    }

    /// LIST "" "*".
    pub async fn list(&mut self) -> Result<Vec<ListEntry>> {
        let (untagged, _) = self.run_keeping("LIST \"\" \"*\"", data_of("LIST")).await?;
        let mut out = Vec::new();
        for toks in self.data_tokens(untagged, "LIST")? {
            let mut it = toks.into_iter();
            let (Some(Tok::List(attrs)), Some(delim), Some(name)) =
                (it.next(), it.next(), it.next())
            else {
                return Err(self.protocol("LIST reply too short".into()));
            };
            out.push(ListEntry {
                name: name
                    .into_bytes()
                    .ok_or_else(|| self.protocol("LIST: no name".into()))?,
                delimiter: delim.bytes().and_then(|b| b.first().copied()),
                attributes: attrs
                    .iter()
                    .filter_map(|a| a.atom().map(str::to_string))
                    .collect(),
            });
        }
        Ok(out)
    }

    /// STATUS of a mailbox that is not necessarily selected.
    pub async fn status(&mut self, mailbox: &[u8]) -> Result<MailboxState> {
        let mut items = String::from("MESSAGES UIDNEXT UIDVALIDITY");
        if self.has("CONDSTORE") {
            items.push_str(" HIGHESTMODSEQ");
        }
        let name = self.mailbox_arg(mailbox)?;
        let (untagged, _) = self
            .run_keeping(&format!("STATUS {name} ({items})"), data_of("STATUS"))
            .await?;
        let mut st = MailboxState::default();
        let mut seen = false;
        let replies = self.data_tokens(untagged, "STATUS")?;
        let single = replies.len() == 1;
        for toks in replies {
            // the one reply, or among several the one naming this mailbox (the others
            // are unsolicited statuses of other mailboxes)
            if !single && toks.first().and_then(Tok::bytes) != Some(mailbox) {
                continue;
            }
            let Some(Tok::List(kv)) = toks.get(1) else {
                return Err(self.protocol("STATUS without a list".into()));
            };
            if kv.len() % 2 != 0 {
                return Err(self.protocol("STATUS list has an item without a value".into()));
            }
            for pair in kv.chunks(2) {
                let k = pair[0].atom().unwrap_or("").to_ascii_uppercase();
                let v = &pair[1];
                match k.as_str() {
                    "MESSAGES" => st.exists = self.num32("STATUS MESSAGES", v)?,
                    "UIDNEXT" => st.uidnext = self.num32("STATUS UIDNEXT", v)?,
                    "UIDVALIDITY" => st.uidvalidity = self.nz32("STATUS UIDVALIDITY", v)?,
                    "HIGHESTMODSEQ" => {
                        st.highestmodseq = Some(self.num64("STATUS HIGHESTMODSEQ", v)?)
                    }
                    _ => {}
                }
            }
            seen = true;
        }
        if !seen || st.uidvalidity == 0 {
            return Err(self.protocol("STATUS reply without the mailbox's UIDVALIDITY".into()));
        }
        Ok(st)
    }

    /// Whether QRESYNC is enabled on this connection.
    pub fn qresync(&self) -> bool {
        self.qresync
    }

    /// EXAMINE with QRESYNC (RFC 7162) from a known state: the changes since
    /// `modseq`, as they come: `vanished` gets each `VANISHED (EARLIER)` UID set (as
    /// ranges, never expanded), `changed` each message's UID and flags.
    pub async fn examine_qresync(
        &mut self,
        mailbox: &[u8],
        uidvalidity: u32,
        modseq: u64,
        mut vanished: impl FnMut(Vec<(u32, u32)>),
        mut changed: impl FnMut(u32, Vec<String>),
    ) -> Result<()> {
        self.unselect().await?;
        let name = self.mailbox_arg(mailbox)?;
        let tag = self
            .send(
                &format!("EXAMINE {name} (QRESYNC ({uidvalidity} {modseq}))"),
                "EXAMINE",
            )
            .await?;
        loop {
            match self.read().await? {
                Response::Status {
                    tag: Some(t),
                    cond,
                    text,
                    ..
                } if t == tag => {
                    self.progress();
                    if cond != Cond::Ok {
                        return Err(self.refused("EXAMINE", text));
                    }
                    self.selected = Some((mailbox.to_vec(), false));
                    return Ok(());
                }
                Response::Status {
                    tag: None,
                    cond: Cond::Bye,
                    text,
                    ..
                } => return Err(self.bye(text)),
                Response::Data(mut raw) => {
                    let head = raw.head();
                    if head.len() > 20 && head[..20].eq_ignore_ascii_case(b"* VANISHED (EARLIER)") {
                        let set = String::from_utf8_lossy(&head[20..]).trim().to_string();
                        let ranges = wire::parse_uid_set(&set).ok_or_else(|| {
                            self.protocol(format!(
                                "VANISHED: {} is not a UID set",
                                wire::shown(&set)
                            ))
                        })?;
                        self.progress();
                        vanished(ranges);
                    } else if let Some(f) = self.parse_fetch(&mut raw)? {
                        self.progress();
                        changed(f.uid, f.flags);
                    }
                }
                _ => {}
            }
        }
    }

    /// SELECT (`write`) or EXAMINE a mailbox, unless it is already selected that way.
    pub async fn select(&mut self, mailbox: &[u8], write: bool) -> Result<Option<MailboxState>> {
        if self
            .selected
            .as_ref()
            .is_some_and(|(m, w)| m == mailbox && (*w || !write))
        {
            return Ok(None);
        }
        self.selected = None;
        let name = self.mailbox_arg(mailbox)?;
        let verb = if write { "SELECT" } else { "EXAMINE" };
        let cs = if self.has("CONDSTORE") {
            " (CONDSTORE)"
        } else {
            ""
        };
        let keep = |r: &Response| match r {
            Response::Status { code, .. } => code.is_some(),
            Response::Data(raw) => {
                raw.head().len() < 64 && wire::ends_with_word(raw.head(), b"EXISTS")
            }
            Response::Continue => false,
        };
        let (untagged, _) = self
            .run_keeping(&format!("{verb} {name}{cs}"), keep)
            .await?;
        let mut st = MailboxState::default();
        for r in untagged {
            match r {
                Response::Status {
                    code: Some(code), ..
                } => {
                    let mut w = code.split_whitespace();
                    let (k, v) = (w.next().unwrap_or("").to_ascii_uppercase(), w.next());
                    let what = format!("{verb} {k}");
                    match (k.as_str(), v) {
                        ("UIDVALIDITY", Some(v)) => {
                            st.uidvalidity = self.nz32(&what, &Tok::Atom(v.into()))?
                        }
                        ("UIDNEXT", Some(v)) => {
                            st.uidnext = self.num32(&what, &Tok::Atom(v.into()))?
                        }
                        ("HIGHESTMODSEQ", Some(v)) => {
                            st.highestmodseq = Some(self.num64(&what, &Tok::Atom(v.into()))?)
                        }
                        _ => {}
                    }
                }
                Response::Data(raw) => {
                    let head = String::from_utf8_lossy(raw.head());
                    let n = head.split_whitespace().nth(1).unwrap_or("");
                    st.exists = self.num32("EXISTS", &Tok::Atom(n.into()))?;
                }
                _ => {}
            }
        }
        if st.uidvalidity == 0 {
            return Err(self.protocol(format!("{verb} reply without the mailbox's UIDVALIDITY")));
        }
        self.selected = Some((mailbox.to_vec(), write));
        Ok(Some(st))
    }

    /// `UID FETCH` commands (`"UID FETCH 1:250"`, `items` appended), at most `window`
    /// outstanding at once; `each` gets every message in server order whose UID
    /// `asked` accepts (data for other UIDs is ignored). Each such message counts as
    /// progress toward the commands' replies; other data does not.
    pub async fn fetch_pipelined(
        &mut self,
        sets: &[String],
        items: &str,
        window: usize,
        mut asked: impl FnMut(u32) -> bool,
        mut each: impl FnMut(Fetched) -> Result<()>,
    ) -> Result<()> {
        let mut pending: VecDeque<String> = VecDeque::new();
        let mut next = 0;
        while next < sets.len() || !pending.is_empty() {
            while next < sets.len() && pending.len() < window.max(1) {
                let cmd = format!("{} {items}", sets[next]);
                pending.push_back(self.send(&cmd, "FETCH").await?);
                next += 1;
            }
            match self.read().await? {
                Response::Data(mut raw) => {
                    if let Some(f) = self.parse_fetch(&mut raw)?
                        && asked(f.uid)
                    {
                        self.progress();
                        each(f)?;
                    }
                }
                Response::Status {
                    tag: Some(t),
                    cond,
                    text,
                    ..
                } => {
                    if pending.front() != Some(&t) {
                        return Err(self.protocol(format!("unexpected tag {t}")));
                    }
                    pending.pop_front();
                    self.progress();
                    if cond != Cond::Ok {
                        return Err(self.refused("FETCH", text));
                    }
                }
                Response::Status {
                    tag: None,
                    cond: Cond::Bye,
                    text,
                    ..
                } => return Err(self.bye(text)),
                _ => {}
            }
        }
        Ok(())
    }

    fn parse_fetch(&self, raw: &mut Raw) -> Result<Option<Fetched>> {
        parse_fetch(&self.server, raw)
    }

    /// APPEND one message; returns the APPENDUID (UIDVALIDITY, UID) when the server
    /// tells it (UIDPLUS).
    pub async fn append(
        &mut self,
        mailbox: &[u8],
        flags: &str,
        message: &[u8],
    ) -> Result<Option<(u32, u32)>> {
        let mut segs = vec![Seg::Text("APPEND ".into())];
        push_astring(&mut segs, mailbox);
        segs.push(Seg::Text(format!(" ({flags}) ")));
        segs.push(Seg::Lit(message.to_vec()));
        let tag = self.send_segments(&segs, "APPEND").await?;
        let (_, code) = self.finish(&tag, "APPEND", keep_none).await?;
        Ok(code.as_deref().and_then(|c| {
            let mut w = c.split_whitespace();
            if !w.next()?.eq_ignore_ascii_case("APPENDUID") {
                return None;
            }
            Some((w.next()?.parse().ok()?, w.next()?.parse().ok()?))
        }))
    }

    /// Moves one message (selected mailbox) to `dest`; returns its new UID when the
    /// server tells it (COPYUID).
    pub async fn uid_move(&mut self, uid: u32, dest: &[u8]) -> Result<Option<(u32, u32)>> {
        let name = self.mailbox_arg(dest)?;
        let (untagged, code) = if self.has("MOVE") {
            self.run(&format!("UID MOVE {uid} {name}")).await?
        } else {
            let r = self.run(&format!("UID COPY {uid} {name}")).await?;
            self.uid_delete(uid).await?;
            r
        };
        let mut codes: Vec<String> = untagged
            .into_iter()
            .filter_map(|r| match r {
                Response::Status { code, .. } => code,
                _ => None,
            })
            .collect();
        codes.extend(code);
        Ok(codes.iter().find_map(|c| {
            let mut w = c.split_whitespace();
            if !w.next()?.eq_ignore_ascii_case("COPYUID") {
                return None;
            }
            let validity = w.next()?.parse().ok()?;
            let _src = w.next()?;
            Some((validity, w.next()?.parse().ok()?))
        }))
    }

    /// Flags one message (selected mailbox) \Deleted and expunges it (UID EXPUNGE with
    /// UIDPLUS, else EXPUNGE).
    pub async fn uid_delete(&mut self, uid: u32) -> Result<()> {
        self.run(&format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"))
            .await?;
        if self.has("UIDPLUS") {
            self.run(&format!("UID EXPUNGE {uid}")).await?;
        } else {
            self.run("EXPUNGE").await?;
        }
        Ok(())
    }

    /// Leaves the selected mailbox (UNSELECT, else CLOSE), so STATUS sees fresh state.
    pub async fn unselect(&mut self) -> Result<()> {
        if self.selected.take().is_some() {
            let cmd = if self.has("UNSELECT") {
                "UNSELECT"
            } else {
                "CLOSE"
            };
            self.run(cmd).await?;
        }
        Ok(())
    }

    /// NOOP: checks the connection is alive.
    pub async fn noop(&mut self) -> Result<()> {
        self.run("NOOP").await.map(|_| ())
    }

    /// LOGOUT (errors ignored: the connection ends either way).
    pub async fn logout(mut self) {
        if let Ok(tag) = self.send("LOGOUT", "LOGOUT").await {
            let _ = tokio::time::timeout(
                Duration::from_millis(500),
                self.finish(&tag, "LOGOUT", keep_none),
            )
            .await;
        }
        let _ = self.io.get_mut().shutdown().await;
    }

    fn mailbox_arg(&self, name: &[u8]) -> Result<String> {
        wire::quote(name)
            .ok_or_else(|| InternetError::NoSupport("mailbox names with 8-bit characters".into()))
    }

    // ---- plumbing ----

    /// The tokens after `* <word> ` of each untagged data line of that kind.
    fn data_tokens(&self, untagged: Vec<Response>, word: &str) -> Result<Vec<Vec<Tok>>> {
        let prefix = format!("* {word} ");
        let mut out = Vec::new();
        for r in untagged {
            let Response::Data(mut raw) = r else { continue };
            if !raw.head().starts_with(prefix.as_bytes()) {
                continue;
            }
            out.push(
                wire::tokenize(&mut raw, prefix.len())
                    .map_err(|e| self.protocol(format!("{word}: {e}")))?,
            );
        }
        Ok(out)
    }

    async fn run(&mut self, cmd: &str) -> Result<(Vec<Response>, Option<String>)> {
        self.run_keeping(cmd, keep_codes).await
    }

    /// Runs a command, holding the untagged responses `keep` accepts (bounded by
    /// [`Limits::held`] and [`Limits::held_bytes`]); the others are read and dropped.
    async fn run_keeping(
        &mut self,
        cmd: &str,
        keep: impl Fn(&Response) -> bool,
    ) -> Result<(Vec<Response>, Option<String>)> {
        let what = cmd
            .split(' ')
            .take(if cmd.starts_with("UID ") { 2 } else { 1 })
            .collect::<Vec<_>>()
            .join(" ");
        let tag = self.send(cmd, &what).await?;
        self.finish(&tag, &what, keep).await
    }

    async fn finish(
        &mut self,
        tag: &str,
        what: &str,
        keep: impl Fn(&Response) -> bool,
    ) -> Result<(Vec<Response>, Option<String>)> {
        match self.until_tagged(tag, what, keep).await? {
            (
                untagged,
                Done {
                    cond: Cond::Ok,
                    code,
                    ..
                },
            ) => Ok((untagged, code)),
            (_, Done { text, .. }) => Err(self.refused(what, text)),
        }
    }

    /// Reads up to the tagged reply of `tag`; the untagged ones before it are
    /// returned too. A BYE on the way ends the connection (except after LOGOUT).
    async fn until_tagged(
        &mut self,
        tag: &str,
        what: &str,
        keep: impl Fn(&Response) -> bool,
    ) -> Result<(Vec<Response>, Done)> {
        let mut untagged = Vec::new();
        let mut held_bytes = 0usize;
        loop {
            match self.read().await? {
                Response::Status {
                    tag: Some(t),
                    cond,
                    code,
                    text,
                } if t == tag => {
                    self.progress();
                    return Ok((untagged, Done { cond, code, text }));
                }
                Response::Status {
                    tag: None,
                    cond: Cond::Bye,
                    text,
                    ..
                } if what != "LOGOUT" => return Err(self.bye(text)),
                other if keep(&other) => {
                    held_bytes += other.size();
                    if untagged.len() >= self.limits.held || held_bytes > self.limits.held_bytes {
                        return Err(self.protocol(format!(
                            "more than {} untagged responses or {} bytes of them before the reply to {what}",
                            self.limits.held, self.limits.held_bytes
                        )));
                    }
                    untagged.push(other);
                }
                _ => {}
            }
        }
    }

    /// The current command made progress: its deadline starts again.
    fn progress(&mut self) {
        self.deadline = Instant::now() + self.limits.read;
        self.idle_responses = 0;
    }

    fn num32(&self, what: &str, tok: &Tok) -> Result<u32> {
        num32(&self.server, what, tok)
    }

    fn nz32(&self, what: &str, tok: &Tok) -> Result<u32> {
        nz32(&self.server, what, tok)
    }

    fn num64(&self, what: &str, tok: &Tok) -> Result<u64> {
        num64(&self.server, what, tok)
    }

    async fn send(&mut self, cmd: &str, what: &str) -> Result<String> {
        self.send_segments(&[Seg::Text(cmd.to_string())], what)
            .await
    }

    async fn send_segments(&mut self, segs: &[Seg], what: &str) -> Result<String> {
        let tag = format!("A{}", self.next_tag);
        self.next_tag += 1;
        // The command's name only: arguments may hold credentials.
        log::trace!("imap {} > {tag} {what}", self.server);
        let mut line = format!("{tag} ").into_bytes();
        for seg in segs {
            match seg {
                Seg::Text(t) => line.extend_from_slice(t.as_bytes()),
                Seg::Lit(bytes) => {
                    line.extend_from_slice(format!("{{{}}}\r\n", bytes.len()).as_bytes());
                    self.write(&line).await?;
                    line.clear();
                    loop {
                        match self.read().await? {
                            Response::Continue => break,
                            Response::Status {
                                tag: Some(t), text, ..
                            } if t == tag => return Err(self.refused(what, text)),
                            Response::Status {
                                tag: None,
                                cond: Cond::Bye,
                                text,
                                ..
                            } => return Err(self.bye(text)),
                            _ => {}
                        }
                    }
                    self.write(bytes).await?;
                }
            }
        }
        line.extend_from_slice(b"\r\n");
        self.write(&line).await?;
        Ok(tag)
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let limit = self.limits.read;
        let io = self.io.get_mut();
        let r = tokio::time::timeout(limit, async {
            io.write_all(bytes).await?;
            io.flush().await
        })
        .await;
        match r {
            Err(_) => Err(self.timeout("sending a command")),
            Ok(Err(e)) => Err(self.broken(e)),
            Ok(Ok(())) => {
                self.progress();
                Ok(())
            }
        }
    }

    async fn read(&mut self) -> Result<Response> {
        let (limits, deadline) = (self.limits, self.deadline);
        match read_raw(&mut self.io, &limits, deadline).await {
            Err(ReadError::Timeout) if self.idle_responses > 0 => Err(self.timeout(&format!(
                "waiting for a reply: it sent {} responses meanwhile that brought no progress",
                self.idle_responses
            ))),
            Err(ReadError::Timeout) => Err(self.timeout("waiting for a reply")),
            Err(ReadError::Io(e)) => Err(self.broken(e)),
            Err(ReadError::Closed) => Err(InternetError::Unreachable {
                server: self.server.clone(),
                detail: "the server closed the connection".into(),
            }),
            Err(ReadError::TooLong(what)) => Err(self.protocol(what)),
            Ok(raw) => {
                self.idle_responses += 1; // reset by the caller when it is progress
                Ok(wire::classify(raw))
            }
        }
    }

    fn timeout(&self, step: &str) -> InternetError {
        InternetError::Timeout {
            server: self.server.clone(),
            step: step.into(),
            secs: self.limits.read.as_secs_f64(),
        }
    }
    fn broken(&self, e: std::io::Error) -> InternetError {
        InternetError::Unreachable {
            server: self.server.clone(),
            detail: e.to_string(),
        }
    }
    fn protocol(&self, detail: String) -> InternetError {
        InternetError::Protocol {
            server: self.server.clone(),
            detail,
        }
    }
    fn refused(&self, command: &str, text: String) -> InternetError {
        InternetError::Refused {
            server: self.server.clone(),
            command: command.into(),
            text,
        }
    }
    fn bye(&self, text: String) -> InternetError {
        if is_limit(None, &text) {
            InternetError::SessionLimit {
                server: self.server.clone(),
                detail: text,
            }
        } else {
            InternetError::Unreachable {
                server: self.server.clone(),
                detail: format!("the server closed the connection: {text}"),
            }
        }
    }
}

/// Whether a refusal means "too many connections".
fn is_limit(code: Option<&str>, text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    code.is_some_and(|c| c.eq_ignore_ascii_case("LIMIT"))
        || t.contains("maximum number of connections")
        || t.contains("too many connections")
        || t.contains("too many simultaneous")
}

/// A command's tagged reply.
struct Done {
    cond: Cond,
    code: Option<String>,
    text: String,
}

enum Seg {
    Text(String),
    Lit(Vec<u8>),
}

fn push_astring(segs: &mut Vec<Seg>, value: &[u8]) {
    match wire::quote(value) {
        Some(q) => segs.push(Seg::Text(q)),
        None => segs.push(Seg::Lit(value.to_vec())),
    }
}

fn protocol(server: &str, detail: String) -> InternetError {
    InternetError::Protocol {
        server: server.to_string(),
        detail,
    }
}

/// A number that must fit in 32 bits.
fn num32(server: &str, what: &str, tok: &Tok) -> Result<u32> {
    let a = tok.atom().unwrap_or("");
    wire::parse_number(a)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            protocol(
                server,
                format!("{what}: {} is not a 32-bit number", wire::shown(a)),
            )
        })
}

/// A non-zero 32-bit number (UIDs, UIDVALIDITY, sequence numbers).
fn nz32(server: &str, what: &str, tok: &Tok) -> Result<u32> {
    match num32(server, what, tok)? {
        0 => Err(protocol(server, format!("{what}: 0 is not allowed"))),
        n => Ok(n),
    }
}

/// A number that must fit in 64 bits (MODSEQ, sizes).
fn num64(server: &str, what: &str, tok: &Tok) -> Result<u64> {
    let a = tok.atom().unwrap_or("");
    wire::parse_number(a).ok_or_else(|| {
        protocol(
            server,
            format!("{what}: {} is not a 64-bit number", wire::shown(a)),
        )
    })
}

/// A `* n FETCH (...)` response's message; `None` for other data or without a UID.
fn parse_fetch(server: &str, raw: &mut Raw) -> Result<Option<Fetched>> {
    let head = raw.head();
    let Some(sp) = head.iter().skip(2).position(|&b| b == b' ') else {
        return Ok(None);
    };
    let after = &head[2 + sp + 1..];
    if !after
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"FETCH "))
    {
        return Ok(None);
    }
    let start = 2 + sp + 1 + 6;
    let head_copy = head[2..2 + sp].to_vec();
    let toks = wire::tokenize(raw, start).map_err(|e| protocol(server, format!("FETCH: {e}")))?;
    let seq = std::str::from_utf8(&head_copy).unwrap_or("");
    nz32(server, "FETCH sequence number", &Tok::Atom(seq.into()))?;
    let Some(Tok::List(items)) = toks.into_iter().next() else {
        return Err(protocol(server, "FETCH without a list".into()));
    };
    let mut f = Fetched::default();
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        let key = k.atom().unwrap_or("");
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        match () {
            _ if is("UID") => f.uid = nz32(server, "FETCH UID", &v)?,
            _ if is("FLAGS") => {
                if let Tok::List(fl) = v {
                    f.flags = fl
                        .iter()
                        .filter_map(|t| t.atom().map(str::to_string))
                        .collect();
                }
            }
            _ if is("INTERNALDATE") => {
                f.internaldate = v
                    .bytes()
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .and_then(wire::parse_internaldate)
            }
            _ if is("RFC822.SIZE") => f.size = Some(num64(server, "FETCH RFC822.SIZE", &v)?),
            _ if key
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case("BODY[")) =>
            {
                f.body = v.into_bytes()
            }
            _ => {}
        }
    }
    if f.uid == 0 {
        return Ok(None); // an unsolicited FLAGS update without UID
    }
    Ok(Some(f))
}

/// Reads `data` as a server's byte stream, response after response, the way the client
/// reads a reply: framing within `limits`, classification, and the parsing of FETCH,
/// LIST, STATUS and VANISHED data. Returns the number of responses read and the error that
/// stopped the reading, if any (the end of `data` is not an error). For fuzzing and
/// for replaying a recorded session.
pub fn replay(data: &[u8], limits: Limits) -> (usize, Option<InternetError>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    else {
        return (0, None);
    };
    let server = "replay";
    rt.block_on(async {
        let mut io = data;
        let far = Instant::now() + Duration::from_secs(3600);
        let mut n = 0;
        loop {
            let raw = match read_raw(&mut io, &limits, far).await {
                Ok(raw) => raw,
                Err(ReadError::Closed) => return (n, None),
                Err(ReadError::TooLong(what)) => return (n, Some(protocol(server, what))),
                Err(ReadError::Timeout | ReadError::Io(_)) => return (n, None),
            };
            n += 1;
            if let Response::Data(mut raw) = wire::classify(raw) {
                let head = raw.head();
                let r = if head.get(2).is_some_and(u8::is_ascii_digit) {
                    parse_fetch(server, &mut raw).map(|_| ())
                } else if head.len() > 20
                    && head[..20].eq_ignore_ascii_case(b"* VANISHED (EARLIER)")
                {
                    let set = String::from_utf8_lossy(&head[20..]);
                    wire::parse_uid_set(set.trim())
                        .map(|_| ())
                        .ok_or_else(|| protocol(server, "VANISHED: not a UID set".into()))
                } else if let Some(word) = [&b"LIST "[..], b"STATUS "]
                    .into_iter()
                    .find(|w| head.get(2..).is_some_and(|h| h.starts_with(w)))
                {
                    wire::tokenize(&mut raw, 2 + word.len())
                        .map(|_| ())
                        .map_err(|e| protocol(server, e))
                } else {
                    Ok(())
                };
                if let Err(e) = r {
                    return (n, Some(e));
                }
            }
        }
    })
}

enum ReadError {
    Io(std::io::Error),
    Closed,
    Timeout,
    TooLong(String),
}

/// Holds the untagged responses that carry a response code (`* OK [UIDNEXT 5]`).
fn keep_codes(r: &Response) -> bool {
    matches!(r, Response::Status { code: Some(_), .. })
}

/// Holds no untagged response.
fn keep_none(_: &Response) -> bool {
    false
}

/// Holds untagged data of one kind (`* LIST ...`) and the responses with codes.
fn data_of(word: &'static str) -> impl Fn(&Response) -> bool {
    move |r| match r {
        Response::Data(raw) => {
            let h = raw.head();
            h.len() > word.len() + 2
                && h.starts_with(b"* ")
                && h[2..2 + word.len()].eq_ignore_ascii_case(word.as_bytes())
                && h[2 + word.len()] == b' '
        }
        other => keep_codes(other),
    }
}

/// Waits for the buffer to have bytes, until `deadline`.
async fn fill<R: AsyncBufRead + Unpin>(
    io: &mut R,
    deadline: Instant,
) -> std::result::Result<&[u8], ReadError> {
    match tokio::time::timeout_at(deadline, io.fill_buf()).await {
        Err(_) => Err(ReadError::Timeout),
        Ok(Err(e)) => Err(ReadError::Io(e)),
        Ok(Ok([])) => Err(ReadError::Closed),
        Ok(Ok(buf)) => Ok(buf),
    }
}

/// Reads one response (its lines and literals) within the bounds. Lines must arrive
/// by `deadline`; a literal's bytes may take longer as long as each chunk arrives
/// within the read limit (bytes of a literal are progress; its size is bounded).
async fn read_raw<R: AsyncBufRead + Unpin>(
    io: &mut R,
    limits: &Limits,
    mut deadline: Instant,
) -> std::result::Result<Raw, ReadError> {
    let mut parts = Vec::new();
    let mut total = 0usize;
    loop {
        let mut line = Vec::with_capacity(128);
        loop {
            let buf = fill(io, deadline).await?;
            let room = limits.line + 2 - line.len();
            match buf.iter().take(room).position(|&b| b == b'\n') {
                Some(i) => {
                    line.extend_from_slice(&buf[..i]);
                    io.consume(i + 1);
                    break;
                }
                None => {
                    let n = buf.len().min(room);
                    line.extend_from_slice(&buf[..n]);
                    io.consume(n);
                }
            }
            if line.len() > limits.line {
                return Err(ReadError::TooLong(format!(
                    "a reply line longer than {} bytes",
                    limits.line
                )));
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        total += line.len();
        let lit = wire::literal_len(&line);
        parts.push(Part::Text(line));
        let n = match lit {
            None => return Ok(Raw(parts)),
            Some(n) if n > limits.literal => {
                return Err(ReadError::TooLong(format!(
                    "a literal of {n} bytes (limit {})",
                    limits.literal
                )));
            }
            Some(n) if total.saturating_add(n) > limits.response => {
                return Err(ReadError::TooLong(format!(
                    "a response of more than {} bytes",
                    limits.response
                )));
            }
            Some(n) => n,
        };
        total += n;
        // nothing reserved from the announced size: the buffer grows as bytes arrive
        let mut data = Vec::with_capacity(n.min(64 << 10));
        while data.len() < n {
            let buf = fill(io, deadline).await?;
            let take = buf.len().min(n - data.len());
            data.extend_from_slice(&buf[..take]);
            io.consume(take);
            deadline = Instant::now() + limits.read;
        }
        parts.push(Part::Lit(data));
    }
}
