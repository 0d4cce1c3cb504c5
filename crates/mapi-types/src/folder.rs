//! The flags of `IMAPIFolder`'s folder and message operations (CreateFolder,
//! DeleteFolder, EmptyFolder, CopyFolder, CopyMessages, DeleteMessages, SetReadFlags),
//! with MAPI's values (Mapidefs.h).

/// `FOLDER_GENERIC` (CreateFolder's folder type): an ordinary folder.
pub const FOLDER_GENERIC: u32 = 0x0000_0001;
/// `FOLDER_SEARCH` (CreateFolder's folder type): a search folder.
pub const FOLDER_SEARCH: u32 = 0x0000_0002;
/// `OPEN_IF_EXISTS` (CreateFolder): open a folder of that name instead of failing with
/// `MAPI_E_COLLISION`.
pub const OPEN_IF_EXISTS: u32 = 0x0000_0001;
/// `DEL_MESSAGES` (DeleteFolder): delete the folder's messages too.
pub const DEL_MESSAGES: u32 = 0x0000_0001;
/// `FOLDER_DIALOG` (DeleteFolder, CopyFolder): show progress.
pub const FOLDER_DIALOG: u32 = 0x0000_0002;
/// `DEL_FOLDERS` (DeleteFolder): delete its subfolders too.
pub const DEL_FOLDERS: u32 = 0x0000_0004;
/// `DEL_ASSOCIATED` (EmptyFolder): delete associated messages too.
pub const DEL_ASSOCIATED: u32 = 0x0000_0008;
/// `DELETE_HARD_DELETE` (DeleteMessages, EmptyFolder, DeleteFolder): no recovery.
pub const DELETE_HARD_DELETE: u32 = 0x0000_0010;
/// `FOLDER_MOVE` (CopyFolder): move instead of copying.
pub const FOLDER_MOVE: u32 = 0x0000_0001;
/// `COPY_SUBFOLDERS` (CopyFolder): copy the subfolders too.
pub const COPY_SUBFOLDERS: u32 = 0x0000_0010;
/// `MESSAGE_MOVE` (CopyMessages): move instead of copying.
pub const MESSAGE_MOVE: u32 = 0x0000_0001;
/// `MESSAGE_DIALOG` (CopyMessages, DeleteMessages): show progress.
pub const MESSAGE_DIALOG: u32 = 0x0000_0002;
/// `SUPPRESS_RECEIPT` (SetReadFlag(s)): send no read receipt.
pub const SUPPRESS_RECEIPT: u32 = 0x0000_0001;
/// `CLEAR_READ_FLAG` (SetReadFlag(s)): mark unread.
pub const CLEAR_READ_FLAG: u32 = 0x0000_0004;
/// `GENERATE_RECEIPT_ONLY` (SetReadFlag(s)): send the receipt, change no flag.
pub const GENERATE_RECEIPT_ONLY: u32 = 0x0000_0010;
/// `CLEAR_RN_PENDING` (SetReadFlag(s)): clear MSGFLAG_RN_PENDING.
pub const CLEAR_RN_PENDING: u32 = 0x0000_0020;
/// `CLEAR_NRN_PENDING` (SetReadFlag(s)): clear MSGFLAG_NRN_PENDING.
pub const CLEAR_NRN_PENDING: u32 = 0x0000_0040;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_mapis() {
        assert_eq!(
            [
                OPEN_IF_EXISTS,
                DEL_MESSAGES,
                FOLDER_DIALOG,
                DEL_FOLDERS,
                DEL_ASSOCIATED
            ],
            [1, 2 - 1, 2, 4, 8]
        );
        assert_eq!([FOLDER_MOVE, COPY_SUBFOLDERS, MESSAGE_MOVE], [1, 0x10, 1]);
        assert_eq!(
            [
                SUPPRESS_RECEIPT,
                CLEAR_READ_FLAG,
                GENERATE_RECEIPT_ONLY,
                CLEAR_RN_PENDING,
                CLEAR_NRN_PENDING
            ],
            [0x01, 0x04, 0x10, 0x20, 0x40]
        );
        assert_eq!(DELETE_HARD_DELETE, 0x10);
    }
}
