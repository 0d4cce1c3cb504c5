//! TCP and TLS connections (rustls with the `ring` provider): system roots plus the
//! configured `ca_file`. Certificate verification is never turned off.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, BufReader, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::config::Server;
use crate::error::{InternetError, Result};

/// Bytes read from the socket at once under TLS: a large read takes many TLS records
/// in one system call (a bulk download otherwise reads record by record).
const SOCKET_READ: usize = 256 * 1024;

/// A connection: plain TCP or TLS over TCP.
pub enum Stream {
    /// No TLS (yet).
    Plain(TcpStream),
    /// TLS, over a read buffer.
    Tls(Box<TlsStream<BufReader<TcpStream>>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The TLS client configuration: the system's roots plus every certificate of `ca_file`.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(native_roots().iter().cloned());
    if let Some(path) = ca_file {
        let bad = |reason: String| InternetError::InvalidSetting {
            key: "ca_file".into(),
            reason,
        };
        let iter = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
        let mut added = 0;
        for cert in iter {
            let cert =
                cert.map_err(|e| bad(format!("{} is not a PEM file: {e}", path.display())))?;
            roots
                .add(cert)
                .map_err(|e| bad(format!("{}: unusable CA certificate: {e}", path.display())))?;
            added += 1;
        }
        if added == 0 {
            return Err(bad(format!("{} holds no PEM certificate", path.display())));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| InternetError::Tls {
            server: "-".into(),
            detail: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Opens a TCP connection within `limit`.
pub async fn connect_tcp(server: &Server, limit: Duration) -> Result<TcpStream> {
    let label = server.label();
    let tcp = match tokio::time::timeout(
        limit,
        TcpStream::connect((server.host.as_str(), server.port)),
    )
    .await
    {
        Err(_) => {
            return Err(InternetError::Timeout {
                server: label,
                step: "connecting".into(),
                secs: limit.as_secs_f64(),
            });
        }
        Ok(Err(e)) => {
            return Err(InternetError::Unreachable {
                server: label,
                detail: e.to_string(),
            });
        }
        Ok(Ok(tcp)) => tcp,
    };
    let _ = tcp.set_nodelay(true);
    Ok(tcp)
}

/// Runs the TLS handshake on a TCP connection, verifying the certificate against
/// `server.host`.
pub async fn upgrade(
    tcp: TcpStream,
    server: &Server,
    config: Arc<ClientConfig>,
    limit: Duration,
) -> Result<Stream> {
    let label = server.label();
    let name =
        ServerName::try_from(server.host.clone()).map_err(|_| InternetError::InvalidSetting {
            key: "host".into(),
            reason: format!("\"{}\" is not a valid TLS server name", server.host),
        })?;
    let connector = TlsConnector::from(config);
    let tcp = BufReader::with_capacity(SOCKET_READ, tcp);
    match tokio::time::timeout(limit, connector.connect(name, tcp)).await {
        Err(_) => Err(InternetError::Timeout {
            server: label,
            step: "TLS handshake".into(),
            secs: limit.as_secs_f64(),
        }),
        Ok(Ok(s)) => Ok(Stream::Tls(Box::new(s))),
        Ok(Err(e)) => Err(classify(label, e)),
    }
}

fn classify(server: String, e: io::Error) -> InternetError {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return match inner {
            rustls::Error::InvalidCertificate(c) => InternetError::Certificate {
                server,
                detail: format!("{c:?}"),
            },
            other => InternetError::Tls {
                server,
                detail: other.to_string(),
            },
        };
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => InternetError::Tls {
            server,
            detail:
                "the server closed the connection during the TLS handshake (is this a TLS port?)"
                    .into(),
        },
        _ => InternetError::Tls {
            server,
            detail: e.to_string(),
        },
    }
}
