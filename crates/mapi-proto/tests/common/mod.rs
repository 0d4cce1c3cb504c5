//! Sample messages covering every variant, shared by the integration tests.

#![allow(dead_code)]

use mapi_proto::*;
use mapi_types::{
    ContentMatch, PropTag, PropType, PropValue, Relop, Restriction, Row, SortKey, Status, tags,
};

fn row(name: &str) -> Row {
    Row(vec![
        (tags::PR_DISPLAY_NAME, PropValue::Unicode(name.into())),
        (tags::PR_RESOURCE_FLAGS, PropValue::Long(3)),
        (PropTag(0x8000_0102), PropValue::Binary(vec![1, 2, 3])),
        (PropTag(0x8001_000B), PropValue::Boolean(true)),
        (
            PropTag(0x8002_0040),
            PropValue::SysTime(133_000_000_000_000_000),
        ),
        (
            PropTag(0x8003_101F),
            PropValue::Multi(
                PropType::PT_UNICODE,
                vec![
                    PropValue::Unicode("a".into()),
                    PropValue::Unicode("b".into()),
                ],
            ),
        ),
        (PropTag(0x8004_000A), PropValue::Error(0x8004_010F)),
    ])
}

/// Every request body variant, with non-trivial field values.
pub fn request_bodies() -> Vec<RequestBody> {
    vec![
        RequestBody::Logon {
            profile: Some("Work".into()),
            password: Some(Secret::new("s3cret")),
            flags: 0x0000_0029,
            ui: true,
            program: "mapi-cli".into(),
        },
        RequestBody::Logon {
            profile: None,
            password: None,
            flags: 0,
            ui: false,
            program: String::new(),
        },
        RequestBody::StatusTable { session: 7 },
        RequestBody::StoreTable { session: u64::MAX },
        RequestBody::OpenStore {
            session: 7,
            entry_id: None,
        },
        RequestBody::OpenStore {
            session: 7,
            entry_id: Some(vec![0, 1, 2, 3, 4]),
        },
        RequestBody::Folders {
            session: 7,
            store: vec![9; 24],
        },
        RequestBody::Contents {
            session: 7,
            store: vec![9; 24],
            folder: vec![8; 20],
        },
        RequestBody::ReadMessage {
            session: 7,
            store: vec![9; 24],
            entry_id: vec![7; 30],
        },
        RequestBody::ReadRaw {
            session: 8,
            store: vec![9; 2],
            entry_id: vec![],
        },
        RequestBody::Submit {
            session: 7,
            from: None,
            raw: b"From: a@example.org\r\n\r\nhello\r\n".to_vec(),
            recipients: vec!["b@example.org".into(), "c@example.org".into()],
        },
        RequestBody::Submit {
            session: 7,
            from: Some("bounce@example.org".into()),
            raw: b"From: a@example.org\r\n\r\nhello\r\n".to_vec(),
            recipients: vec!["b@example.org".into()],
        },
        RequestBody::Logoff {
            session: 7,
            flags: 1,
        },
        RequestBody::ListSessions,
        RequestBody::Ping,
        RequestBody::Keep { session: 7 },
        RequestBody::Shutdown,
        RequestBody::UiReply {
            prompt_id: 1,
            answer: UiAnswer::Cancel,
        },
        RequestBody::UiReply {
            prompt_id: 2,
            answer: UiAnswer::Profile("Home".into()),
        },
        RequestBody::UiReply {
            prompt_id: 3,
            answer: UiAnswer::Password(Secret::new("pw")),
        },
        RequestBody::UiReply {
            prompt_id: 4,
            answer: UiAnswer::Settings(vec![
                ("server".into(), Secret::new("imap.example.org")),
                ("password".into(), Secret::new("pw")),
            ]),
        },
        RequestBody::UiReply {
            prompt_id: 5,
            answer: UiAnswer::FailureChoice(FailureChoice::Retry),
        },
        RequestBody::UiReply {
            prompt_id: 6,
            answer: UiAnswer::FailureChoice(FailureChoice::Edit),
        },
        RequestBody::UiReply {
            prompt_id: 7,
            answer: UiAnswer::FailureChoice(FailureChoice::Skip),
        },
        RequestBody::UiReply {
            prompt_id: 8,
            answer: UiAnswer::FailureChoice(FailureChoice::Cancel),
        },
        RequestBody::OpenTable {
            session: 42,
            kind: TableKind::Contents,
            store: Some(vec![1, 2, 3]),
            folder: Some(vec![4, 5]),
            flags: 0x40,
        },
        RequestBody::OpenTable {
            session: 42,
            kind: TableKind::Status,
            store: None,
            folder: None,
            flags: 0,
        },
        RequestBody::TableQuery {
            session: 42,
            table: 7,
            restriction: Some(every_restriction()),
            sort: vec![
                SortKey::descending(tags::PR_MESSAGE_DELIVERY_TIME),
                SortKey::ascending(tags::PR_SUBJECT),
            ],
        },
        RequestBody::TableQuery {
            session: 42,
            table: 7,
            restriction: None,
            sort: vec![],
        },
        RequestBody::TableCount {
            session: 42,
            table: 7,
        },
        RequestBody::TableRows {
            session: 42,
            table: 7,
            start: 50_000,
            count: 50,
            columns: vec![tags::PR_SUBJECT, tags::PR_ENTRYID],
        },
        RequestBody::TableFind {
            session: 42,
            table: 7,
            restriction: Restriction::Exist(tags::PR_SUBJECT),
            from: 3,
            backward: true,
        },
        RequestBody::TableRelease {
            session: 42,
            table: 7,
        },
        RequestBody::QueryIdentity { session: 42 },
        RequestBody::ImportPart {
            session: 42,
            messages: vec![b"Subject: a\r\n\r\nbody\r\n".to_vec(), Vec::new()],
        },
        RequestBody::Import {
            session: 42,
            store: b"MAPISTOR\x01".to_vec(),
            folder: vec![9; 24],
            messages: vec![b"Subject: b\r\n\r\n".to_vec()],
        },
    ]
    .into_iter()
    .chain(
        object_ops()
            .into_iter()
            .map(|op| RequestBody::Object { session: 42, op }),
    )
    .chain(folder_ops().into_iter().map(|op| RequestBody::Folder {
        session: 42,
        store: b"MAPISTOR\x01".to_vec(),
        op,
    }))
    .chain(
        advise_targets()
            .into_iter()
            .map(|target| RequestBody::Advise {
                session: 42,
                target,
                mask: 0x8000_0106,
            }),
    )
    .chain([RequestBody::Unadvise {
        session: 42,
        conn: u32::MAX,
    }])
    .chain(
        ab_ops()
            .into_iter()
            .map(|op| RequestBody::AddressBook { session: 42, op }),
    )
    .chain([
        RequestBody::OpenTable {
            session: 42,
            kind: TableKind::AbHierarchy,
            store: None,
            folder: None,
            flags: 0x1,
        },
        RequestBody::OpenTable {
            session: 42,
            kind: TableKind::AbContents,
            store: None,
            folder: Some(b"MAPIABCT\0\0\0\0".to_vec()),
            flags: 0x8000_0000,
        },
    ])
    .collect()
}

