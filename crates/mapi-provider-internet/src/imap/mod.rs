//! A small IMAP4rev1 client (RFC 3501 plus UIDPLUS, MOVE, CONDSTORE): connect with
//! TLS/STARTTLS/plain, log in, list, status, select, pipelined UID FETCH, APPEND,
//! UID MOVE / STORE / EXPUNGE, IDLE and NOTIFY (`push`). Responses are framed and
//! decoded by `imap-codec` ([`wire::Reader`]). Every read is bounded ([`Limits`]): line, literal and response
//! sizes, nesting depth, how many untagged responses are held, a greeting deadline, and
//! a progress deadline (bytes that bring no progress toward the tagged reply do not keep
//! a command alive).

mod push;
pub mod wire;

pub use push::Heard;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::time::Instant;
use tokio_rustls::rustls::ClientConfig;

use crate::config::{Security, Server};
use crate::error::{InternetError, Result};
use crate::tls::{self, Stream};
use wire::{Code, Cond, Data, ReadError, Reader, Response};

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
    /// Longest text line (checked by our reader: the fragmentizer has no line bound).
    pub line: usize,
    /// Largest literal, refused when announced (checked by our reader).
    pub literal: usize,
    /// Largest response, all its lines and literals together: imap-codec's
    /// fragmentizer's maximum message size (at most 4 GiB), also checked when a literal
    /// is announced.
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

/// A LIST-STATUS reply: the mailboxes, and the STATUS of those the server gave one.
#[derive(Clone, Debug, Default)]
pub struct ListStatus {
    /// Every mailbox listed.
    pub entries: Vec<ListEntry>,
    /// (raw mailbox name, its state) for each STATUS in the reply.
    pub statuses: Vec<(Vec<u8>, MailboxState)>,
}

