//! A throwaway loopback mail stack for tests and benchmarks: real Dovecot (IMAP,
//! IMAPS, LMTP, SASL) and, on request, real Postfix (SMTP with STARTTLS, SMTPS and
//! plain, AUTH through Dovecot, delivery through Dovecot LMTP), each started from a
//! config in a fresh temp dir on free loopback ports, stopped by PID on drop.
//!
//! Needs root (Dovecot's mail processes run as `nobody`) and the Debian packages
//! `dovecot-imapd dovecot-lmtpd postfix openssl`; without them [`MailStack::start`]
//! fails with a message saying what to install.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mapi_spi::Settings;
use mapi_types::PropValue;

use crate::process::{chown_r, free_ports, run, stop_pids, traversable_temp_dir};
use crate::test_ca::make_test_ca;

/// The users every stack has: (name, password).
pub const USERS: [(&str, &str); 2] = [("alice", "alice-pw-1"), ("bob", "bob-pw-2")];

/// What to start.
#[derive(Clone, Debug)]
pub struct Options {
    /// Also start Postfix (slower: about 1-2 s).
    pub postfix: bool,
    /// Dovecot's `mail_max_userip_connections`.
    pub max_userip_connections: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            postfix: false,
            max_userip_connections: 1,
        }
    }
}

/// Ports of a running stack.
#[derive(Clone, Copy, Debug)]
pub struct Ports {
    /// IMAP (plain and STARTTLS).
    pub imap: u16,
    /// IMAPS (implicit TLS).
    pub imaps: u16,
    /// SMTP submission with STARTTLS required.
    pub submission: u16,
    /// SMTPS (implicit TLS).
    pub smtps: u16,
    /// SMTP without TLS (AUTH allowed).
    pub smtp_plain: u16,
}

/// A running stack. Dropping it stops the servers and removes the temp dir.
pub struct MailStack {
    dir: tempfile::TempDir,
    /// The ports.
    pub ports: Ports,
    dovecot: Option<Child>,
    postfix: Option<Child>,
    options: Options,
    imap_capability: Option<String>,
}

fn need(tool: &str, package: &str) -> Result<(), String> {
    let found = [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ]
    .iter()
    .any(|d| Path::new(d).join(tool).is_file());
    if found {
        Ok(())
    } else {
        Err(format!(
            "`{tool}` is not installed: the internet-mail tests need real servers. Install them (as root): \
             apt-get install -y --no-install-recommends {package}"
        ))
    }
}

/// Whether a server failed because one of its ports was taken meanwhile.
fn is_port_clash(error: &str) -> bool {
    error.contains("duplicate listener")
        || error.contains("Address already in use")
        || error.contains("address already in use")
}