/// Every advise target.
pub fn advise_targets() -> Vec<AdviseTarget> {
    vec![
        AdviseTarget::Session { entry: None },
        AdviseTarget::Session {
            entry: Some(vec![9; 24]),
        },
        AdviseTarget::Store {
            store: b"MAPISTOR\x01".to_vec(),
            entry: None,
        },
        AdviseTarget::Store {
            store: b"MAPISTOR\x01".to_vec(),
            entry: Some(vec![3; 24]),
        },
        AdviseTarget::Table { table: 7 },
        AdviseTarget::AddressBook { container: None },
        AdviseTarget::AddressBook {
            container: Some(b"MAPIABCT\0\0\0\0".to_vec()),
        },
    ]
}

/// Every `NOTIFICATION` kind, with non-trivial values.
pub fn mapi_notifications() -> Vec<mapi_types::Notification> {
    use mapi_types::Notification as N;
    use mapi_types::notify::*;
    let object = ObjectInfo {
        entry: vec![1; 24],
        object_type: 5,
        parent: vec![2; 24],
        old_entry: vec![3; 24],
        old_parent: vec![4; 24],
        props: vec![tags::PR_SUBJECT, tags::PR_MESSAGE_FLAGS],
    };
    vec![
        N::CriticalError(ErrorInfo {
            entry: vec![],
            scode: Status::MAPI_E_CALL_FAILED,
            flags: 0x8000_0000,
            error: Some("the store file was removed".into()),
        }),
        N::CriticalError(ErrorInfo {
            entry: vec![7],
            scode: Status::MAPI_E_NETWORK_ERROR,
            flags: 0,
            error: None,
        }),
        N::NewMail(NewMailInfo {
            entry: vec![1; 24],
            parent: vec![2; 24],
            flags: 0x8000_0000,
            message_class: "IPM.Note".into(),
            message_flags: 0x0000_0008,
        }),
        N::ObjectCreated(object.clone()),
        N::ObjectDeleted(ObjectInfo::default()),
        N::ObjectModified(object.clone()),
        N::ObjectMoved(object.clone()),
        N::ObjectCopied(object.clone()),
        N::SearchComplete(object),
        N::TableModified(TableInfo::table_wide(table_event::TABLE_RELOAD)),
        N::TableModified(TableInfo {
            event: table_event::TABLE_ROW_ADDED,
            hresult: Status::S_OK,
            index: (tags::PR_INSTANCE_KEY, PropValue::Binary(vec![5; 8])),
            prior: (tags::PR_INSTANCE_KEY, PropValue::Binary(vec![4; 8])),
            row: row("Hello"),
        }),
        N::StatusObjectModified(StatusObjectInfo {
            entry: vec![8; 16],
            props: vec![(tags::PR_RESOURCE_FLAGS, PropValue::Long(2))],
        }),
        N::Extended(ExtendedInfo {
            event: EXT_SESSION_SHUTDOWN,
            params: b"another client logged off the shared session".to_vec(),
        }),
    ]
}

