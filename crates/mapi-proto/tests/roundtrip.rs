//! Every message variant round-trips, and every truncation of every encoding is refused.

mod common;

use std::collections::BTreeSet;

use common::*;
use mapi_proto::*;
use mapi_types::{MapiStatus, Status};

#[test]
fn every_variant_round_trips() {
    for msg in messages() {
        let bytes = msg.try_encode().expect("samples are within limits");
        assert_eq!(bytes, msg.encode());
        let back = Message::decode(&bytes).unwrap_or_else(|e| panic!("{msg:?}: {e}"));
        assert_eq!(back, msg);
    }
}

#[test]
fn the_samples_cover_every_variant() {
    let reqs: BTreeSet<_> = request_bodies().iter().map(RequestBody::name).collect();
    assert_eq!(reqs.len(), 29, "{reqs:?}");
    let resps: BTreeSet<_> = response_bodies().iter().map(ResponseBody::name).collect();
    assert_eq!(resps.len(), 19, "{resps:?}");
    let ops: BTreeSet<_> = folder_ops().iter().map(FolderOp::name).collect();
    assert_eq!(ops.len(), 8, "{ops:?}");
    let ab: BTreeSet<_> = ab_ops().iter().map(AbOp::name).collect();
    assert_eq!(ab.len(), 4, "{ab:?}");
    let notes: BTreeSet<_> = notifications().iter().map(Notification::name).collect();
    assert_eq!(notes.len(), 5, "{notes:?}");
    let msgs: BTreeSet<_> = messages().iter().map(Message::name).collect();
    assert_eq!(msgs.len(), 5, "{msgs:?}");
}

#[test]
fn every_truncation_is_refused_without_panic() {
    for msg in messages() {
        let bytes = msg.encode();
        for cut in 0..bytes.len() {
            let err = Message::decode(&bytes[..cut])
                .expect_err(&format!("{} cut at {cut} decoded", msg.name()));
            assert_eq!(err.status(), Status::MAPI_E_CORRUPT_DATA, "{err}");
        }
    }
}

#[test]
fn trailing_bytes_are_refused_after_requests_responses_and_notifications() {
    for msg in messages() {
        if matches!(msg, Message::Hello(_) | Message::Welcome(_)) {
            continue;
        }
        let mut bytes = msg.encode();
        bytes.push(0);
        assert!(
            matches!(
                Message::decode(&bytes),
                Err(ProtoError::TrailingBytes { extra: 1, .. })
            ),
            "{}",
            msg.name()
        );
    }
}

#[test]
fn secrets_never_show_in_debug_output() {
    for msg in messages() {
        let text = format!("{msg:?}");
        for secret in ["s3cret", "\"pw\""] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

#[test]
fn unknown_request_kind_is_no_support_with_the_request_id() {
    let mut bytes = Message::Request(Request {
        id: 77,
        body: RequestBody::Ping,
    })
    .encode();
    bytes[5] = 200; // tag, id (4 bytes), kind
    let err = Message::decode(&bytes).unwrap_err();
    assert_eq!(err, ProtoError::UnknownRequest { id: 77, kind: 200 });
    assert_eq!(err.status(), Status::MAPI_E_NO_SUPPORT);
    let reply = Response::from_proto_error(err.request_id().unwrap(), &err);
    assert_eq!(reply.id, 77);
    assert!(matches!(
        reply.body,
        ResponseBody::Error {
            status: Status::MAPI_E_NO_SUPPORT,
            ..
        }
    ));
}

#[test]
fn unknown_tags_elsewhere_are_corrupt_data() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![9], "message"),
        (vec![4, 1, 0, 0, 0, 99], "response"),
        (vec![5, 99], "notification"),
        ([vec![5, 4], vec![0; 12], vec![99]].concat(), "prompt"),
        (
            [vec![3, 1, 0, 0, 0, 14], vec![0; 8], vec![99]].concat(),
            "UI answer",
        ),
        (
            [vec![3, 1, 0, 0, 0, 14], vec![0; 8], vec![5, 99]].concat(),
            "failure choice",
        ),
    ];
    for (bytes, what_expected) in cases {
        match Message::decode(&bytes) {
            Err(e @ ProtoError::UnknownTag { what, .. }) => {
                assert_eq!(what, what_expected);
                assert_eq!(e.status(), Status::MAPI_E_CORRUPT_DATA);
            }
            other => panic!("{what_expected}: {other:?}"),
        }
    }
}

