//! The values of `IMessage`'s attachment methods and of PR_ATTACH_METHOD, with MAPI's
//! values (Mapidefs.h, Mapiguid.h).

use crate::uid::MapiUid;

/// `NO_ATTACHMENT` (PR_ATTACH_METHOD): the attachment has no data yet.
pub const NO_ATTACHMENT: i32 = 0;
/// `ATTACH_BY_VALUE`: the data is PR_ATTACH_DATA_BIN.
pub const ATTACH_BY_VALUE: i32 = 1;
/// `ATTACH_BY_REFERENCE`: the data is a file named by PR_ATTACH_PATHNAME.
pub const ATTACH_BY_REFERENCE: i32 = 2;
/// `ATTACH_BY_REF_RESOLVE`.
pub const ATTACH_BY_REF_RESOLVE: i32 = 3;
/// `ATTACH_BY_REF_ONLY`.
pub const ATTACH_BY_REF_ONLY: i32 = 4;
/// `ATTACH_EMBEDDED_MSG`: the data is a message, PR_ATTACH_DATA_OBJ opened as
/// `IID_IMessage`.
pub const ATTACH_EMBEDDED_MSG: i32 = 5;
/// `ATTACH_OLE`: an OLE object.
pub const ATTACH_OLE: i32 = 6;

/// `ATTACH_DIALOG` (DeleteAttach): show progress while deleting.
pub const ATTACH_DIALOG: u32 = 0x0000_0001;

/// `MSGFLAG_HASATTACH` (PR_MESSAGE_FLAGS): the message has at least one attachment.
pub const MSGFLAG_HASATTACH: i32 = 0x0000_0010;

/// `IID_IMessage`: {00020307-0000-0000-C000-000000000046}.
pub const IID_IMESSAGE: MapiUid = MapiUid::ole_guid(0x0002_0307);
/// `IID_IAttachment`: {00020308-0000-0000-C000-000000000046}.
pub const IID_IATTACHMENT: MapiUid = MapiUid::ole_guid(0x0002_0308);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_mapis() {
        assert_eq!(
            [
                NO_ATTACHMENT,
                ATTACH_BY_VALUE,
                ATTACH_BY_REFERENCE,
                ATTACH_BY_REF_RESOLVE,
                ATTACH_BY_REF_ONLY,
                ATTACH_EMBEDDED_MSG,
                ATTACH_OLE
            ],
            [0, 1, 2, 3, 4, 5, 6]
        );
        assert_eq!(MSGFLAG_HASATTACH, 0x10);
        assert_eq!(
            IID_IMESSAGE.to_string().to_ascii_uppercase(),
            "{00020307-0000-0000-C000-000000000046}"
        );
    }
}
