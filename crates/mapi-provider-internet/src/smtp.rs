//! SMTP submission on `mail-send` (RFC 5321 ESMTP: AUTH PLAIN / LOGIN, STARTTLS,
//! implicit TLS over our own TLS setup and CA file) and the [`InternetTransport`] built
//! on it. Every reply is bounded in size ([`MAX_REPLY`]) and time; a refused AUTH is
//! followed by QUIT.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use mail_send::Credentials;
use mail_send::SmtpClient;
use mail_send::smtp::message::Parameters;
use mapi_spi::{OutgoingMessage, ProviderResult, Transport};
use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN, EXT_START_TLS, EhloResponse};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::rustls::ClientConfig;

use crate::config::{Account, Security, Server};
use crate::error::{InternetError, Result};
use crate::tls::{self, Stream};

/// Largest reply (all its lines) accepted from the server.
pub const MAX_REPLY: usize = 64 * 1024;

/// A stream that refuses to read more than [`MAX_REPLY`] bytes between two writes (a
/// reply is read only after its command is written), and notes the end of the stream.
pub struct Bounded<S> {
    inner: S,
    since_write: usize,
    closed: bool,
}

impl<S> Bounded<S> {
    /// Wraps a stream.
    pub fn new(inner: S) -> Bounded<S> {
        Bounded {
            inner,
            since_write: 0,
            closed: false,
        }
    }
    /// The wrapped stream.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Bounded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if me.since_write >= MAX_REPLY {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a reply longer than {MAX_REPLY} bytes"),
            )));
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut me.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            let n = buf.filled().len() - before;
            me.since_write += n;
            me.closed |= n == 0;
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Bounded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        me.since_write = 0;
        Pin::new(&mut me.inner).poll_write(cx, data)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

type Client = SmtpClient<Bounded<Stream>>;

/// A logged-on SMTP connection.
pub struct Smtp {
    client: Client,
    server: String,
    limit: Duration,
}

