//! A small SMTP submission client (RFC 5321, ESMTP with STARTTLS and AUTH PLAIN /
//! LOGIN) and the [`InternetTransport`] built on it.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mapi_spi::{OutgoingMessage, ProviderResult, Transport};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_rustls::rustls::ClientConfig;

use crate::config::{Account, Security, Server};
use crate::error::{InternetError, Result};
use crate::tls::{self, Stream};

const MAX_LINE: usize = 64 * 1024;

/// One SMTP reply: code and text lines.
#[derive(Debug)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" / "))
    }
}

/// A logged-on SMTP connection.
pub struct Smtp {
    io: BufReader<Stream>,
    server: String,
    limit: Duration,
    ehlo: Vec<String>,
}

impl Smtp {
    /// Connects, greets, upgrades with STARTTLS when asked, and authenticates.
    pub async fn connect(
        account: &Account,
        tls_config: Arc<ClientConfig>,
        limit: Duration,
    ) -> Result<Smtp> {
        let server: &Server = &account.smtp;
        let tcp = tls::connect_tcp(server, limit).await?;
        let local = tcp.local_addr().ok();
        let stream = match server.security {
            Security::Tls => tls::upgrade(tcp, server, tls_config.clone(), limit).await?,
            _ => Stream::Plain(tcp),
        };
        let helo = match local {
            Some(std::net::SocketAddr::V4(a)) => format!("[{}]", a.ip()),
            Some(std::net::SocketAddr::V6(a)) => format!("[IPv6:{}]", a.ip()),
            None => "localhost".into(),
        };
        let mut s = Smtp {
            io: BufReader::new(stream),
            server: server.label(),
            limit,
            ehlo: Vec::new(),
        };
        let greet = s.reply().await?;
        if greet.code != 220 {
            return Err(if greet.code == 421 || greet.code == 554 {
                InternetError::SessionLimit {
                    server: s.server.clone(),
                    detail: greet.text(),
                }
            } else {
                s.protocol(format!("greeting {}", greet.text()))
            });
        }
        s.hello(&helo).await?;
        if server.security == Security::StartTls {
            if !s.offers("STARTTLS") {
                return Err(InternetError::Tls {
                    server: s.server.clone(),
                    detail:
                        "the server does not offer STARTTLS; use smtp_security = tls (port 465)"
                            .into(),
                });
            }
            s.expect("STARTTLS", 220, "STARTTLS").await?;
            if !s.io.buffer().is_empty() {
                return Err(s.protocol("data after STARTTLS reply (possible injection)".into()));
            }
            let Stream::Plain(tcp) = s.io.into_inner() else {
                unreachable!("STARTTLS on a plain connection")
            };
            s.io = BufReader::new(tls::upgrade(tcp, server, tls_config, limit).await?);
            s.hello(&helo).await?;
        }
        s.authenticate(&account.user, &account.password).await?;
        Ok(s)
    }

