//! What Python's `email` package (the standard library's RFC 5322 / MIME parser, run
//! with `python3`) reads from a message: the check that a message we build is standard
//! MIME another implementation parses as we meant it.

use std::io::Write;
use std::process::{Command, Stdio};

const SCRIPT: &str = r#"
import email, email.policy, json, sys
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
# text parts travel with CRLF line ends (RFC 5322); compare them as lines
body = lambda kind: (lambda p: p.get_content().replace("\r\n", "\n") if p else None)(m.get_body((kind,)))
field = lambda name: None if m[name] is None else str(m[name])
# an attached message (message/rfc822) is read as a message: its fields and text
def attachment(a):
    if a.get_content_type() == "message/rfc822":
        inner = a.get_content()
        f = lambda name: None if inner[name] is None else str(inner[name])
        text = inner.get_body(("plain",))
        return [a.get_filename(), a.get_content_type(), {
            "subject": f("subject"), "from": f("from"), "to": f("to"), "cc": f("cc"),
            "text": text.get_content().replace("\r\n", "\n") if text else None}]
    return [a.get_filename(), a.get_content_type(), a.get_payload(decode=True).hex()]
print(json.dumps({
    "subject": field("subject"), "from": field("from"), "sender": field("sender"),
    "to": field("to"), "cc": field("cc"), "bcc": field("bcc"),
    "message_id": field("message-id"), "in_reply_to": field("in-reply-to"),
    "text": body("plain"), "html": body("html"), "defects": len(m.defects),
    "attachments": [attachment(a) for a in m.iter_attachments()],
}))
"#;

/// Python's reading of `raw` as JSON: `subject`, `from`, `sender`, `to`, `cc`, `bcc`,
/// `message_id`, `in_reply_to` (the fields as text, `null` when absent), `text` and
/// `html` (the bodies, line ends as `\n`), `defects` (how many the parser found) and
/// `attachments` (`[file name, content type, bytes in hex]` each; for an attached message,
/// `message/rfc822`, an object with its `subject`, `from`, `to`, `cc` and `text` in
/// place of the bytes). Panics, naming the
/// cause, when `python3` cannot run or fails on the message.
pub fn python_reads(raw: &[u8]) -> serde_json::Value {
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs (apt-get install python3)");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(raw)
        .expect("python3 reads the message");
    let out = child.wait_with_output().expect("python3 ends");
    assert!(out.status.success(), "python3 failed on the message");
    serde_json::from_slice(&out.stdout).expect("python3 printed JSON")
}
