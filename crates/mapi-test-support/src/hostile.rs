//! A scriptable misbehaving IMAP server on loopback: an honest minimal IMAP4rev1 server
//! (one INBOX, LOGIN accepts anyone) that misbehaves in one chosen way, for the cases no
//! real server shows on demand. The behaviour can be changed between connections
//! ([`HostileImap::set`]); the commands it received are counted.
//!
//! Each connection is served on its own thread with blocking sockets, so the server
//! keeps its pace whatever the client's runtime (or a paused tokio clock) does.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mapi_spi::Settings;
use mapi_types::PropValue;

/// One way of misbehaving.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// None: an honest server.
    Honest,
    /// Accepts connections and never says anything.
    Silent,
    /// Greets, then answers no command: sends `* OK still here` every `every`.
    Drip {
        /// Interval between the unsolicited lines.
        every: Duration,
    },
    /// Sends `bytes` of `* 1 RECENT` lines before LIST's tagged reply.
    FloodOnList {
        /// Total size of the lines.
        bytes: usize,
    },
    /// Answers LIST with one response holding `count` literals of `size` bytes each.
    LiteralsOnList {
        /// How many literals.
        count: usize,
        /// Bytes of each.
        size: usize,
    },
    /// `* 4294967295 EXISTS` in SELECT/EXAMINE and `MESSAGES 4294967295` in STATUS.
    HugeExists,
    /// Answers LIST with `depth` nested opening parentheses.
    DeepNesting {
        /// How deep.
        depth: usize,
    },
    /// INTERNALDATE with a zone holding a multibyte character.
    BadInternalDate,
    /// One more message, whose UID is 4294967297 (out of the 32-bit range).
    UidOutOfRange,
    /// STATUS values that are not numbers.
    BadStatus,
    /// Every body FETCH also returns a message with UID 999, which was not asked for.
    ForeignUids,
    /// LIST also shows a mailbox whose name has raw 8-bit bytes.
    EightBitMailbox,
}

struct State {
    behaviour: Mutex<Behaviour>,
    messages: Mutex<Vec<Vec<u8>>>,
    commands: AtomicU64,
    fetches: AtomicU64,
    stop: AtomicBool,
}

/// A running hostile server; stops accepting when dropped.
pub struct HostileImap {
    port: u16,
    state: Arc<State>,
}

/// UIDVALIDITY of the server's INBOX.
pub const UIDVALIDITY: u32 = 7;

