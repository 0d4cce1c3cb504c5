//! `mapi watch`: prints the notifications of a logon's default store as they happen,
//! until SIGINT / SIGTERM or the session ends.
//!
//! Registrations: the store (the whole store, or the `--folder`'s: `fnevNewMail`,
//! `fnevObject*`), with `--folder` that folder's contents table (`fnevTableModified`),
//! and the session's own events (`fnevExtended` session shutdown, `fnevCriticalError`).
//! Lines are written by the library's notification thread (the session's in process,
//! the daemon connection's on a shared session); the main thread waits on a pipe that
//! the signal handler and the session-shutdown notification write to.

use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use mapi::advise::AdviseSink;
use mapi::link::AnyStore;
use mapi::notify::{EXT_SESSION_SHUTDOWN, fnev};
use mapi::{LogoffFlags, Notification, PropValue, tags};
use serde_json::{Map, Value, json};

use super::Ctx;
use super::logon::{logon, open};
use super::store::find_folder;
use crate::cli::LogonArgs;
use crate::error::CliError;

/// The write end of the wake-up pipe, for the signal handler (-1: none).
static WAKE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(_: libc::c_int) {
    let fd = WAKE.load(Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; the fd stays open while the handler
        // is installed.
        unsafe {
            libc::write(fd, b"s".as_ptr().cast(), 1);
        }
    }
}