    fn offers(&self, ext: &str) -> bool {
        self.ehlo.iter().any(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case(ext))
        })
    }

    fn auth_mechs(&self) -> Vec<String> {
        self.ehlo
            .iter()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                w.next().filter(|k| k.eq_ignore_ascii_case("AUTH"))?;
                Some(w.map(str::to_ascii_uppercase).collect::<Vec<_>>())
            })
            .flatten()
            .collect()
    }

    async fn hello(&mut self, name: &str) -> Result<()> {
        let r = self.expect(&format!("EHLO {name}"), 250, "EHLO").await?;
        self.ehlo = r.lines.into_iter().skip(1).collect();
        Ok(())
    }

    async fn authenticate(&mut self, user: &str, password: &str) -> Result<()> {
        let mechs = self.auth_mechs();
        let reply = if mechs.iter().any(|m| m == "PLAIN") {
            let token = base64(format!("\0{user}\0{password}").as_bytes());
            self.command(&format!("AUTH PLAIN {token}")).await?
        } else if mechs.iter().any(|m| m == "LOGIN") {
            let r = self.command("AUTH LOGIN").await?;
            if r.code != 334 {
                r
            } else {
                let r = self.command(&base64(user.as_bytes())).await?;
                if r.code != 334 {
                    r
                } else {
                    self.command(&base64(password.as_bytes())).await?
                }
            }
        } else {
            return Err(InternetError::LoginRefused {
                server: self.server.clone(),
                detail: if mechs.is_empty() {
                    "it offers no authentication on this connection; try smtp_security = tls or starttls".into()
                } else {
                    format!("no supported mechanism among {}", mechs.join(" "))
                },
            });
        };
        match reply.code {
            235 => Ok(()),
            421 => Err(InternetError::SessionLimit {
                server: self.server.clone(),
                detail: reply.text(),
            }),
            454 => Err(InternetError::Unreachable {
                server: self.server.clone(),
                detail: format!("temporary failure: {}", reply.text()),
            }),
            _ => Err(InternetError::AuthFailed {
                server: self.server.clone(),
            }),
        }
    }

    /// Sends one message: MAIL FROM, RCPT TO each, DATA.
    pub async fn send(&mut self, from: &str, recipients: &[String], raw: &[u8]) -> Result<()> {
        if recipients.is_empty() {
            return Err(InternetError::NoRecipients);
        }
        for addr in std::iter::once(from).chain(recipients.iter().map(String::as_str)) {
            if addr.contains(['\r', '\n', '<', '>']) {
                return Err(InternetError::InvalidSetting {
                    key: "recipient".into(),
                    reason: format!("bad address {addr:?}"),
                });
            }
        }
        self.expect(&format!("MAIL FROM:<{from}>"), 250, "MAIL FROM")
            .await?;
        for r in recipients {
            self.expect(&format!("RCPT TO:<{r}>"), 250, &format!("recipient {r}"))
                .await?;
        }
        self.expect("DATA", 354, "DATA").await?;
        let data = dot_stuff(raw);
        self.write(&data).await?;
        let r = self.reply().await?;
        if r.code != 250 {
            return Err(InternetError::Refused {
                server: self.server.clone(),
                command: "the message".into(),
                text: r.text(),
            });
        }
        Ok(())
    }

    /// RSET: checks the connection is still usable.
    pub async fn reset(&mut self) -> Result<()> {
        self.expect("RSET", 250, "RSET").await.map(|_| ())
    }

    /// QUIT (errors ignored).
    pub async fn quit(mut self) {
        let _ = tokio::time::timeout(Duration::from_millis(500), self.command("QUIT")).await;
        let _ = self.io.get_mut().shutdown().await;
    }

    async fn expect(&mut self, line: &str, code: u16, what: &str) -> Result<Reply> {
        let r = self.command(line).await?;
        if r.code != code {
            return Err(InternetError::Refused {
                server: self.server.clone(),
                command: what.into(),
                text: r.text(),
            });
        }
        Ok(r)
    }

    async fn command(&mut self, line: &str) -> Result<Reply> {
        // The verb only: AUTH lines and their continuations carry credentials.
        let verb = line.split(' ').next().unwrap_or("");
        let shown = if verb.len() <= 8 && verb.chars().all(|c| c.is_ascii_uppercase()) {
            verb
        } else {
            "(continuation)"
        };
        log::trace!("smtp {} > {shown}", self.server);
        self.write(format!("{line}\r\n").as_bytes()).await?;
        self.reply().await
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let limit = self.limit;
        let io = self.io.get_mut();
        match tokio::time::timeout(limit, async {
            io.write_all(bytes).await?;
            io.flush().await
        })
        .await
        {
            Err(_) => Err(InternetError::Timeout {
                server: self.server.clone(),
                step: "sending".into(),
                secs: limit.as_secs_f64(),
            }),
            Ok(Err(e)) => Err(InternetError::Unreachable {
                server: self.server.clone(),
                detail: e.to_string(),
            }),
            Ok(Ok(())) => Ok(()),
        }
    }

    async fn reply(&mut self) -> Result<Reply> {
        let limit = self.limit;
        let server = self.server.clone();
        let io = &mut self.io;
        let read = async {
            let mut lines = Vec::new();
            loop {
                let mut line = Vec::new();
                let n = io.read_until(b'\n', &mut line).await.map_err(|e| {
                    InternetError::Unreachable {
                        server: server.clone(),
                        detail: e.to_string(),
                    }
                })?;
                if n == 0 {
                    return Err(InternetError::Unreachable {
                        server: server.clone(),
                        detail: "the server closed the connection".into(),
                    });
                }
                if line.len() > MAX_LINE {
                    return Err(InternetError::Protocol {
                        server: server.clone(),
                        detail: "reply line too long".into(),
                    });
                }
                let text = String::from_utf8_lossy(&line).trim_end().to_string();
                let code: u16 = text.get(..3).and_then(|c| c.parse().ok()).ok_or_else(|| {
                    InternetError::Protocol {
                        server: server.clone(),
                        detail: format!("not an SMTP reply: {text:?}"),
                    }
                })?;
                let more = text.as_bytes().get(3) == Some(&b'-');
                lines.push(text.get(4..).unwrap_or("").to_string());
                if !more {
                    return Ok(Reply { code, lines });
                }
            }
        };
        match tokio::time::timeout(limit, read).await {
            Err(_) => Err(InternetError::Timeout {
                server: self.server.clone(),
                step: "waiting for a reply".into(),
                secs: limit.as_secs_f64(),
            }),
            Ok(r) => r,
        }
    }

    fn protocol(&self, detail: String) -> InternetError {
        InternetError::Protocol {
            server: self.server.clone(),
            detail,
        }
    }
}

