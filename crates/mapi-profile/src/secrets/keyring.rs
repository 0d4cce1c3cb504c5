//! The OS keyring backend: `secret-tool` (libsecret), used only when it is on `PATH`
//! and a D-Bus session bus is set. Values are stored hex-encoded under the attributes
//! `application=mapi`, `mapi-secret=<id>`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::error::{ProfileError, Result};

/// Where secrets go when a profile has no password: an OS keyring or similar. `id` is a
/// random hex name the profile store keeps in place of the value.
pub trait SecretBackend: Send + Sync {
    /// A short name for messages (`secret-tool`).
    fn name(&self) -> &str;
    /// Stores (or replaces) the secret `id`.
    fn store(&self, id: &str, secret: &[u8]) -> Result<()>;
    /// Reads the secret `id`; `None` when the backend does not have it.
    fn lookup(&self, id: &str) -> Result<Option<Vec<u8>>>;
    /// Removes the secret `id` (absent is not an error).
    fn delete(&self, id: &str) -> Result<()>;
}

/// The libsecret keyring through the `secret-tool` program.
#[derive(Debug)]
pub struct SecretTool {
    program: PathBuf,
}

impl SecretTool {
    /// The backend, when `secret-tool` is on `PATH` and `DBUS_SESSION_BUS_ADDRESS` is set.
    pub fn detect() -> Option<SecretTool> {
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").filter(|v| !v.is_empty())?;
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|d| d.join("secret-tool"))
            .find(|p| p.is_file())
            .map(|program| SecretTool { program })
    }

    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<std::process::Output> {
        let fail = |what: String| ProfileError::SecretBackend(format!("secret-tool: {what}"));
        let mut child = Command::new(&self.program)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("cannot run it: {e}")))?;
        if let Some(input) = stdin
            && let Some(mut pipe) = child.stdin.take()
        {
            pipe.write_all(input)
                .map_err(|e| fail(format!("cannot pass the secret: {e}")))?;
        }
        child
            .wait_with_output()
            .map_err(|e| fail(format!("it did not finish: {e}")))
    }
}

const ATTR_APP: [&str; 2] = ["application", "mapi"];
const ATTR_ID: &str = "mapi-secret";

impl SecretBackend for SecretTool {
    fn name(&self) -> &str {
        "secret-tool"
    }

    fn store(&self, id: &str, secret: &[u8]) -> Result<()> {
        let hex = hex(secret);
        let out = self.run(
            &[
                "store",
                "--label=MAPI profile secret",
                ATTR_APP[0],
                ATTR_APP[1],
                ATTR_ID,
                id,
            ],
            Some(hex.as_bytes()),
        )?;
        if !out.status.success() {
            return Err(ProfileError::SecretBackend(format!(
                "secret-tool store failed ({}); is the keyring unlocked?",
                out.status
            )));
        }
        Ok(())
    }

    fn lookup(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let out = self.run(&["lookup", ATTR_APP[0], ATTR_APP[1], ATTR_ID, id], None)?;
        if !out.status.success() || out.stdout.is_empty() {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&out.stdout);
        unhex(text.trim()).map(Some).ok_or_else(|| {
            ProfileError::SecretBackend(format!("the keyring entry {id} is not MAPI's format"))
        })
    }

    fn delete(&self, id: &str) -> Result<()> {
        self.run(&["clear", ATTR_APP[0], ATTR_APP[1], ATTR_ID, id], None)?;
        Ok(())
    }
}

/// Lower-case hex of `b`.
pub(crate) fn hex(b: &[u8]) -> String {
    mapi_types::hex::encode(b)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    mapi_types::hex::decode(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(hex(&[0, 0xAB, 0x10]), "00ab10");
        assert_eq!(unhex("00ab10").unwrap(), [0, 0xAB, 0x10]);
        assert!(unhex("0").is_none() && unhex("zz").is_none());
    }
}