/// The wake-up pipe: (read end, write end).
fn pipe() -> Result<(OwnedFd, OwnedFd), CliError> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(CliError::new(
            mapi::Status::MAPI_E_CALL_FAILED,
            format!("cannot make a pipe: {}", std::io::Error::last_os_error()),
        ));
    }
    // SAFETY: both descriptors were just made and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn install_handlers(wake: &OwnedFd) {
    WAKE.store(wake.as_raw_fd(), Ordering::Relaxed);
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction with a handler that only calls write(2).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// Blocks until one byte arrives on `fd` (a signal or the session's end).
fn wait(fd: &OwnedFd) {
    let mut b = [0u8; 1];
    loop {
        // SAFETY: reading one byte into a one-byte buffer.
        let n = unsafe { libc::read(fd.as_raw_fd(), b.as_mut_ptr().cast(), 1) };
        if n >= 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}

/// Writes notifications as lines (JSON or text).
struct Printer {
    json: bool,
    /// The store, to read a new message's subject.
    store: Arc<AnyStore>,
    out: Mutex<()>,
}

impl Printer {
    fn line(&self, n: &Notification) -> Value {
        let mut m = Map::new();
        m.insert("event".into(), json!(n.event_name()));
        let hex = |b: &[u8]| json!(mapi_types::hex::encode(b));
        match n {
            Notification::NewMail(nm) => {
                m.insert("entry_id".into(), hex(&nm.entry));
                m.insert("parent_id".into(), hex(&nm.parent));
                m.insert("message_class".into(), json!(nm.message_class));
                m.insert("message_flags".into(), json!(nm.message_flags));
                let subject = self
                    .store
                    .read_message(&nm.entry)
                    .ok()
                    .and_then(|r| r.str(tags::PR_SUBJECT).map(str::to_string));
                m.insert("subject".into(), json!(subject));
            }
            Notification::TableModified(t) => {
                if let Some(e) = t.row.get(tags::PR_ENTRYID).and_then(PropValue::as_bytes) {
                    m.insert("entry_id".into(), hex(e));
                }
                if let Some(s) = t.row.str(tags::PR_SUBJECT) {
                    m.insert("subject".into(), json!(s));
                }
            }
            Notification::CriticalError(e) => {
                m.insert("entry_id".into(), hex(&e.entry));
                m.insert("scode".into(), json!(e.scode.to_string()));
            }
            Notification::Extended(x) => {
                m.insert("extended_event".into(), json!(x.event));
            }
            Notification::StatusObjectModified(s) => {
                m.insert("entry_id".into(), hex(&s.entry));
            }
            other => {
                if let Some(o) = other.object() {
                    m.insert("entry_id".into(), hex(&o.entry));
                    m.insert("parent_id".into(), hex(&o.parent));
                    m.insert("object_type".into(), json!(o.object_type));
                    if !o.old_entry.is_empty() {
                        m.insert("old_entry_id".into(), hex(&o.old_entry));
                        m.insert("old_parent_id".into(), hex(&o.old_parent));
                    }
                }
            }
        }
        Value::Object(m)
    }

    fn print(&self, n: &Notification) {
        let v = self.line(n);
        let _one = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let mut stdout = std::io::stdout().lock();
        let _ = if self.json {
            writeln!(stdout, "{v}")
        } else {
            writeln!(stdout, "{}", text(&v))
        };
        let _ = stdout.flush();
    }
}

/// The text form: the event name, then `key=value` pairs.
fn text(v: &Value) -> String {
    let Value::Object(m) = v else {
        return String::new();
    };
    let mut s = m
        .get("event")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    for (k, val) in m.iter().filter(|(k, _)| *k != "event") {
        let shown = match val {
            Value::String(x) => mapi::printable(x).into_owned(),
            Value::Null => continue,
            other => other.to_string(),
        };
        s.push_str(&format!(" {k}={shown}"));
    }
    s
}

struct Sink {
    printer: Arc<Printer>,
    /// Written to when the session shuts down.
    wake: Arc<OwnedFd>,
}

impl AdviseSink for Sink {
    fn on_notify(&self, ns: &[Notification]) {
        for n in ns {
            self.printer.print(n);
            if let Notification::Extended(x) = n
                && x.event == EXT_SESSION_SHUTDOWN
            {
                // SAFETY: one byte to a pipe this sink keeps open.
                unsafe {
                    libc::write(self.wake.as_raw_fd(), b"e".as_ptr().cast(), 1);
                }
            }
        }
    }
}

/// `mapi watch [--folder F]`.
pub fn run(ctx: &Ctx, args: &LogonArgs, folder: Option<&str>) -> Result<(), CliError> {
    let mapi = open(ctx)?;
    let session = logon(&mapi, args)?;
    let out = watch(ctx, &session, folder);
    session.logoff(LogoffFlags::default());
    out
}

fn watch(
    ctx: &Ctx,
    session: &mapi::link::AnySession,
    folder: Option<&str>,
) -> Result<(), CliError> {
    let store = Arc::new(session.default_store()?);
    let folder = folder.map(|f| find_folder(&store, f)).transpose()?;
    let (rd, wr) = pipe()?;
    let wr = Arc::new(wr);
    let printer = Arc::new(Printer {
        json: ctx.json,
        store: store.clone(),
        out: Mutex::new(()),
    });
    let sink = || -> Arc<dyn AdviseSink> {
        Arc::new(Sink {
            printer: printer.clone(),
            wake: wr.clone(),
        })
    };
    let mut conns = vec![session.advise(None, fnev::EXTENDED | fnev::CRITICAL_ERROR, sink())?];
    conns.push(store.advise(
        folder.as_deref(),
        fnev::NEW_MAIL | fnev::OBJECT_EVENTS,
        sink(),
    )?);
    let table = match &folder {
        Some(f) => {
            let t = store.live_contents_table(f, 0)?;
            let c = t.advise(fnev::TABLE_MODIFIED, sink())?;
            Some((t, c))
        }
        None => None,
    };
    install_handlers(&wr);
    // On stderr in both forms: stdout is the notifications alone.
    eprintln!("watching; Ctrl-C to stop");
    wait(&rd);
    WAKE.store(-1, Ordering::Relaxed);
    if let Some((t, c)) = &table {
        let _ = t.unadvise(*c);
    }
    for c in conns {
        let _ = session.unadvise(c);
    }
    Ok(())
}
