use std::borrow::Cow;

use mail_parser::MimeHeaders;

use super::*;
use crate::MessageProps;

fn rcpt(kind: i32, name: &str, email: &str) -> Row {
    let mut r = Row::default();
    r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
    r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
    r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email.into()));
    r
}

fn props() -> Row {
    let mut p = Row::default();
    p.set(PR_SUBJECT, PropValue::Unicode("Grüße".into()));
    p.set(PR_BODY, PropValue::Unicode("plain text\n".into()));
    p.set(
        PR_SENDER_EMAIL_ADDRESS,
        PropValue::Unicode("ann@example.org".into()),
    );
    p
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn display_lists_give_their_mailboxes() {
    assert_eq!(
        display_mailboxes("Bob Builder <bob@example.org>; carol@example.org, Dave"),
        vec![
            (Some("Bob Builder".into()), "bob@example.org".into()),
            (None, "carol@example.org".into()),
        ]
    );
    assert_eq!(
        display_mailboxes("\"Zoë\" <zoe@example.net>"),
        vec![(Some("Zoë".into()), "zoe@example.net".into())]
    );
    assert!(display_mailboxes("").is_empty());
}

#[test]
fn a_composed_message_maps_back_to_its_properties() {
    let mut p = props();
    p.set(PR_HTML, PropValue::Binary(b"<p>html</p>".to_vec()));
    p.set(PR_SENDER_NAME, PropValue::Unicode("Ann".into()));
    p.set(PR_IN_REPLY_TO_ID, PropValue::Unicode("<orig@x>".into()));
    let rcpts = [
        rcpt(MAPI_TO, "Bob", "bob@example.org"),
        rcpt(MAPI_CC, "Carol", "carol@example.org"),
        rcpt(MAPI_BCC, "Dave", "dave@example.org"),
    ];
    let raw = compose(&p, &rcpts, "<made@here>");
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains("dave@example.org"), "no Bcc header: {text}");
    let row = MessageProps::map(&crate::MessageParser::new(), &raw).into_row(None);
    assert_eq!(row.str(PR_SUBJECT), Some("Grüße"));
    assert_eq!(row.str(PR_INTERNET_MESSAGE_ID), Some("<made@here>"));
    assert_eq!(row.str(PR_IN_REPLY_TO_ID), Some("<orig@x>"));
    assert_eq!(row.str(PR_SENDER_EMAIL_ADDRESS), Some("ann@example.org"));
    assert_eq!(row.str(PR_DISPLAY_TO), Some("Bob"));
    assert_eq!(row.str(PR_DISPLAY_CC), Some("Carol"));
    assert!(row.str(PR_BODY).unwrap().starts_with("plain text"));
    assert_eq!(display_lists(&rcpts)[2], "Dave");
}

#[test]
fn bcc_is_written_only_when_kept_and_sender_only_when_it_differs() {
    let mut p = props();
    p.set(
        PR_SENT_REPRESENTING_EMAIL_ADDRESS,
        PropValue::Unicode("boss@example.org".into()),
    );
    let rcpts = [rcpt(MAPI_BCC, "Dave", "dave@example.org")];
    let kept = Composer::new(&p, &rcpts)
        .keep_bcc()
        .build()
        .into_vec()
        .unwrap();
    let kept = String::from_utf8(kept).unwrap();
    assert!(kept.contains("Bcc: \"Dave\" <dave@example.org>"), "{kept}");
    assert!(kept.contains("From: <boss@example.org>"), "{kept}");
    assert!(kept.contains("Sender: <ann@example.org>"), "{kept}");
    let sent = compose(&p, &rcpts, "x@y");
    assert!(!String::from_utf8_lossy(&sent).contains("Bcc:"));
    p.set(
        PR_SENT_REPRESENTING_EMAIL_ADDRESS,
        PropValue::Unicode("ANN@example.org".into()),
    );
    assert!(!String::from_utf8_lossy(&compose(&p, &[], "x@y")).contains("Sender:"));
}

#[test]
fn streamed_and_embedded_attachments_read_back_with_their_bytes() {
    let p = props();
    // Sizes around base64's line (57 bytes) and the read block.
    for n in [
        0,
        1,
        56,
        57,
        58,
        crate::compose_attach::BLOCK - 1,
        crate::compose_attach::BLOCK,
        3 * crate::compose_attach::BLOCK + 5,
    ] {
        let big = data(n);
        let small = data(300);
        let embedded = compose(&props(), &[], "inner@here");
        let c = Composer::new(&p, &[])
            .attach(Attachment {
                file_name: Some("big.bin".into()),
                mime_tag: None,
                content_id: Some("cid1@here".into()),
                body: AttachBody::Stream {
                    len: n as u64,
                    reader: Box::new(&big[..]),
                },
            })
            .attach(Attachment {
                file_name: None,
                mime_tag: Some("image/png".into()),
                content_id: None,
                body: AttachBody::Bytes(Cow::Borrowed(&small)),
            })
            .attach(Attachment {
                file_name: Some("inner.eml".into()),
                mime_tag: None,
                content_id: None,
                body: AttachBody::Message(Cow::Borrowed(&embedded)),
            })
            .build();
        let len = c.len();
        let raw = c.into_vec().unwrap();
        assert_eq!(
            raw.len() as u64,
            len,
            "the size is known before writing ({n})"
        );
        let msg = crate::MessageParser::new().parse(&raw[..]).unwrap();
        let atts: Vec<_> = msg.attachments().collect();
        assert_eq!(atts.len(), 3, "{n}");
        assert_eq!(atts[0].contents(), &big[..], "{n}");
        assert_eq!(atts[0].attachment_name(), Some("big.bin"));
        assert_eq!(atts[0].content_id(), Some("cid1@here"));
        assert_eq!(atts[1].contents(), &small[..]);
        assert_eq!(atts[1].attachment_name(), Some("attachment-2"));
        let inner = atts[2].message().expect("message/rfc822");
        assert_eq!(inner.subject(), Some("Grüße"));
    }
}

#[test]
fn a_reader_giving_another_length_is_an_error() {
    let p = props();
    let bytes = data(100);
    for (len, kind) in [(101, "fewer"), (99, "more")] {
        let c = Composer::new(&p, &[])
            .attach(Attachment {
                file_name: None,
                mime_tag: None,
                content_id: None,
                body: AttachBody::Stream {
                    len,
                    reader: Box::new(&bytes[..]),
                },
            })
            .build();
        let err = c.into_vec().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(err.to_string().contains(kind), "{err}");
    }
}