/// Every address-book call.
pub fn ab_ops() -> Vec<AbOp> {
    vec![
        AbOp::Open,
        AbOp::OpenEntry {
            entry_id: vec![7; 30],
            flags: 0x10,
        },
        AbOp::OpenEntry {
            entry_id: Vec::new(),
            flags: 0,
        },
        AbOp::ResolveName {
            container: None,
            flags: 0x8,
            entries: vec![row("Ann"), Row::default()],
        },
        AbOp::ResolveName {
            container: Some(vec![1, 2]),
            flags: 0,
            entries: Vec::new(),
        },
        AbOp::CreateEntry {
            container: vec![1, 2],
            template: b"MAPIABTMSMTP".to_vec(),
            flags: 0x2,
        },
    ]
}

/// Every address-book reply.
pub fn ab_replies() -> Vec<AbReply> {
    vec![
        AbReply::Opened {
            warning: Status::MAPI_W_ERRORS_RETURNED,
        },
        AbReply::Object {
            object: 9,
            object_type: 6,
        },
        AbReply::Resolved {
            status: Status::MAPI_E_AMBIGUOUS_RECIP,
            entries: vec![row("Ann"), row("Bob")],
            flags: vec![1, 2],
        },
    ]
}

/// Every folder operation.
pub fn folder_ops() -> Vec<FolderOp> {
    vec![
        FolderOp::CreateFolder {
            parent: vec![1; 24],
            name: "Projects".into(),
            flags: 0x1,
        },
        FolderOp::DeleteFolder {
            parent: vec![1; 24],
            folder: vec![2; 24],
            flags: 0x9,
        },
        FolderOp::EmptyFolder {
            folder: vec![2; 24],
            flags: 0x8,
        },
        FolderOp::CopyFolder {
            parent: vec![1; 24],
            folder: vec![2; 24],
            dest_parent: vec![3; 24],
            new_name: Some("Archive".into()),
            flags: 0x1,
        },
        FolderOp::CopyFolder {
            parent: vec![1; 24],
            folder: vec![2; 24],
            dest_parent: vec![3; 24],
            new_name: None,
            flags: 0,
        },
        FolderOp::CopyMessages {
            folder: vec![1; 24],
            messages: vec![vec![4; 24], vec![5; 24]],
            dest: vec![3; 24],
            flags: 0x1,
        },
        FolderOp::DeleteMessages {
            folder: vec![1; 24],
            messages: vec![vec![4; 24]],
            flags: 0x10,
        },
        FolderOp::SetReadFlags {
            folder: vec![1; 24],
            messages: Some(vec![vec![4; 24]]),
            flags: 0x4,
        },
        FolderOp::SetReadFlags {
            folder: vec![1; 24],
            messages: None,
            flags: 0,
        },
        FolderOp::GetReceiveFolder {
            message_class: "IPM.Note".into(),
        },
    ]
}