impl HostileImap {
    /// Starts a server holding `messages` (UIDs 1, 2, ...) in its INBOX.
    pub fn start(behaviour: Behaviour, messages: Vec<Vec<u8>>) -> HostileImap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("bound").port();
        let state = Arc::new(State {
            behaviour: Mutex::new(behaviour),
            messages: Mutex::new(messages),
            commands: AtomicU64::new(0),
            fetches: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let s = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &s);
                });
            }
        });
        HostileImap { port, state }
    }

    /// Messages numbered 1..=`n`, each a small valid message with subject `subject i`.
    pub fn messages(n: usize, subject: &str) -> Vec<Vec<u8>> {
        (1..=n)
            .map(|i| {
                format!(
                    "From: Sender <s@example.org>\r\nTo: a@example.org\r\nSubject: {subject} {i}\r\nMessage-ID: <{i}@hostile>\r\n\r\nbody {i}\r\n"
                )
                .into_bytes()
            })
            .collect()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`, as the client names the server.
    pub fn label(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Changes the behaviour (for the next commands and connections).
    pub fn set(&self, behaviour: Behaviour) {
        *self
            .state
            .behaviour
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = behaviour;
    }

    /// Adds a message to the INBOX (its UID is the next one).
    pub fn add(&self, message: Vec<u8>) {
        self.state
            .messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message);
    }

    /// Commands received so far, all connections together.
    pub fn commands(&self) -> u64 {
        self.state.commands.load(Ordering::Relaxed)
    }

    /// FETCH commands received so far.
    pub fn fetches(&self) -> u64 {
        self.state.fetches.load(Ordering::Relaxed)
    }

    /// Settings of an account on this server (plain IMAP; SMTP on a closed port).
    pub fn settings(&self) -> Settings {
        let mut s = Settings::new();
        for (k, v) in [
            ("email", "alice@localhost".to_string()),
            ("user", "alice".into()),
            ("password", "secret-pw".into()),
            ("imap_host", "127.0.0.1".into()),
            ("smtp_host", "127.0.0.1".into()),
            ("imap_port", self.port.to_string()),
            ("smtp_port", "1".into()),
            ("imap_security", "none".into()),
            ("smtp_security", "none".into()),
        ] {
            s.set(k, PropValue::Unicode(v));
        }
        s.mark_secret("password");
        s
    }
}

impl Drop for HostileImap {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
        // wake the accept loop
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

const CAPS: &str = "IMAP4rev1 UIDPLUS MOVE UNSELECT";

fn serve(conn: TcpStream, s: &State) -> std::io::Result<()> {
    let behaviour = || {
        s.behaviour
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    };
    let mut out = conn.try_clone()?;
    if behaviour() == Behaviour::Silent {
        // hold the connection open, say nothing, until the client goes
        let mut r = BufReader::new(conn);
        let mut sink = Vec::new();
        while r.read_until(b'\n', &mut sink)? > 0 {
            sink.clear();
        }
        return Ok(());
    }
    write!(
        out,
        "* OK [CAPABILITY {CAPS}] hostile test server ready\r\n"
    )?;
    let mut r = BufReader::new(conn);
    let mut line = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 || s.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        s.commands.fetch_add(1, Ordering::Relaxed);
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        let mut words = text.splitn(3, ' ');
        let tag = words.next().unwrap_or("*").to_string();
        let mut cmd = words.next().unwrap_or("").to_ascii_uppercase();
        let mut rest = words.next().unwrap_or("").to_string();
        if cmd == "UID" {
            let mut w = rest.splitn(2, ' ');
            cmd = format!("UID {}", w.next().unwrap_or("").to_ascii_uppercase());
            rest = w.next().unwrap_or("").to_string();
        }
        if let Behaviour::Drip { every } = behaviour()
            && cmd != "LOGOUT"
        {
            loop {
                std::thread::sleep(every);
                if s.stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                out.write_all(b"* OK still here\r\n")?;
            }
        }
        let ok = |out: &mut TcpStream, what: &str| write!(out, "{tag} OK {what} done\r\n");
        match cmd.as_str() {
            "CAPABILITY" => {
                write!(out, "* CAPABILITY {CAPS}\r\n")?;
                ok(&mut out, "CAPABILITY")?;
            }
            "LOGIN" | "NOOP" | "UNSELECT" | "CLOSE" => ok(&mut out, &cmd)?,
            "LOGOUT" => {
                out.write_all(b"* BYE logging out\r\n")?;
                ok(&mut out, "LOGOUT")?;
                return Ok(());
            }
            "LIST" => {
                out.write_all(b"* LIST (\\HasNoChildren) \"/\" INBOX\r\n")?;
                match behaviour() {
                    Behaviour::EightBitMailbox => {
                        out.write_all(b"* LIST (\\HasNoChildren) \"/\" \"Caf\xc3\xa9\"\r\n")?
                    }
                    Behaviour::FloodOnList { bytes } => {
                        let chunk = b"* 1 RECENT\r\n".repeat(64 * 1024 / 12);
                        let mut sent = 0;
                        while sent < bytes {
                            out.write_all(&chunk)?;
                            sent += chunk.len();
                        }
                    }
                    Behaviour::LiteralsOnList { count, size } => {
                        out.write_all(b"* LIST () \"/\"")?;
                        let block = vec![b'x'; 64 * 1024];
                        for _ in 0..count {
                            write!(out, " {{{size}}}\r\n")?;
                            let mut left = size;
                            while left > 0 {
                                let n = left.min(block.len());
                                out.write_all(&block[..n])?;
                                left -= n;
                            }
                        }
                        out.write_all(b"\r\n")?;
                    }
                    Behaviour::DeepNesting { depth } => {
                        out.write_all(b"* LIST ")?;
                        out.write_all(&vec![b'('; depth])?;
                        out.write_all(b"\r\n")?;
                    }
                    _ => {}
                }
                ok(&mut out, "LIST")?;
            }
            "STATUS" => {
                let n = s.messages.lock().unwrap_or_else(|p| p.into_inner()).len();
                match behaviour() {
                    Behaviour::BadStatus => out.write_all(
                        b"* STATUS INBOX (MESSAGES many UIDNEXT 1x UIDVALIDITY -7)\r\n",
                    )?,
                    Behaviour::HugeExists => write!(
                        out,
                        "* STATUS INBOX (MESSAGES 4294967295 UIDNEXT {} UIDVALIDITY {UIDVALIDITY})\r\n",
                        n + 1
                    )?,
                    _ => write!(
                        out,
                        "* STATUS INBOX (MESSAGES {n} UIDNEXT {} UIDVALIDITY {UIDVALIDITY})\r\n",
                        n + 1 + usize::from(behaviour() == Behaviour::UidOutOfRange)
                    )?,
                }
                ok(&mut out, "STATUS")?;
            }
            "SELECT" | "EXAMINE" => {
                let n = s.messages.lock().unwrap_or_else(|p| p.into_inner()).len();
                if behaviour() == Behaviour::HugeExists {
                    out.write_all(b"* 4294967295 EXISTS\r\n")?;
                } else {
                    write!(out, "* {n} EXISTS\r\n")?;
                }
                write!(out, "* OK [UIDVALIDITY {UIDVALIDITY}] uids valid\r\n")?;
                write!(out, "* OK [UIDNEXT {}] next uid\r\n", n + 1)?;
                ok(&mut out, &cmd)?;
            }
            "UID FETCH" => {
                s.fetches.fetch_add(1, Ordering::Relaxed);
                let (set, items) = rest.split_once(' ').unwrap_or((&rest, ""));
                let body = items.to_ascii_uppercase().contains("BODY");
                let messages = s.messages.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let max = messages.len() as u64;
                let b = behaviour();
                for (i, m) in messages.iter().enumerate() {
                    let uid = i as u64 + 1;
                    if in_set(set, uid, max) {
                        fetch_reply(&mut out, i + 1, &uid.to_string(), m, body, &b)?;
                    }
                }
                if b == Behaviour::UidOutOfRange {
                    let m = b"Subject: out of range\r\n\r\nx\r\n";
                    fetch_reply(&mut out, messages.len() + 1, "4294967297", m, body, &b)?;
                }
                if b == Behaviour::ForeignUids && body {
                    let m = b"Subject: foreign\r\n\r\nnot asked for\r\n";
                    fetch_reply(&mut out, 1, "999", m, body, &b)?;
                }
                ok(&mut out, "UID FETCH")?;
            }
            _ => write!(out, "{tag} BAD unknown command\r\n")?,
        }
    }
}

fn fetch_reply(
    out: &mut TcpStream,
    seq: usize,
    uid: &str,
    message: &[u8],
    body: bool,
    b: &Behaviour,
) -> std::io::Result<()> {
    if !body {
        return write!(out, "* {seq} FETCH (UID {uid} FLAGS ())\r\n");
    }
    let zone = if *b == Behaviour::BadInternalDate {
        "+0\u{e4}0"
    } else {
        "+0000"
    };
    write!(
        out,
        "* {seq} FETCH (UID {uid} FLAGS () INTERNALDATE \"01-Jan-2024 10:00:00 {zone}\" BODY[] {{{}}}\r\n",
        message.len()
    )?;
    out.write_all(message)?;
    out.write_all(b")\r\n")
}

/// Whether `uid` is in an IMAP sequence set (`1:5,7,9:*`), `*` being `max`.
fn in_set(set: &str, uid: u64, max: u64) -> bool {
    let num = |s: &str| {
        if s == "*" {
            Some(max.max(1))
        } else {
            s.parse().ok()
        }
    };
    set.split(',').any(|part| match part.split_once(':') {
        Some((a, b)) => match (num(a), num(b)) {
            (Some(a), Some(b)) => (a.min(b)..=a.max(b)).contains(&uid),
            _ => false,
        },
        None => num(part) == Some(uid),
    })
}

/// An SMTP server whose greeting never ends: `220-` and then bytes without a line
/// break, for as long as the client reads.
pub struct EndlessSmtpGreeting {
    port: u16,
    sent: Arc<AtomicU64>,
}

impl EndlessSmtpGreeting {
    /// Starts it (one connection).
    pub fn start() -> EndlessSmtpGreeting {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("bound").port();
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        std::thread::spawn(move || {
            if let Ok((mut conn, _)) = listener.accept() {
                let block = vec![b'x'; 64 * 1024];
                if conn.write_all(b"220-").is_ok() {
                    while conn.write_all(&block).is_ok() {
                        counter.fetch_add(block.len() as u64, Ordering::Relaxed);
                    }
                }
            }
        });
        EndlessSmtpGreeting { port, sent }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Bytes written so far (the client's reads, plus what the socket buffers hold).
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::in_set;

    #[test]
    fn sequence_sets() {
        assert!(in_set("1:*", 5, 5));
        assert!(in_set("1:3,7", 7, 9));
        assert!(!in_set("1:3,7", 5, 9));
        assert!(in_set("4:2", 3, 9));
    }
}
