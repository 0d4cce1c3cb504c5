//! The flags and values of `IMessage::ModifyRecipients` and PR_RECIPIENT_TYPE, with
//! MAPI's values (Mapidefs.h).

/// `MODRECIP_ADD`: the rows are new recipients (the store gives each its PR_ROWID).
pub const MODRECIP_ADD: u32 = 0x0000_0002;
/// `MODRECIP_MODIFY`: each row replaces the recipient of its PR_ROWID.
pub const MODRECIP_MODIFY: u32 = 0x0000_0004;
/// `MODRECIP_REMOVE`: the recipients of the rows' PR_ROWID go.
pub const MODRECIP_REMOVE: u32 = 0x0000_0008;
/// `MAPI_ORIG` (PR_RECIPIENT_TYPE): the originator.
pub const MAPI_ORIG: i32 = 0;
/// `MAPI_TO` (PR_RECIPIENT_TYPE): a primary recipient.
pub const MAPI_TO: i32 = 1;
/// `MAPI_CC` (PR_RECIPIENT_TYPE): a carbon-copy recipient.
pub const MAPI_CC: i32 = 2;
/// `MAPI_BCC` (PR_RECIPIENT_TYPE): a blind carbon-copy recipient.
pub const MAPI_BCC: i32 = 3;
/// `MAPI_P1` (PR_RECIPIENT_TYPE bit): a resend to this recipient.
pub const MAPI_P1: i32 = 0x1000_0000;
/// `MAPI_SUBMITTED` (PR_RECIPIENT_TYPE bit): already sent to this recipient.
pub const MAPI_SUBMITTED: i32 = 0x8000_0000_u32 as i32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_mapis() {
        assert_eq!([MODRECIP_ADD, MODRECIP_MODIFY, MODRECIP_REMOVE], [2, 4, 8]);
        assert_eq!([MAPI_ORIG, MAPI_TO, MAPI_CC, MAPI_BCC], [0, 1, 2, 3]);
        assert_eq!(MAPI_P1 as u32, 0x1000_0000);
        assert_eq!(MAPI_SUBMITTED as u32, 0x8000_0000);
    }
}