/// Every folder reply.
pub fn folder_replies() -> Vec<FolderReply> {
    vec![
        FolderReply::EntryId(vec![6; 24]),
        FolderReply::Copied {
            status: Status::MAPI_W_PARTIAL_COMPLETION,
            entry_ids: vec![Some(vec![7; 24]), None],
        },
        FolderReply::Status(Status::S_OK),
        FolderReply::Status(Status::MAPI_W_PARTIAL_COMPLETION),
        FolderReply::ReceiveFolder {
            entry_id: vec![8; 24],
            message_class: String::new(),
        },
        FolderReply::Done,
    ]
}

fn object_ops() -> Vec<ObjectOp> {
    use mapi_types::{MapiUid, NameId};
    let guid = MapiUid([7; 16]);
    vec![
        ObjectOp::Open {
            kind: OpenKind::Entry,
            store: None,
            entry_id: vec![0, 0, 0, 0, 1, 2],
            flags: 1,
        },
        ObjectOp::Open {
            kind: OpenKind::Message,
            store: Some(b"MAPISTOR\x01".to_vec()),
            entry_id: vec![3; 30],
            flags: 0x10,
        },
        ObjectOp::Open {
            kind: OpenKind::Folder,
            store: Some(b"MAPISTOR\x01".to_vec()),
            entry_id: vec![4; 30],
            flags: 0,
        },
        ObjectOp::Open {
            kind: OpenKind::Store,
            store: Some(b"MAPISTOR\x01".to_vec()),
            entry_id: vec![],
            flags: 0,
        },
        ObjectOp::GetProps {
            object: 1,
            tags: Some(vec![PropTag(0x0037_001F)]),
            flags: 0x8000_0000,
        },
        ObjectOp::GetProps {
            object: 1,
            tags: None,
            flags: 0,
        },
        ObjectOp::GetPropList {
            object: 1,
            flags: 0,
        },
        ObjectOp::SetProps {
            object: 1,
            values: row("New subject"),
        },
        ObjectOp::DeleteProps {
            object: 1,
            tags: vec![PropTag(0x0037_001F)],
        },
        ObjectOp::SaveChanges {
            object: 1,
            flags: 2,
        },
        ObjectOp::OpenProperty {
            object: 1,
            tag: PropTag(0x1000_001F),
            interface: mapi_types::object::IID_ISTREAM,
            flags: 3,
        },
        ObjectOp::GetIdsFromNames {
            object: 1,
            names: vec![NameId::name(guid, "X-Test"), NameId::id(guid, -5)],
            flags: 2,
        },
        ObjectOp::GetNamesFromIds {
            object: 1,
            tags: Some(vec![PropTag(0x8001_001F)]),
            guid: None,
            flags: 0,
        },
        ObjectOp::GetNamesFromIds {
            object: 1,
            tags: None,
            guid: Some(guid),
            flags: 1,
        },
        ObjectOp::Read {
            stream: 2,
            len: 4096,
        },
        ObjectOp::Write {
            stream: 2,
            data: b"hello".to_vec(),
        },
        ObjectOp::Seek {
            stream: 2,
            offset: -3,
            origin: 2,
        },
        ObjectOp::SetSize {
            stream: 2,
            size: 10,
        },
        ObjectOp::Stat { stream: 2 },
        ObjectOp::Commit {
            stream: 2,
            flags: 0,
        },
        ObjectOp::Release { handle: 2 },
        ObjectOp::CreateMessage {
            store: b"MAPISTOR\x01".to_vec(),
            folder: vec![9; 24],
            flags: 0x8,
        },
        ObjectOp::ModifyRecipients {
            object: 1,
            flags: 0x2,
            rows: vec![row("Ann"), Row(vec![])],
        },
        ObjectOp::RecipientTable {
            object: 1,
            flags: 0x8000_0000,
        },
        ObjectOp::SubmitMessage {
            object: 1,
            flags: 0,
        },
        ObjectOp::SubmitMessage {
            object: 7,
            flags: 0x1,
        },
        ObjectOp::CreateAttach {
            object: 1,
            flags: 0x8,
        },
        ObjectOp::SetReadFlag {
            object: 3,
            flags: 0x4 | 0x1,
        },
        ObjectOp::OpenAttach {
            object: 1,
            num: 3,
            flags: 0x11,
        },
        ObjectOp::DeleteAttach {
            object: 1,
            num: u32::MAX,
            flags: 0x1,
        },
        ObjectOp::AttachmentTable {
            object: 1,
            flags: 0x8000_0000,
        },
        ObjectOp::OpenPropertyObject {
            object: 4,
            tag: PropTag(0x3701_000D),
            interface: MapiUid([9; 16]),
            flags: 0x3,
        },
    ]
}