/// The DATA payload: CRLF line ends, leading dots doubled, ending `CRLF.CRLF`.
pub fn dot_stuff(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 64);
    let mut at_line_start = true;
    let mut prev = 0u8;
    for &b in raw {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
        prev = b;
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A logged-on SMTP transport. One connection, kept open and reopened when the
/// server dropped it.
pub struct InternetTransport {
    account: Account,
    tls: Arc<ClientConfig>,
    limit: Duration,
    conn: tokio::sync::Mutex<Option<Smtp>>,
}

impl InternetTransport {
    /// Logs on to the SMTP server (connect, TLS, AUTH).
    pub(crate) async fn logon(
        account: Account,
        tls: Arc<ClientConfig>,
        limit: Duration,
    ) -> Result<InternetTransport> {
        let smtp = Smtp::connect(&account, tls.clone(), limit).await?;
        Ok(InternetTransport {
            account,
            tls,
            limit,
            conn: tokio::sync::Mutex::new(Some(smtp)),
        })
    }

    /// A transport whose server could not be reached at logon: it connects when a
    /// message is submitted.
    pub(crate) fn offline(
        account: Account,
        tls: Arc<ClientConfig>,
        limit: Duration,
    ) -> InternetTransport {
        InternetTransport {
            account,
            tls,
            limit,
            conn: tokio::sync::Mutex::new(None),
        }
    }
}

#[async_trait]
impl Transport for InternetTransport {
    fn address_types(&self) -> Vec<String> {
        vec!["SMTP".into()]
    }

    async fn submit(&self, message: &OutgoingMessage) -> ProviderResult<()> {
        let from = message
            .from
            .clone()
            .unwrap_or_else(|| self.account.email.clone());
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_mut()
            && c.reset().await.is_err()
        {
            *guard = None;
        }
        if guard.is_none() {
            *guard = Some(Smtp::connect(&self.account, self.tls.clone(), self.limit).await?);
        }
        let r = guard
            .as_mut()
            .expect("connected")
            .send(&from, &message.recipients, &message.raw)
            .await;
        if let Err(e) = &r
            && e.is_unreachable()
        {
            *guard = None;
        }
        Ok(r?)
    }

    async fn logoff(&self) {
        if let Some(c) = self.conn.lock().await.take() {
            c.quit().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_dot_stuffing() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"\0u\0p"), "AHUAcA==");
        assert_eq!(dot_stuff(b"a\n.b\r\n..c"), b"a\r\n..b\r\n...c\r\n.\r\n");
        assert_eq!(dot_stuff(b".\r\n"), b"..\r\n.\r\n");
    }
}