fn wait_port(
    port: u16,
    child: &mut Child,
    name: &str,
    log: &Path,
    limit: Duration,
) -> Result<(), String> {
    let end = Instant::now() + limit;
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "{name} exited ({status}) before listening on {port}: {}",
                fs::read_to_string(log).unwrap_or_default()
            ));
        }
        if Instant::now() > end {
            return Err(format!(
                "{name} does not listen on 127.0.0.1:{port} after {limit:?}: {}",
                fs::read_to_string(log).unwrap_or_default()
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

impl MailStack {
    /// Starts Dovecot (and Postfix when asked). Fails with a clear message when a
    /// server is not installed or does not come up.
    pub fn start(options: Options) -> Result<MailStack, String> {
        need("dovecot", "dovecot-imapd dovecot-lmtpd")?;
        need("openssl", "openssl")?;
        if options.postfix {
            need("postfix", "postfix")?;
        }
        let mut attempt = 1;
        loop {
            match MailStack::start_once(options.clone()) {
                // another test took a port between choosing and binding: choose again
                Err(e) if attempt < 3 && is_port_clash(&e) => attempt += 1,
                other => return other,
            }
        }
    }

    fn start_once(options: Options) -> Result<MailStack, String> {
        let dir = traversable_temp_dir("mapi-mailstack-", None)?;
        let [imap, imaps, submission, smtps, smtp_plain] = free_ports();
        let ports = Ports {
            imap,
            imaps,
            submission,
            smtps,
            smtp_plain,
        };
        let mut stack = MailStack {
            dir,
            ports,
            dovecot: None,
            postfix: None,
            options,
            imap_capability: None,
        };
        stack.make_tls()?;
        stack.write_dovecot()?;
        stack.start_dovecot()?;
        if stack.options.postfix {
            stack.start_postfix()?;
        }
        Ok(stack)
    }

    /// The base directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The throwaway CA certificate clients must trust (`ca_file`).
    pub fn ca_file(&self) -> PathBuf {
        self.dir().join("tls/ca.pem")
    }

    fn make_tls(&self) -> Result<(), String> {
        make_test_ca(&self.dir().join("tls"))
    }

    fn write_dovecot(&self) -> Result<(), String> {
        let b = self.dir().display().to_string();
        for d in ["dovecot/run", "dovecot/state", "dovecot/mail"] {
            fs::create_dir_all(self.dir().join(d)).map_err(|e| e.to_string())?;
        }
        let mut passwd = String::new();
        for (u, p) in USERS {
            let _ = writeln!(passwd, "{u}:{{PLAIN}}{p}::::::");
        }
        fs::write(self.dir().join("dovecot/passwd"), passwd).map_err(|e| e.to_string())?;
        for (u, _) in USERS {
            for sub in ["cur", "new", "tmp"] {
                fs::create_dir_all(self.maildir(u, "INBOX").join(sub))
                    .map_err(|e| e.to_string())?;
            }
        }
        chown_r(&self.dir().join("dovecot/mail"), "nobody:nogroup")?;
        let p = self.ports;
        let max = self.options.max_userip_connections;
        let caps = match &self.imap_capability {
            Some(c) => format!("imap_capability = {c}\n"),
            None => String::new(),
        };
        let conf = format!(
            r#"base_dir = {b}/dovecot/run
state_dir = {b}/dovecot/state
log_path = {b}/dovecot/dovecot.log
instance_name = mapi-test-{imap}
listen = 127.0.0.1
hostname = localhost
protocols = imap lmtp
auth_username_format = %Ln
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
mail_max_userip_connections = {max}
{caps}ssl = yes
ssl_cert = <{b}/tls/cert.pem
ssl_key = <{b}/tls/key.pem
mail_location = maildir:{b}/dovecot/mail/%u/Maildir
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {b}/dovecot/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={b}/dovecot/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \Sent
    auto = create
  }}
  mailbox Drafts {{
    special_use = \Drafts
    auto = create
  }}
  mailbox Trash {{
    special_use = \Trash
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
service auth {{
  unix_listener auth-mta {{
    mode = 0666
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"#,
            imap = p.imap,
            imaps = p.imaps,
        );
        fs::write(self.dir().join("dovecot/dovecot.conf"), conf).map_err(|e| e.to_string())
    }

    fn start_dovecot(&mut self) -> Result<(), String> {
        let d = self.dir().join("dovecot");
        let out = fs::File::create(d.join("stdout")).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(d.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start dovecot: {e}"))?;
        let log = d.join("stdout");
        let r = wait_port(
            self.ports.imap,
            &mut child,
            "dovecot",
            &log,
            Duration::from_secs(20),
        )
        .and_then(|_| {
            wait_port(
                self.ports.imaps,
                &mut child,
                "dovecot",
                &log,
                Duration::from_secs(20),
            )
        });
        self.dovecot = Some(child);
        r
    }

    /// Stops Dovecot (the IMAP server becomes unreachable).
    pub fn stop_dovecot(&mut self) {
        if let Some(c) = self.dovecot.take() {
            stop_child(c, None);
        }
    }

    /// Restarts Dovecot announcing exactly `capability` (Dovecot's `imap_capability`),
    /// e.g. without CONDSTORE and QRESYNC, to act as a server that lacks them.
    pub fn set_imap_capability(&mut self, capability: &str) -> Result<(), String> {
        self.imap_capability = Some(capability.to_string());
        self.stop_dovecot();
        self.write_dovecot()?;
        self.start_dovecot()
    }

    /// Runs `doveadm` with this stack's configuration (e.g. `flags add -u alice
    /// \Seen mailbox INBOX all`).
    pub fn doveadm(&self, args: &[&str]) -> Result<(), String> {
        run(
            Command::new("doveadm")
                .arg("-c")
                .arg(self.dir().join("dovecot/dovecot.conf"))
                .args(args)
                .stdin(Stdio::null()),
            "doveadm",
        )
    }

    /// Starts Dovecot again after [`MailStack::stop_dovecot`].
    pub fn restart_dovecot(&mut self) -> Result<(), String> {
        self.stop_dovecot();
        self.start_dovecot()
    }

    fn start_postfix(&mut self) -> Result<(), String> {
        let b = self.dir().display().to_string();
        let pf = self.dir().join("postfix");
        for d in ["etc", "queue", "data"] {
            fs::create_dir_all(pf.join(d)).map_err(|e| e.to_string())?;
        }
        let main = format!(
            "compatibility_level = 3.6
config_directory = {b}/postfix/etc
queue_directory = {b}/postfix/queue
data_directory = {b}/postfix/data
maillog_file = {b}/postfix/maillog
maillog_file_prefixes = {b}/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = localhost
myorigin = localhost
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
virtual_mailbox_domains = localhost
virtual_transport = lmtp:unix:{b}/dovecot/run/lmtp
smtpd_sasl_type = dovecot
smtpd_sasl_path = {b}/dovecot/run/auth-mta
smtpd_sasl_auth_enable = yes
smtpd_tls_cert_file = {b}/tls/cert.pem
smtpd_tls_key_file = {b}/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_error_sleep_time = 0s
"
        );
        fs::write(pf.join("etc/main.cf"), main).map_err(|e| e.to_string())?;
        let p = self.ports;
        let mut master = format!(
            "127.0.0.1:{} inet n - n - - smtpd\n  -o smtpd_tls_security_level=encrypt\n127.0.0.1:{} inet n - n - - smtpd\n  -o smtpd_tls_wrappermode=yes\n127.0.0.1:{} inet n - n - - smtpd\n",
            p.submission, p.smtps, p.smtp_plain
        );
        for line in [
            "pickup unix n - n 60 1 pickup",
            "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr",
            "tlsmgr unix - - n 1000? 1 tlsmgr",
            "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce",
            "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush",
            "proxymap unix - - n - - proxymap",
            "proxywrite unix - - n - 1 proxymap",
            "smtp unix - - n - - smtp",
            "relay unix - - n - - smtp",
            "showq unix n - n - - showq",
            "error unix - - n - - error",
            "retry unix - - n - - error",
            "discard unix - - n - - discard",
            "local unix - n n - - local",
            "virtual unix - n n - - virtual",
            "lmtp unix - - n - - lmtp",
            "anvil unix - - n - 1 anvil",
            "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd",
        ] {
            master.push_str(line);
            master.push('\n');
        }
        fs::write(pf.join("etc/master.cf"), master).map_err(|e| e.to_string())?;
        chown_r(&pf.join("data"), "postfix")?;
        let etc = pf.join("etc");
        // `postfix check` reports fatal errors only to syslog unless stderr is a tty: run
        // it under `script` so a broken config shows why.
        let check = format!("postfix -c '{}' check", etc.display());
        run(
            Command::new("script")
                .args(["-qec", &check, "/dev/null"])
                .stdin(Stdio::null()),
            "postfix check",
        )
        .or_else(|_| {
            run(
                Command::new("postfix").arg("-c").arg(&etc).arg("check"),
                "postfix check",
            )
        })?;
        let out = fs::File::create(pf.join("stdout")).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut child = Command::new("postfix")
            .arg("-c")
            .arg(&etc)
            .arg("start-fg")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start postfix: {e}"))?;
        let log = pf.join("maillog");
        let r = [p.submission, p.smtps, p.smtp_plain]
            .into_iter()
            .try_for_each(|port| {
                wait_port(port, &mut child, "postfix", &log, Duration::from_secs(30))
            });
        self.postfix = Some(child);
        r
    }

    /// A user's Maildir folder (`INBOX` or a folder name such as `Sent`).
    pub fn maildir(&self, user: &str, folder: &str) -> PathBuf {
        let base = self.dir().join("dovecot/mail").join(user).join("Maildir");
        if folder.eq_ignore_ascii_case("INBOX") {
            base
        } else {
            base.join(format!(".{folder}"))
        }
    }

    /// Number of messages in a user's folder, counted on disk.
    pub fn count_messages(&self, user: &str, folder: &str) -> usize {
        let d = self.maildir(user, folder);
        ["cur", "new"]
            .iter()
            .map(|s| fs::read_dir(d.join(s)).map(|r| r.count()).unwrap_or(0))
            .sum()
    }

    /// The messages of a user's folder, read on disk.
    pub fn read_messages(&self, user: &str, folder: &str) -> Vec<Vec<u8>> {
        let d = self.maildir(user, folder);
        let mut out = Vec::new();
        for s in ["cur", "new"] {
            if let Ok(rd) = fs::read_dir(d.join(s)) {
                for e in rd.flatten() {
                    if let Ok(b) = fs::read(e.path()) {
                        out.push(b);
                    }
                }
            }
        }
        out
    }

    /// Writes `n` messages of about `size` bytes into a user's INBOX directly as
    /// Maildir files (fast; Dovecot indexes them on next access). Subjects are
    /// `"{prefix} {i}"`, `i` from `first`.
    pub fn generate_messages(
        &self,
        user: &str,
        prefix: &str,
        first: usize,
        n: usize,
        size: usize,
    ) -> Result<(), String> {
        let cur = self.maildir(user, "INBOX").join("cur");
        fs::create_dir_all(&cur).map_err(|e| e.to_string())?;
        let filler =
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let pid = std::process::id();
        for i in first..first + n {
            let mut m = format!(
                "From: Sender {i} <sender{i}@example.org>\r\nTo: {user}@localhost\r\nSubject: {prefix} {i}\r\nMessage-ID: <gen-{i}-{stamp}@localhost>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n"
            );
            while m.len() + filler.len() < size {
                m.push_str(filler);
            }
            let name = format!("{stamp}.M{i}P{pid}.localhost,S={}:2,", m.len());
            let mut f = fs::File::create(cur.join(name)).map_err(|e| e.to_string())?;
            f.write_all(m.as_bytes()).map_err(|e| e.to_string())?;
        }
        chown_r(
            &self.dir().join("dovecot/mail").join(user),
            "nobody:nogroup",
        )
    }

    /// Settings for a user's account on this stack, trusting the throwaway CA.
    pub fn settings(&self, user: &str, imap: &str, smtp: &str) -> Settings {
        let password = USERS
            .iter()
            .find(|(u, _)| *u == user)
            .map(|(_, p)| *p)
            .unwrap_or("unknown-user");
        let p = self.ports;
        let imap_port = if imap == "tls" { p.imaps } else { p.imap };
        let smtp_port = match smtp {
            "tls" => p.smtps,
            "starttls" => p.submission,
            _ => p.smtp_plain,
        };
        let mut s = Settings::new();
        for (k, v) in [
            ("email", format!("{user}@localhost")),
            ("user", user.to_string()),
            ("password", password.to_string()),
            ("imap_host", "localhost".into()),
            ("smtp_host", "localhost".into()),
            ("imap_port", imap_port.to_string()),
            ("smtp_port", smtp_port.to_string()),
            ("imap_security", imap.to_string()),
            ("smtp_security", smtp.to_string()),
            ("ca_file", self.ca_file().display().to_string()),
        ] {
            s.set(k, PropValue::Unicode(v));
        }
        s.mark_secret("password");
        s
    }
}

/// Stops a child started in its own process group: SIGTERM to the group (and to
/// `extra_pid`), wait for exit, SIGKILL after 10 s.
fn stop_child(mut child: Child, extra_pid: Option<i32>) {
    let mut targets = vec![-(child.id() as i32)];
    targets.extend(extra_pid);
    stop_pids(&targets, libc::SIGTERM, Duration::from_secs(10), || {
        let _ = child.try_wait();
    });
    let _ = child.wait();
}

impl MailStack {
    /// Stops Postfix (the SMTP server becomes unreachable).
    pub fn stop_postfix(&mut self) {
        if let Some(c) = self.postfix.take() {
            let master = fs::read_to_string(self.dir().join("postfix/queue/pid/master.pid"))
                .ok()
                .and_then(|s| s.trim().parse().ok());
            stop_child(c, master);
        }
    }
}

impl Drop for MailStack {
    fn drop(&mut self) {
        self.stop_postfix();
        self.stop_dovecot();
    }
}

#[cfg(test)]
mod tests {
    use super::need;

    #[test]
    fn a_missing_server_is_a_clear_failure() {
        let e = need("surely-not-installed-mailserver", "some-package").unwrap_err();
        assert!(
            e.contains("not installed")
                && e.contains("apt-get install")
                && e.contains("some-package"),
            "{e}"
        );
        assert!(need("sh", "dash").is_ok());
    }
}