fn object_replies() -> Vec<ObjectReply> {
    use mapi_types::{MapiUid, NameId, PropProblem, StreamStat};
    vec![
        ObjectReply::Opened {
            object: 1,
            object_type: 5,
            store: b"MAPISTOR\x01".to_vec(),
        },
        ObjectReply::Props {
            status: Status::MAPI_W_ERRORS_RETURNED,
            values: row("Subject"),
        },
        ObjectReply::Tags {
            status: Status::S_OK,
            tags: vec![PropTag(0x0037_001F)],
        },
        ObjectReply::Problems(vec![PropProblem {
            index: 1,
            tag: PropTag(0x0FFF_0102),
            status: Status::MAPI_E_COMPUTED,
        }]),
        ObjectReply::Names {
            status: Status::MAPI_W_ERRORS_RETURNED,
            names: vec![
                (
                    PropTag(0x8001_0000),
                    Some(NameId::name(MapiUid([7; 16]), "X")),
                ),
                (PropTag(0x8002_0000), None),
            ],
        },
        ObjectReply::StreamOpened { stream: 2 },
        ObjectReply::Data(b"part".to_vec()),
        ObjectReply::Count(4),
        ObjectReply::Stat(StreamStat { size: 9, mode: 2 }),
        ObjectReply::Done,
        ObjectReply::TableOpened {
            table: 3,
            default_columns: vec![tags::PR_DISPLAY_NAME],
            all_columns: vec![tags::PR_DISPLAY_NAME, tags::PR_ENTRYID],
        },
        ObjectReply::Submitted(mapi_types::SubmitOutcome {
            sent_copy: Some(vec![5; 24]),
            warning: None,
        }),
        ObjectReply::Submitted(mapi_types::SubmitOutcome {
            sent_copy: None,
            warning: Some("sent, but not moved to Sent Items".into()),
        }),
        ObjectReply::AttachCreated { num: 2, object: 7 },
    ]
}

