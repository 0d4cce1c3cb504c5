//! The account settings, read and checked from the service's [`Settings`].

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use mapi_spi::Settings;

use crate::error::{InternetError, Result};

/// Settings every account needs.
pub const REQUIRED: &[&str] = &["email", "user", "password", "imap_host", "smtp_host"];

/// How a connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain connection upgraded with STARTTLS before logging on.
    StartTls,
    /// No TLS at all (loopback or trusted networks only).
    None,
}

impl Security {
    fn parse(key: &str, value: Option<&str>) -> Result<Security> {
        match value.map(str::to_ascii_lowercase).as_deref() {
            None | Some("tls") | Some("ssl") => Ok(Security::Tls),
            Some("starttls") => Ok(Security::StartTls),
            Some("none") | Some("plain") => Ok(Security::None),
            Some(other) => Err(InternetError::InvalidSetting {
                key: key.into(),
                reason: format!("\"{other}\" is not one of tls, starttls, none"),
            }),
        }
    }
}

/// One server: host, port, security.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Connection protection.
    pub security: Security,
}

impl Server {
    /// `host:port`, for messages.
    pub fn label(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// An internet-mail account, as configured.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// The account's address (envelope sender, identity).
    pub email: String,
    /// Logon name on both servers.
    pub user: String,
    /// Password on both servers. Never printed.
    pub password: String,
    /// The IMAP server.
    pub imap: Server,
    /// The SMTP (submission) server.
    pub smtp: Server,
    /// Extra trusted CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// The name shown for the store and identity.
    pub display_name: Option<String>,
    /// How long one IDLE of the change watcher lasts before it is re-issued
    /// (`imap_idle_seconds`, default 25 minutes, at most 28: RFC 2177 asks for less
    /// than 29).
    pub idle_refresh: Duration,
    /// How often the change watcher polls (the folders' STATUS, or NOOP on a server
    /// without IDLE) where the server has no NOTIFY (`imap_poll_seconds`, default 60 s);
    /// with NOTIFY the poll runs once per IDLE refresh.
    pub poll_interval: Duration,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("email", &self.email)
            .field("user", &self.user)
            .field("password", &"***")
            .field("imap", &self.imap)
            .field("smtp", &self.smtp)
            .field("ca_file", &self.ca_file)
            .field("display_name", &self.display_name)
            .field("idle_refresh", &self.idle_refresh)
            .field("poll_interval", &self.poll_interval)
            .finish()
    }
}

impl Account {
    /// Reads and checks the settings: missing required keys give
    /// [`InternetError::Unconfigured`], bad values [`InternetError::InvalidSetting`].
    pub fn from_settings(s: &Settings) -> Result<Account> {
        let missing = s.missing(REQUIRED);
        if !missing.is_empty() {
            return Err(InternetError::Unconfigured(missing));
        }
        let text = |k: &str| s.str(k).unwrap_or_default().to_string();
        let imap_security = Security::parse("imap_security", s.str("imap_security"))?;
        let smtp_security = Security::parse("smtp_security", s.str("smtp_security"))?;
        let imap_port = port(
            s,
            "imap_port",
            match imap_security {
                Security::Tls => 993,
                Security::StartTls | Security::None => 143,
            },
        )?;
        let smtp_port = port(
            s,
            "smtp_port",
            match smtp_security {
                Security::Tls => 465,
                Security::StartTls => 587,
                Security::None => 25,
            },
        )?;
        let ca_file = s.str("ca_file").map(PathBuf::from);
        if let Some(p) = &ca_file
            && !p.is_file()
        {
            return Err(InternetError::InvalidSetting {
                key: "ca_file".into(),
                reason: format!("{} is not a readable file", p.display()),
            });
        }
        for key in ["user", "imap_host", "smtp_host", "email"] {
            if s.str(key).is_some_and(|v| v.contains(['\r', '\n', '\0'])) {
                return Err(InternetError::InvalidSetting {
                    key: key.into(),
                    reason: "contains a line break or NUL".into(),
                });
            }
        }
        Ok(Account {
            email: text("email"),
            user: text("user"),
            password: text("password"),
            imap: Server {
                host: text("imap_host"),
                port: imap_port,
                security: imap_security,
            },
            smtp: Server {
                host: text("smtp_host"),
                port: smtp_port,
                security: smtp_security,
            },
            ca_file,
            display_name: s.str("display_name").map(str::to_string),
            idle_refresh: seconds(s, "imap_idle_seconds", 25 * 60, 28 * 60)?,
            poll_interval: seconds(s, "imap_poll_seconds", 60, 24 * 3600)?,
        })
    }
}