#[test]
fn over_limit_fields_are_caught_at_encode_and_at_decode() {
    let msg = Message::Request(Request {
        id: 1,
        body: RequestBody::Folders {
            session: 1,
            store: vec![0; MAX_ENTRY_ID_LEN + 1],
        },
    });
    let err = msg.try_encode().unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_TOO_BIG);
    assert!(matches!(
        err,
        ProtoError::TooLong {
            what: "Folders.store",
            ..
        }
    ));
    assert!(msg.to_frame().is_err());
    // Encoded anyway, the peer refuses it with the same error.
    assert_eq!(Message::decode(&msg.encode()).unwrap_err(), err);
}

#[test]
fn a_message_too_big_for_one_frame_is_refused_by_to_frame() {
    let msg = Message::Response(Response {
        id: 1,
        body: ResponseBody::Bytes(vec![0; MAX_FRAME_LEN as usize]),
    });
    let err = msg.to_frame().unwrap_err();
    assert!(matches!(err, ProtoError::FrameTooBig { .. }), "{err}");
}

#[test]
fn to_frame_and_the_decoder_agree() {
    let mut d = FrameDecoder::new();
    for msg in messages() {
        d.push(&msg.to_frame().unwrap());
    }
    for msg in messages() {
        let body = d.next_frame().unwrap().expect("a whole frame is buffered");
        assert_eq!(Message::decode(&body).unwrap(), msg);
    }
    assert_eq!(d.next_frame().unwrap(), None);
    d.finish().unwrap();
}

#[test]
fn an_import_message_over_the_chunk_bound_is_too_big_and_a_full_chunk_frames() {
    let import = |len: usize| {
        Message::Request(Request {
            id: 3,
            body: RequestBody::Import {
                session: 1,
                store: vec![1; 64],
                folder: vec![2; 64],
                messages: vec![vec![b'x'; len]],
            },
        })
    };
    let err = import(MAX_IMPORT_CHUNK_LEN + 1).to_frame().unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_TOO_BIG, "{err}");
    assert!(
        err.message().contains("Import.message"),
        "{}",
        err.message()
    );
    // A chunk at the bound fits one frame, with room for the ids.
    let frame = import(MAX_IMPORT_CHUNK_LEN)
        .to_frame()
        .expect("fits a frame");
    assert!(frame.len() <= MAX_FRAME_LEN as usize + FRAME_HEADER_LEN);
    const { assert!(MAX_IMPORT_CHUNK_LEN < MAX_IMPORT_BATCH_LEN) };
}

#[test]
fn stream_pieces_over_one_mebibyte_are_refused() {
    for op in [
        ObjectOp::Read {
            stream: 1,
            len: (MAX_STREAM_PIECE + 1) as u32,
        },
        ObjectOp::Write {
            stream: 1,
            data: vec![0; MAX_STREAM_PIECE + 1],
        },
    ] {
        let name = op.name();
        let bytes = Message::Request(Request {
            id: 5,
            body: RequestBody::Object { session: 1, op },
        })
        .encode();
        let err = Message::decode(&bytes).expect_err(name);
        assert_eq!(err.status(), Status::MAPI_E_TOO_BIG, "{name}: {err}");
    }
}

fn folder_request(op: FolderOp) -> Message {
    Message::Request(Request {
        id: 9,
        body: RequestBody::Folder {
            session: 1,
            store: b"MAPISTOR\x01".to_vec(),
            op,
        },
    })
}