/// A mailbox's state from a STATUS reply; `None` without its UIDVALIDITY.
fn state_of(st: &wire::StatusData) -> Option<MailboxState> {
    Some(MailboxState {
        exists: st.messages.unwrap_or(0),
        uidvalidity: st.uidvalidity?,
        uidnext: st.uidnext.unwrap_or(0),
        highestmodseq: st.highestmodseq,
    })
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
    reader: Reader,
    server: String,
    limits: Limits,
    /// When the current command is abandoned unless it makes progress first.
    deadline: Instant,
    /// Responses read since the last progress (for the timeout's reason).
    idle_responses: u64,
    /// Untagged responses skipped because they do not decode (only the first few are
    /// logged).
    skipped: u64,
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
            reader: Reader::new(limits),
            server: server.label(),
            limits,
            deadline: start + greeting,
            idle_responses: 0,
            skipped: 0,
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
                if let Some(Code::Capability(c)) = code {
                    imap.caps = c;
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
            if !imap.io.buffer().is_empty() || imap.reader.has_buffered() {
                return Err(imap.protocol("data after STARTTLS reply (possible injection)".into()));
            }
            let Stream::Plain(tcp) = imap.io.into_inner() else {
                unreachable!("STARTTLS runs on a plain connection")
            };
            let stream = tls::upgrade(tcp, server, tls_config, limits.read).await?;
            imap.io = BufReader::with_capacity(64 * 1024, stream);
            imap.reader = Reader::after_greeting(limits);
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

    async fn capability(&mut self) -> Result<()> {
        let (untagged, _) = self.run_keeping("CAPABILITY", is_capability).await?;
        for r in untagged {
            if let Response::Data(Data::Capability(c)) = r {
                self.caps = c;
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
                match code {
                    Some(Code::Capability(c)) => self.caps = c,
                    _ => self.capability().await?,
                }
                if self.has("QRESYNC") {
                    let (untagged, _) = self.run_keeping("ENABLE QRESYNC", is_enabled).await?;
                    self.qresync = untagged.iter().any(|r| match r {
                        Response::Data(Data::Enabled(c)) => c.iter().any(|w| w == "QRESYNC"),
                        _ => false,
                    });
                }
                Ok(())
            }
            Done { code, text, .. } if is_limit(code.as_ref(), &text) => {
                Err(InternetError::SessionLimit {
                    server: self.server.clone(),
                    detail: text,
                })
            }
            Done { code, text, .. } if matches!(&code, Some(Code::Other(c)) if c == "UNAVAILABLE") => {
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
        let (untagged, _) = self.run_keeping("LIST \"\" \"*\"", is_list).await?;
        Ok(untagged
            .into_iter()
            .filter_map(|r| match r {
                Response::Data(Data::List(entry)) => Some(entry),
                _ => None,
            })
            .collect())
    }

    /// LIST "" "*" with every selectable mailbox's STATUS in the same reply
    /// (LIST-STATUS, RFC 5819): one round trip where a poll would otherwise ask each
    /// mailbox in turn. `None` when the server does not announce LIST-STATUS. A
    /// mailbox whose STATUS lacks UIDVALIDITY is left out of the statuses.
    pub async fn list_status(&mut self) -> Result<Option<ListStatus>> {
        if !self.has("LIST-STATUS") {
            return Ok(None);
        }
        let items = self.status_items();
        let (untagged, _) = self
            .run_keeping(&format!("LIST \"\" \"*\" RETURN (STATUS ({items}))"), |r| {
                is_list(r) || is_status(r)
            })
            .await?;
        let mut out = ListStatus::default();
        for r in untagged {
            match r {
                Response::Data(Data::List(entry)) => out.entries.push(entry),
                Response::Data(Data::Status(st)) => {
                    if let Some(state) = state_of(&st) {
                        out.statuses.push((st.mailbox, state));
                    }
                }
                _ => {}
            }
        }
        Ok(Some(out))
    }

    /// STATUS of a mailbox that is not necessarily selected.
    pub async fn status(&mut self, mailbox: &[u8]) -> Result<MailboxState> {
        let items = self.status_items();
        let name = self.mailbox_arg(mailbox)?;
        let (untagged, _) = self
            .run_keeping(&format!("STATUS {name} ({items})"), is_status)
            .await?;
        let replies: Vec<wire::StatusData> = untagged
            .into_iter()
            .filter_map(|r| match r {
                Response::Data(Data::Status(st)) => Some(st),
                _ => None,
            })
            .collect();
        let single = replies.len() == 1;
        // the one reply, or among several the one naming this mailbox (the others are
        // unsolicited statuses of other mailboxes)
        let Some(reply) = replies
            .into_iter()
            .find(|r| single || r.mailbox.eq_ignore_ascii_case(mailbox))
        else {
            return Err(self.protocol("STATUS reply without the mailbox's UIDVALIDITY".into()));
        };
        state_of(&reply)
            .ok_or_else(|| self.protocol("STATUS reply without the mailbox's UIDVALIDITY".into()))
    }

    /// The STATUS items asked of a mailbox: HIGHESTMODSEQ too where the server has
    /// CONDSTORE.
    fn status_items(&self) -> &'static str {
        if self.has("CONDSTORE") {
            "MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ"
        } else {
            "MESSAGES UIDNEXT UIDVALIDITY"
        }
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
                Response::Data(Data::Vanished { uids, .. }) => {
                    self.progress();
                    vanished(uids);
                }
                Response::Data(Data::Fetch(f)) if f.uid != 0 => {
                    self.progress();
                    changed(f.uid, f.flags);
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
        let keep = |r: &Response| {
            matches!(
                r,
                Response::Status { code: Some(_), .. } | Response::Data(Data::Exists(_))
            )
        };
        let (untagged, _) = self
            .run_keeping(&format!("{verb} {name}{cs}"), keep)
            .await?;
        let mut st = MailboxState::default();
        for r in untagged {
            match r {
                Response::Status {
                    code: Some(Code::UidValidity(n)),
                    ..
                } => st.uidvalidity = n,
                Response::Status {
                    code: Some(Code::UidNext(n)),
                    ..
                } => st.uidnext = n,
                Response::Status {
                    code: Some(Code::HighestModSeq(n)),
                    ..
                } => st.highestmodseq = Some(n),
                Response::Data(Data::Exists(n)) => st.exists = n,
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
        mut each: impl EachFetched,
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
                Response::Data(Data::Fetch(f)) if f.uid != 0 && asked(f.uid) => {
                    self.progress();
                    each.take(f).await?;
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
        Ok(match code {
            Some(Code::AppendUid(validity, uid)) => Some((validity, uid)),
            _ => None,
        })
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
        Ok(copy_uid(untagged, code))
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

    /// Runs a command whose untagged replies the caller does not need.
    pub async fn run_ok(&mut self, cmd: &str) -> Result<()> {
        self.run(cmd).await.map(|_| ())
    }

    /// CREATE a mailbox.
    pub async fn create(&mut self, name: &[u8]) -> Result<()> {
        let arg = self.mailbox_arg(name)?;
        self.run(&format!("CREATE {arg}")).await.map(|_| ())
    }

    /// DELETE a mailbox (leaving it first when it is selected).
    pub async fn delete_mailbox(&mut self, name: &[u8]) -> Result<()> {
        if self.selected.as_ref().is_some_and(|(n, _)| n == name) {
            self.unselect().await?;
        }
        let arg = self.mailbox_arg(name)?;
        self.run(&format!("DELETE {arg}")).await.map(|_| ())
    }

    /// RENAME a mailbox (leaving it first when it is selected).
    pub async fn rename(&mut self, from: &[u8], to: &[u8]) -> Result<()> {
        if self.selected.as_ref().is_some_and(|(n, _)| n == from) {
            self.unselect().await?;
        }
        let (a, b) = (self.mailbox_arg(from)?, self.mailbox_arg(to)?);
        self.run(&format!("RENAME {a} {b}")).await.map(|_| ())
    }

    /// Adds (or removes) `flag` on messages of the selected mailbox, by UID, silently.
    pub async fn uid_store_flag(&mut self, uids: &[u32], add: bool, flag: &str) -> Result<()> {
        let sign = if add { '+' } else { '-' };
        for set in uid_sets(uids) {
            self.run(&format!("UID STORE {set} {sign}FLAGS.SILENT ({flag})"))
                .await?;
        }
        Ok(())
    }

    /// Copies one message (selected mailbox) to `dest`; returns its new UID when the
    /// server tells it (COPYUID).
    pub async fn uid_copy(&mut self, uid: u32, dest: &[u8]) -> Result<Option<(u32, u32)>> {
        let name = self.mailbox_arg(dest)?;
        let (untagged, code) = self.run(&format!("UID COPY {uid} {name}")).await?;
        Ok(copy_uid(untagged, code))
    }

    /// Flags messages (selected mailbox) \Deleted and expunges them (UID EXPUNGE with
    /// UIDPLUS, else EXPUNGE).
    pub async fn uid_delete_all(&mut self, uids: &[u32]) -> Result<()> {
        self.uid_store_flag(uids, true, "\\Deleted").await?;
        if self.has("UIDPLUS") {
            for set in uid_sets(uids) {
                self.run(&format!("UID EXPUNGE {set}")).await?;
            }
        } else if !uids.is_empty() {
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

    async fn run(&mut self, cmd: &str) -> Result<(Vec<Response>, Option<Code>)> {
        self.run_keeping(cmd, keep_codes).await
    }

    /// Runs a command, holding the untagged responses `keep` accepts (bounded by
    /// [`Limits::held`] and [`Limits::held_bytes`]); the others are read and dropped.
    async fn run_keeping(
        &mut self,
        cmd: &str,
        keep: impl Fn(&Response) -> bool,
    ) -> Result<(Vec<Response>, Option<Code>)> {
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
    ) -> Result<(Vec<Response>, Option<Code>)> {
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

    /// Reads the next response the client can use: an untagged one that does not decode
    /// (vendor data) is logged and skipped, and is no progress.
    async fn read(&mut self) -> Result<Response> {
        loop {
            match self.read_any().await? {
                Response::Data(Data::Undecodable(first)) => {
                    self.skipped += 1;
                    if self.skipped <= SKIPPED_LOGGED {
                        log::warn!(
                            "imap {}: skipped an untagged response that does not decode: {first}",
                            self.server
                        );
                    } else if self.skipped == SKIPPED_LOGGED + 1 {
                        log::warn!(
                            "imap {}: skipping more responses that do not decode, without logging them",
                            self.server
                        );
                    }
                }
                r => return Ok(r),
            }
        }
    }

    async fn read_any(&mut self) -> Result<Response> {
        let deadline = self.deadline;
        match self.reader.read(&mut self.io, deadline).await {
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
            Err(ReadError::Bad(what)) => Err(self.protocol(what)),
            Ok(r) => {
                self.idle_responses += 1; // reset by the caller when it is progress
                Ok(r)
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
fn is_limit(code: Option<&Code>, text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    matches!(code, Some(Code::Other(c)) if c == "LIMIT")
        || t.contains("maximum number of connections")
        || t.contains("too many connections")
        || t.contains("too many simultaneous")
}

/// A command's tagged reply.
struct Done {
    cond: Cond,
    code: Option<Code>,
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

/// Reads `data` as a server's byte stream, response after response, the way the client
/// reads a reply: framing and decoding by imap-codec within `limits`. Returns the number
/// of responses read and the error that stopped the reading, if any (the end of `data`
/// is not an error). For fuzzing and for replaying a recorded session.
pub fn replay(data: &[u8], limits: Limits) -> (usize, Option<InternetError>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    else {
        return (0, None);
    };
    rt.block_on(async {
        let mut io = data;
        // past the greeting: a recorded greeting (`* OK ...`) reads as an untagged status
        let mut reader = Reader::after_greeting(limits);
        let far = Instant::now() + Duration::from_secs(3600);
        let mut n = 0;
        loop {
            match reader.read(&mut io, far).await {
                Ok(_) => n += 1,
                Err(ReadError::Bad(what)) => return (n, Some(protocol("replay", what))),
                Err(ReadError::Closed | ReadError::Timeout | ReadError::Io(_)) => return (n, None),
            }
        }
    })
}

/// The COPYUID of a COPY or MOVE reply (tagged, or an untagged OK before it).
fn copy_uid(untagged: Vec<Response>, code: Option<Code>) -> Option<(u32, u32)> {
    untagged
        .into_iter()
        .filter_map(|r| match r {
            Response::Status { code, .. } => code,
            _ => None,
        })
        .chain(code)
        .find_map(|c| match c {
            Code::CopyUid(validity, uid) => Some((validity, uid)),
            _ => None,
        })
}

/// UID sets (`1:3,7`) covering `uids`, each of at most 500 ranges so a command line
/// stays short.
pub fn uid_sets(uids: &[u32]) -> Vec<String> {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for u in sorted {
        match ranges.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(u) => *end = u,
            _ => ranges.push((u, u)),
        }
    }
    ranges
        .chunks(500)
        .map(|c| {
            c.iter()
                .map(|&(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}:{b}")
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

/// How many skipped responses a connection logs one by one.
const SKIPPED_LOGGED: u64 = 3;

/// Holds the untagged responses that carry a response code (`* OK [UIDNEXT 5]`).
fn keep_codes(r: &Response) -> bool {
    matches!(r, Response::Status { code: Some(_), .. })
}

/// Holds no untagged response.
/// Untagged data (EXISTS, EXPUNGE, FETCH, VANISHED, ...) that may mean a change.
fn is_news(r: &Response) -> bool {
    matches!(r, Response::Data(_))
}

fn keep_none(_: &Response) -> bool {
    false
}

/// Holds `* CAPABILITY` data and the responses with codes.
fn is_capability(r: &Response) -> bool {
    matches!(r, Response::Data(Data::Capability(_))) || keep_codes(r)
}

/// Holds `* ENABLED` data.
fn is_enabled(r: &Response) -> bool {
    matches!(r, Response::Data(Data::Enabled(_)))
}

/// Holds `* LIST` data.
fn is_list(r: &Response) -> bool {
    matches!(r, Response::Data(Data::List(_)))
}

/// Holds `* STATUS` data.
fn is_status(r: &Response) -> bool {
    matches!(r, Response::Data(Data::Status(_)))
}

/// What [`Imap::fetch_pipelined`] hands each message to. A closure takes it at once; a
/// taker that may wait (a download handing batches to a writer thread on a bounded
/// channel) returns a future, so waiting suspends the fetch instead of blocking the
/// runtime's thread.
pub trait EachFetched: Send {
    /// Takes one message; an error stops the fetch.
    fn take(&mut self, f: Fetched) -> impl Future<Output = Result<()>> + Send;
}

impl<F: FnMut(Fetched) -> Result<()> + Send> EachFetched for F {
    fn take(&mut self, f: Fetched) -> impl Future<Output = Result<()>> + Send {
        std::future::ready(self(f))
    }
}