impl Smtp {
    /// Connects, greets, upgrades with STARTTLS when asked, and authenticates (a
    /// refused AUTH ends with QUIT).
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
            client: SmtpClient {
                stream: Bounded::new(stream),
                timeout: limit,
            },
            server: server.label(),
            limit,
        };
        let greet = match tokio::time::timeout(limit, s.client.read()).await {
            Err(_) => return Err(s.timed_out("waiting for its greeting")),
            Ok(r) => r.map_err(|e| s.error(e, "greeting"))?,
        };
        if greet.code != 220 {
            return Err(if greet.code == 421 || greet.code == 554 {
                InternetError::SessionLimit {
                    server: s.server.clone(),
                    detail: reply_text(&greet),
                }
            } else {
                s.protocol(format!("greeting {}", reply_text(&greet)))
            });
        }
        let mut ehlo = s.hello(&helo).await?;
        if server.security == Security::StartTls {
            if !ehlo.has_capability(EXT_START_TLS) {
                return Err(InternetError::Tls {
                    server: s.server.clone(),
                    detail:
                        "the server does not offer STARTTLS; use smtp_security = tls (port 465)"
                            .into(),
                });
            }
            let r = s
                .client
                .cmd(b"STARTTLS\r\n")
                .await
                .map_err(|e| s.error(e, "STARTTLS"))?;
            if r.code != 220 {
                return Err(s.refused("STARTTLS", &r));
            }
            let Stream::Plain(tcp) = s.client.stream.into_inner() else {
                unreachable!("STARTTLS on a plain connection")
            };
            s.client.stream = Bounded::new(tls::upgrade(tcp, server, tls_config, limit).await?);
            ehlo = s.hello(&helo).await?;
        }
        if let Err(e) = s
            .authenticate(&account.user, &account.password, &ehlo)
            .await
        {
            s.quit().await;
            return Err(e);
        }
        Ok(s)
    }

    async fn hello(&mut self, name: &str) -> Result<EhloResponse<String>> {
        let r = self.client.ehlo(name).await;
        r.map_err(|e| self.error(e, "EHLO"))
    }

    async fn authenticate(
        &mut self,
        user: &str,
        password: &str,
        ehlo: &EhloResponse<String>,
    ) -> Result<()> {
        if ehlo.auth_mechanisms & (AUTH_PLAIN | AUTH_LOGIN) == 0 {
            return Err(InternetError::LoginRefused {
                server: self.server.clone(),
                detail: if ehlo.auth_mechanisms == 0 {
                    "it offers no authentication on this connection; try smtp_security = tls or starttls".into()
                } else {
                    "it offers neither AUTH PLAIN nor AUTH LOGIN".into()
                },
            });
        }
        // only the mechanisms we offer (PLAIN, LOGIN): nothing is tried that was not chosen
        let mut offered = ehlo.clone();
        offered.auth_mechanisms &= AUTH_PLAIN | AUTH_LOGIN;
        let credentials = Credentials::new(user, password);
        match self.client.authenticate(&credentials, &offered).await {
            Ok(_) => Ok(()),
            Err(mail_send::Error::AuthenticationFailed(reply)) => Err(match reply.code {
                421 => InternetError::SessionLimit {
                    server: self.server.clone(),
                    detail: reply_text(&reply),
                },
                454 => InternetError::Unreachable {
                    server: self.server.clone(),
                    detail: format!("temporary failure: {}", reply_text(&reply)),
                },
                _ => InternetError::AuthFailed {
                    server: self.server.clone(),
                },
            }),
            Err(e) => Err(self.error(e, "AUTH")),
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
        let none = Parameters::default();
        let r = self.client.mail_from(from, &none).await;
        r.map_err(|e| self.error(e, "MAIL FROM"))?;
        for to in recipients {
            let r = self.client.rcpt_to(to, &none).await;
            r.map_err(|e| self.error(e, &format!("recipient {to}")))?;
        }
        let r = self.client.data(data_payload(raw)).await;
        r.map_err(|e| self.error(e, "the message"))?;
        Ok(())
    }

    /// RSET: checks the connection is still usable.
    pub async fn reset(&mut self) -> Result<()> {
        let r = self.client.rset().await;
        r.map_err(|e| self.error(e, "RSET"))
    }

    /// QUIT (errors ignored), then closes the connection.
    pub async fn quit(&mut self) {
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            let _ = self.client.cmd(b"QUIT\r\n").await;
            let _ = tokio::io::AsyncWriteExt::shutdown(&mut self.client.stream).await;
        })
        .await;
    }

    /// Our error for one of `mail-send`'s, at step `what`.
    fn error(&self, e: mail_send::Error, what: &str) -> InternetError {
        map_error(&self.server, self.limit, self.client.stream.closed, e, what)
    }

    fn refused(&self, what: &str, r: &smtp_proto::Response<String>) -> InternetError {
        refused(&self.server, what, r)
    }

    fn timed_out(&self, step: &str) -> InternetError {
        InternetError::Timeout {
            server: self.server.clone(),
            step: step.into(),
            secs: self.limit.as_secs_f64(),
        }
    }

    fn protocol(&self, detail: String) -> InternetError {
        InternetError::Protocol {
            server: self.server.clone(),
            detail,
        }
    }
}

/// Our error for one of `mail-send`'s, at step `what` (`closed`: the stream ended).
fn map_error(
    server: &str,
    limit: Duration,
    closed: bool,
    e: mail_send::Error,
    what: &str,
) -> InternetError {
    use mail_send::Error as E;
    let protocol = |detail: String| InternetError::Protocol {
        server: server.to_string(),
        detail,
    };
    match e {
        E::Io(e) if e.kind() == io::ErrorKind::InvalidData => protocol(e.to_string()),
        E::Io(e) => InternetError::Unreachable {
            server: server.to_string(),
            detail: e.to_string(),
        },
        E::UnparseableReply if closed => InternetError::Unreachable {
            server: server.to_string(),
            detail: "the server closed the connection".into(),
        },
        E::UnparseableReply => protocol(format!("not an SMTP reply to {what}")),
        E::UnexpectedReply(r) | E::AuthenticationFailed(r) => refused(server, what, &r),
        E::Timeout => InternetError::Timeout {
            server: server.to_string(),
            step: format!("waiting for the reply to {what}"),
            secs: limit.as_secs_f64(),
        },
        E::Tls(e) => InternetError::Tls {
            server: server.to_string(),
            detail: e.to_string(),
        },
        other => protocol(format!("{what}: {other}")),
    }
}

