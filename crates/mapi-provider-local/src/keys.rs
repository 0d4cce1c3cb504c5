//! PR_SEARCH_KEY and PR_INSTANCE_KEY of local messages.
//!
//! MAPI's search key of a message is a binary comparison key the store gives it when it
//! is made and that copies of it keep. Here it is made from the message's Internet
//! identity: the ASCII bytes `MSGID:` followed by its PR_INTERNET_MESSAGE_ID as stored
//! (angle brackets included, case kept: a Message-ID is case-sensitive). A copy
//! (CopyMessages) keeps the Message-ID, so it keeps the search key; the same message
//! imported into two stores has the same key in both. A message without a Message-ID
//! (an imported one that had none) gets `ENTRY:` followed by its PR_RECORD_KEY.
//! Messages a client makes get a Message-ID at their first SaveChanges, and with it
//! their search key.
//!
//! The instance key identifies a row of a table: a message's is its row id in the file
//! (8 bytes, little-endian), unique among the rows of any of the store's tables of
//! messages.

/// The PR_SEARCH_KEY of a message with `message_id` (PR_INTERNET_MESSAGE_ID) and
/// `record_key` (PR_RECORD_KEY).
pub fn search_key(message_id: Option<&str>, record_key: &[u8]) -> Vec<u8> {
    match message_id.map(str::trim).filter(|m| !m.is_empty()) {
        Some(id) => [b"MSGID:".as_slice(), id.as_bytes()].concat(),
        None => [b"ENTRY:".as_slice(), record_key].concat(),
    }
}

/// The PR_INSTANCE_KEY of message row `id`.
pub fn instance_key(id: i64) -> Vec<u8> {
    id.to_le_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_identity() {
        assert_eq!(search_key(Some("<a@b>"), b"rk"), b"MSGID:<a@b>");
        assert_ne!(
            search_key(Some("<A@b>"), b"rk"),
            search_key(Some("<a@b>"), b"rk")
        );
        assert_eq!(search_key(None, b"rk"), b"ENTRY:rk");
        assert_eq!(search_key(Some("  "), b"rk"), b"ENTRY:rk");
        assert_ne!(instance_key(1), instance_key(2));
    }
}
