//! A throwaway CA and a server certificate it signs, made with `openssl`, for the
//! test servers' TLS.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::process::run;

/// Makes a throwaway CA (`ca.pem`) in `dir` and a server certificate it signs
/// (`cert.pem`, key `key.pem`): subjectAltName `DNS:localhost,IP:127.0.0.1`,
/// `CA:FALSE`, `serverAuth`.
pub fn make_test_ca(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let openssl = |args: &[&str]| {
        run(
            Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .stdin(Stdio::null()),
            &format!(
                "openssl {} (needs Debian's `openssl` package)",
                args.first().unwrap_or(&"")
            ),
        )
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=Throwaway Test CA",
    ])?;
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=localhost",
    ])?;
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| format!("leaf.ext: {e}"))?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "30",
        "-extfile",
        "leaf.ext",
    ])
}