/// One restriction with every `RES_*` type inside.
pub fn every_restriction() -> Restriction {
    let subject = |how, ignore_case| Restriction::Content {
        tag: tags::PR_SUBJECT,
        text: "invoice".into(),
        how,
        ignore_case,
    };
    Restriction::And(vec![
        Restriction::Or(vec![
            subject(ContentMatch::Substring, true),
            subject(ContentMatch::Prefix, false),
            subject(ContentMatch::Full, true),
        ]),
        Restriction::Not(Box::new(Restriction::BitMask {
            tag: tags::PR_MESSAGE_FLAGS,
            mask: 1,
            nonzero: true,
        })),
        Restriction::Property {
            op: Relop::Gt,
            tag: tags::PR_MESSAGE_SIZE,
            value: PropValue::Long(10_000),
        },
        Restriction::CompareProps {
            op: Relop::Ne,
            left: tags::PR_SENDER_NAME,
            right: tags::PR_SENDER_EMAIL_ADDRESS,
        },
        Restriction::Size {
            op: Relop::Le,
            tag: tags::PR_SUBJECT,
            size: 64,
        },
        Restriction::Exist(tags::PR_BODY),
        Restriction::Sub {
            object: mapi_types::table::consts::PR_MESSAGE_RECIPIENTS,
            restriction: Box::new(Restriction::Exist(tags::PR_EMAIL_ADDRESS)),
        },
        Restriction::Comment {
            props: vec![(tags::PR_DISPLAY_NAME, PropValue::Unicode("why".into()))],
            restriction: Some(Box::new(Restriction::Or(vec![]))),
        },
        Restriction::Comment {
            props: vec![],
            restriction: None,
        },
        Restriction::Property {
            op: Relop::Re,
            tag: tags::PR_SUBJECT,
            value: PropValue::Unicode("^a".into()),
        },
    ])
}

/// Every response body variant.
pub fn response_bodies() -> Vec<ResponseBody> {
    vec![
        ResponseBody::LoggedOn {
            session: 42,
            profile: "Work".into(),
            shared: true,
            disabled: vec![DisabledService {
                service_uid: mapi_types::MapiUid([7; 16]),
                service_name: "internet-mail".into(),
                display_name: "Work mail".into(),
                status: Status::MAPI_E_NETWORK_ERROR,
                reason: "imap.example.org:993 refused the connection".into(),
            }],
        },
        ResponseBody::Table {
            columns: vec![tags::PR_DISPLAY_NAME, tags::PR_RESOURCE_FLAGS],
            rows: vec![row("one"), row("two"), Row(vec![])],
        },
        ResponseBody::Rows(vec![row("msg")]),
        ResponseBody::Rows(vec![]),
        ResponseBody::Bytes(vec![0xde, 0xad, 0xbe, 0xef]),
        ResponseBody::Sessions(vec![SessionInfo {
            id: 42,
            profile: "Work".into(),
            shared: true,
            clients: 2,
            since_unix: -5,
            services: vec!["local-store".into(), "contacts".into()],
        }]),
        ResponseBody::Done,
        ResponseBody::Pong,
        ResponseBody::Error {
            status: Status::MAPI_E_LOGON_FAILED,
            message: "no profile named X".into(),
        },
        ResponseBody::TableOpened {
            table: 7,
            default_columns: vec![tags::PR_SUBJECT],
            all_columns: vec![tags::PR_SUBJECT, tags::PR_ENTRYID],
        },
        ResponseBody::Count(100_000),
        ResponseBody::Found(Some(12)),
        ResponseBody::Found(None),
        ResponseBody::Identity {
            status: Status::MAPI_W_NO_SERVICE,
            display: "Work".into(),
        },
        ResponseBody::Submitted(mapi_types::SubmitOutcome {
            sent_copy: Some(vec![1, 2, 3]),
            warning: Some("sent, but not removed from the Outbox".into()),
        }),
        ResponseBody::Submitted(mapi_types::SubmitOutcome::default()),
        ResponseBody::EntryIds(vec![vec![1; 20], vec![2; 20]]),
        ResponseBody::StoreOpened {
            entry_id: b"MAPISTOR\x02".to_vec(),
            properties: row("Personal Folders"),
        },
        ResponseBody::Advised(17),
    ]
    .into_iter()
    .chain(object_replies().into_iter().map(ResponseBody::Object))
    .chain(folder_replies().into_iter().map(ResponseBody::Folder))
    .chain(ab_replies().into_iter().map(ResponseBody::AddressBook))
    .collect()
}