/// A whole number of seconds, 1..=`max`, or `default` when unset.
fn seconds(s: &Settings, key: &str, default: u64, max: u64) -> Result<Duration> {
    if s.get(key).is_none() || s.str(key).is_some_and(str::is_empty) {
        return Ok(Duration::from_secs(default));
    }
    match s.int(key) {
        Some(n) if n >= 1 && n as u64 <= max => Ok(Duration::from_secs(n as u64)),
        _ => Err(InternetError::InvalidSetting {
            key: key.into(),
            reason: format!("not a number of seconds (1-{max})"),
        }),
    }
}

fn port(s: &Settings, key: &str, default: u16) -> Result<u16> {
    if s.get(key).is_none()
        || s.get(key)
            .and_then(|v| v.as_str())
            .is_some_and(str::is_empty)
    {
        return Ok(default);
    }
    match s.int(key) {
        Some(p) if (1..=65535).contains(&p) => Ok(p as u16),
        _ => Err(InternetError::InvalidSetting {
            key: key.into(),
            reason: "not a port number (1-65535)".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::PropValue;

    fn base() -> Settings {
        let mut s = Settings::new();
        for (k, v) in [
            ("email", "a@x"),
            ("user", "a"),
            ("password", "pw-secret"),
            ("imap_host", "imap.x"),
            ("smtp_host", "smtp.x"),
        ] {
            s.set(k, PropValue::Unicode(v.into()));
        }
        s
    }

    #[test]
    fn defaults_follow_security() {
        let a = Account::from_settings(&base()).unwrap();
        assert_eq!((a.imap.port, a.imap.security), (993, Security::Tls));
        assert_eq!((a.smtp.port, a.smtp.security), (465, Security::Tls));
        let mut s = base();
        s.set("imap_security", PropValue::Unicode("starttls".into()));
        s.set("smtp_security", PropValue::Unicode("starttls".into()));
        let a = Account::from_settings(&s).unwrap();
        assert_eq!((a.imap.port, a.smtp.port), (143, 587));
        s.set("imap_security", PropValue::Unicode("none".into()));
        s.set("smtp_security", PropValue::Unicode("none".into()));
        s.set("imap_port", PropValue::Long(1143));
        let a = Account::from_settings(&s).unwrap();
        assert_eq!((a.imap.port, a.smtp.port), (1143, 25));
        assert!(!format!("{a:?}").contains("pw-secret"));
    }

    #[test]
    fn watcher_intervals_default_and_are_bounded() {
        let a = Account::from_settings(&base()).unwrap();
        assert_eq!(a.idle_refresh, Duration::from_secs(25 * 60));
        assert_eq!(a.poll_interval, Duration::from_secs(60));
        let mut s = base();
        s.set("imap_idle_seconds", PropValue::Unicode("3".into()));
        s.set("imap_poll_seconds", PropValue::Long(2));
        let a = Account::from_settings(&s).unwrap();
        assert_eq!(
            (a.idle_refresh, a.poll_interval),
            (Duration::from_secs(3), Duration::from_secs(2))
        );
        for (key, bad) in [
            ("imap_idle_seconds", "1740"),
            ("imap_idle_seconds", "0"),
            ("imap_poll_seconds", "soon"),
        ] {
            let mut s = base();
            s.set(key, PropValue::Unicode(bad.into()));
            match Account::from_settings(&s) {
                Err(InternetError::InvalidSetting { key: k, .. }) => assert_eq!(k, key),
                other => panic!("{key}={bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn missing_and_invalid() {
        let mut s = Settings::new();
        s.set("email", PropValue::Unicode("a@x".into()));
        match Account::from_settings(&s) {
            Err(InternetError::Unconfigured(m)) => {
                assert_eq!(m, ["user", "password", "imap_host", "smtp_host"])
            }
            other => panic!("{other:?}"),
        }
        let mut s = base();
        s.set("imap_security", PropValue::Unicode("maybe".into()));
        assert!(
            matches!(Account::from_settings(&s), Err(InternetError::InvalidSetting { key, .. }) if key == "imap_security")
        );
        let mut s = base();
        s.set("smtp_port", PropValue::Unicode("70000".into()));
        assert!(
            matches!(Account::from_settings(&s), Err(InternetError::InvalidSetting { key, .. }) if key == "smtp_port")
        );
        let mut s = base();
        s.set("ca_file", PropValue::Unicode("/nonexistent/ca.pem".into()));
        assert!(
            matches!(Account::from_settings(&s), Err(InternetError::InvalidSetting { key, .. }) if key == "ca_file")
        );
    }
}