fn refused(server: &str, what: &str, r: &smtp_proto::Response<String>) -> InternetError {
    InternetError::Refused {
        server: server.to_string(),
        command: what.into(),
        text: reply_text(r),
    }
}

/// A byte stream that reads from memory, a line at a time, and accepts every write.
struct Replay<'a>(&'a [u8]);

impl AsyncRead for Replay<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // one line per read, as a server that answers each command in turn
        let me = self.get_mut();
        let line =
            me.0.iter()
                .position(|&b| b == b'\n')
                .map_or(me.0.len(), |i| i + 1);
        let n = line.min(buf.remaining());
        buf.put_slice(&me.0[..n]);
        me.0 = &me.0[n..];
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Replay<'_> {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(b.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Reads `data` as a server's replies to a whole submission (greeting, EHLO, AUTH,
/// MAIL FROM, RCPT TO, DATA, RSET) the way the transport reads them, within
/// [`MAX_REPLY`]; returns the error that stopped it, if any. For fuzzing and for
/// replaying a recorded session.
pub fn replay(data: &[u8]) -> Option<InternetError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .ok()?;
    let limit = Duration::from_secs(5);
    rt.block_on(async {
        let mut c = SmtpClient {
            stream: Bounded::new(Replay(data)),
            timeout: limit,
        };
        let err = |c: &SmtpClient<Bounded<Replay<'_>>>, e, what| {
            map_error("replay", limit, c.stream.closed, e, what)
        };
        if let Err(e) = c.read().await {
            return Some(err(&c, e, "greeting"));
        }
        let ehlo = match c.ehlo("client").await {
            Ok(r) => r,
            Err(e) => return Some(err(&c, e, "EHLO")),
        };
        let mut offered = ehlo;
        offered.auth_mechanisms &= AUTH_PLAIN | AUTH_LOGIN;
        if let Err(e) = c.authenticate(&Credentials::new("u", "p"), &offered).await {
            return Some(err(&c, e, "AUTH"));
        }
        let none = Parameters::default();
        if let Err(e) = c.mail_from("a@example.org", &none).await {
            return Some(err(&c, e, "MAIL FROM"));
        }
        if let Err(e) = c.rcpt_to("b@example.org", &none).await {
            return Some(err(&c, e, "RCPT TO"));
        }
        if let Err(e) = c.data(data_payload(b"Subject: x\r\n\r\nbody\r\n")).await {
            return Some(err(&c, e, "DATA"));
        }
        c.rset().await.err().map(|e| err(&c, e, "RSET"))
    })
}

/// A reply as shown in errors: code and text, control characters escaped.
fn reply_text(r: &smtp_proto::Response<String>) -> String {
    let text: String = r
        .message
        .chars()
        .take(300)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("{} {}", r.code, text.trim())
}

/// The message as `mail-send` writes it after DATA (it doubles a dot after each line
/// break and adds `CRLF.CRLF`): line ends made CRLF, a leading dot doubled here (the
/// one `mail-send` does not see after a line break), the final line break left to it.
pub fn data_payload(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 64);
    if raw.first() == Some(&b'.') {
        out.push(b'.');
    }
    let mut prev = 0u8;
    for &b in raw {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    if out.ends_with(b"\r\n") {
        out.truncate(out.len() - 2);
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
        if let Some(mut c) = self.conn.lock().await.take() {
            c.quit().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replayed_replies() {
        let good = b"220 hi\r\n250-x\r\n250 AUTH PLAIN\r\n235 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n250 reset\r\n";
        assert!(replay(good).is_none(), "{:?}", replay(good));
        let e = replay(b"220 hi\r\n250-x\r\n250 AUTH PLAIN\r\n535 no\r\n").unwrap();
        assert!(matches!(e, InternetError::Refused { .. }), "{e}");
        let e = replay(b"220 hi\r\n").unwrap();
        assert!(e.to_string().contains("closed"), "{e}");
    }

    #[test]
    fn data_payload_normalises_line_ends_and_a_leading_dot() {
        assert_eq!(data_payload(b"a\n.b\r\n..c\r\n"), b"a\r\n.b\r\n..c");
        assert_eq!(data_payload(b".x\n"), b"..x");
        assert_eq!(data_payload(b"a"), b"a");
    }
}