/// Every notification variant, every prompt kind.
pub fn notifications() -> Vec<Notification> {
    vec![
        Notification::SessionEnded {
            session: 42,
            reason: "another client logged off the shared session".into(),
        },
        Notification::StatusChanged { session: 42 },
        Notification::Progress {
            session: 42,
            done: 3,
            total: Some(10),
            text: "downloading".into(),
        },
        Notification::Progress {
            session: 0,
            done: 0,
            total: None,
            text: String::new(),
        },
        Notification::Prompt {
            prompt_id: 1,
            request: 5,
            kind: PromptKind::ChooseProfile {
                profiles: vec!["Home".into(), "Work".into()],
                preselect: Some("Work".into()),
            },
        },
        Notification::Prompt {
            prompt_id: 2,
            request: 5,
            kind: PromptKind::ChooseProfile {
                profiles: vec![],
                preselect: None,
            },
        },
        Notification::Prompt {
            prompt_id: 3,
            request: 5,
            kind: PromptKind::Password {
                profile: "Work".into(),
            },
        },
        Notification::Prompt {
            prompt_id: 4,
            request: 5,
            kind: PromptKind::ServiceSettings {
                service: "internet-mail".into(),
                fields: vec![
                    PromptField {
                        key: "server".into(),
                        label: "IMAP server".into(),
                        secret: false,
                        current: Some("imap.example.org".into()),
                    },
                    PromptField {
                        key: "password".into(),
                        label: "Password".into(),
                        secret: true,
                        current: None,
                    },
                ],
            },
        },
        Notification::Prompt {
            prompt_id: 5,
            request: 5,
            kind: PromptKind::ServiceFailed {
                service: "local-store".into(),
                status: Status::MAPI_E_CORRUPT_DATA,
                reason: "store file is damaged".into(),
            },
        },
        Notification::Event {
            session: 42,
            conn: 3,
            notifications: mapi_notifications(),
        },
        Notification::Event {
            session: 1,
            conn: 1,
            notifications: vec![],
        },
    ]
}

/// Every message variant, each inner variant included.
pub fn messages() -> Vec<Message> {
    let mut out = vec![
        Message::Hello(Hello {
            version: PROTOCOL_VERSION,
            client_pid: 1234,
            program: "mapi-cli".into(),
        }),
        Message::Welcome(Welcome {
            version: PROTOCOL_VERSION,
            server_pid: 99,
        }),
    ];
    for (i, body) in request_bodies().into_iter().enumerate() {
        out.push(Message::Request(Request {
            id: i as u32 + 1,
            body,
        }));
    }
    for (i, body) in response_bodies().into_iter().enumerate() {
        out.push(Message::Response(Response {
            id: i as u32 + 1,
            body,
        }));
    }
    for n in notifications() {
        out.push(Message::Notification(n));
    }
    out
}

/// A small xorshift64* PRNG: deterministic, no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