#[test]
fn bad_folder_frames_are_refused_with_a_status() {
    // An unknown folder operation: MAPI_E_CORRUPT_DATA naming it.
    let mut bytes = folder_request(FolderOp::GetReceiveFolder {
        message_class: String::new(),
    })
    .encode();
    // tag, id (4), kind, session (8), store (4 + 9), then the operation's tag.
    let at = 1 + 4 + 1 + 8 + 4 + 9;
    assert_eq!(bytes[at], 8);
    bytes[at] = 99;
    match Message::decode(&bytes) {
        Err(e @ ProtoError::UnknownTag { what, .. }) => {
            assert_eq!(what, "folder operation");
            assert_eq!(e.status(), Status::MAPI_E_CORRUPT_DATA);
        }
        other => panic!("{other:?}"),
    }

    // A folder name over the string bound: MAPI_E_TOO_BIG at encode and at decode.
    let long = folder_request(FolderOp::CreateFolder {
        parent: vec![1; 24],
        name: "x".repeat(MAX_STRING_LEN + 1),
        flags: 0,
    });
    let err = long.try_encode().unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_TOO_BIG);
    assert_eq!(Message::decode(&long.encode()).unwrap_err(), err);

    // A message list claiming more entry ids than the bytes left: refused, nothing
    // allocated for the claim.
    let mut bytes = folder_request(FolderOp::DeleteMessages {
        folder: vec![1; 4],
        messages: vec![],
        flags: 0,
    })
    .encode();
    let at = 1 + 4 + 1 + 8 + 4 + 9 + 1 + 4 + 4;
    assert_eq!(&bytes[at..at + 4], &[0, 0, 0, 0]);
    bytes[at..at + 4].copy_from_slice(&0x000F_FFFFu32.to_le_bytes());
    let err = Message::decode(&bytes).unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_CORRUPT_DATA, "{err}");

    // A success reply carrying a failure code is malformed.
    let mut bytes = Message::Response(Response {
        id: 9,
        body: ResponseBody::Folder(FolderReply::Status(Status::S_OK)),
    })
    .encode();
    let n = bytes.len();
    bytes[n - 4..].copy_from_slice(&Status::MAPI_E_NOT_FOUND.0.to_le_bytes());
    let err = Message::decode(&bytes).unwrap_err();
    assert!(
        matches!(err, ProtoError::Malformed { what: "Status", .. }),
        "{err}"
    );
    assert_eq!(err.status(), Status::MAPI_E_CORRUPT_DATA);
}

#[test]
fn every_notification_kind_crosses_the_wire_and_the_samples_cover_them() {
    let kinds: BTreeSet<u32> = mapi_notifications()
        .iter()
        .map(mapi_types::Notification::event_type)
        .collect();
    // Every fnev bit a NOTIFICATION carries (all but fnevReservedForMapi).
    assert_eq!(kinds.len(), 11, "{kinds:?}");
    for n in mapi_notifications() {
        let msg = Message::Notification(Notification::Event {
            session: 9,
            conn: 4,
            notifications: vec![n.clone()],
        });
        assert_eq!(Message::decode(&msg.encode()).unwrap(), msg, "{n:?}");
    }
}

#[test]
fn a_bad_event_type_or_advise_target_is_refused_with_a_status() {
    let good = Message::Notification(Notification::Event {
        session: 1,
        conn: 2,
        notifications: vec![mapi_types::Notification::ObjectDeleted(Default::default())],
    })
    .encode();
    // tag, kind, session (8), conn (4), count (4), then the event type.
    let at = 1 + 1 + 8 + 4 + 4;
    for bad in [0u32, 3, 0x4000_0000, 0x0000_0400] {
        let mut bytes = good.clone();
        bytes[at..at + 4].copy_from_slice(&bad.to_le_bytes());
        let err = Message::decode(&bytes).unwrap_err();
        assert!(
            matches!(
                err,
                ProtoError::Malformed {
                    what: "Notification.event_type",
                    ..
                }
            ),
            "{bad:#x}: {err:?}"
        );
        assert_eq!(err.status(), Status::MAPI_E_CORRUPT_DATA);
    }
    let mut bytes = Message::Request(Request {
        id: 5,
        body: RequestBody::Advise {
            session: 1,
            target: AdviseTarget::Table { table: 1 },
            mask: 0x100,
        },
    })
    .encode();
    // tag, id (4), kind, session (8), then the target's tag.
    bytes[1 + 4 + 1 + 8] = 9;
    match Message::decode(&bytes) {
        Err(
            e @ ProtoError::UnknownTag {
                what: "advise target",
                ..
            },
        ) => {
            assert_eq!(e.status(), Status::MAPI_E_CORRUPT_DATA)
        }
        other => panic!("{other:?}"),
    }
    // A count of notifications the bytes cannot hold is refused before allocating.
    let mut bytes = good;
    bytes[at - 4..at].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(Message::decode(&bytes).is_err());
}
