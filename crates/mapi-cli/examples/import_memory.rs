//! Peak memory of `mapi store import` for one large message: prints the importing
//! process's peak resident size and its ratio to the message size. Run by
//! `crates/mapi-cli/bench/import_memory.sh`: `import_memory MAPI_BINARY [MEGABYTES]`.

use std::io::Write;
use std::process::Command;

fn main() {
    let mut args = std::env::args().skip(1);
    let mapi = args
        .next()
        .expect("usage: import_memory MAPI_BINARY [MEGABYTES]");
    let mb: usize = args.next().map_or(100, |a| a.parse().expect("MEGABYTES"));
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path();
    let run = |args: &[&str]| {
        let s = Command::new(&mapi)
            .arg("--home")
            .arg(home)
            .args(args)
            .status()
            .expect("run mapi");
        assert!(s.success(), "mapi {args:?} failed");
    };
    run(&["quickstart"]);
    for (kind, make) in [
        ("text body", text_message as fn(usize) -> Vec<u8>),
        ("attachment", attachment_message),
    ] {
        let path = home.join(format!("{}.eml", kind.replace(' ', "-")));
        let raw = make(mb << 20);
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(&raw))
            .expect("write the message");
        let size = raw.len();
        drop(raw);
        let mut child = Command::new(&mapi)
            .arg("--home")
            .arg(home)
            .args(["store", "import", "--profile", "Default"])
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("run mapi");
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: a zeroed rusage is valid; wait4 fills it for our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(r, pid, "wait4");
        let _ = child.try_wait();
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "import failed"
        );
        let peak = usage.ru_maxrss as f64 * 1024.0; // KiB on Linux
        println!(
            "import of one {:.0} MB message ({kind}): peak RSS {:.0} MB = {:.2}x its size",
            size as f64 / 1e6,
            peak / 1e6,
            peak / size as f64
        );
    }
}

fn text_message(size: usize) -> Vec<u8> {
    let mut m =
        b"From: Big <big@example.org>\r\nTo: a@example.org\r\nSubject: big text\r\n\r\n".to_vec();
    let line = b"all work and no play makes a very long message indeed, line after line\r\n";
    while m.len() < size {
        m.extend_from_slice(line);
    }
    m
}

fn attachment_message(size: usize) -> Vec<u8> {
    let mut m = b"From: Big <big@example.org>\r\nTo: a@example.org\r\nSubject: big attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\n\r\n".to_vec();
    let line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    while m.len() < size {
        m.extend_from_slice(line);
    }
    m.extend_from_slice(b"--b1--\r\n");
    m
}
