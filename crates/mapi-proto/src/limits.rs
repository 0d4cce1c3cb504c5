//! Size limits every decoder enforces. A value over its limit is `MAPI_E_TOO_BIG`.

/// Largest frame body, in bytes (16 MiB). The 4-byte length prefix is not counted.
pub const MAX_FRAME_LEN: u32 = 16 * 1024 * 1024;

/// Longest string (profile, service, program names, messages, prompt texts), in UTF-8 bytes.
pub const MAX_STRING_LEN: usize = 64 * 1024;

/// Longest entry id, in bytes.
pub const MAX_ENTRY_ID_LEN: usize = 64 * 1024;

/// Longest raw blob (a message's MIME bytes, a `Bytes` reply): anything a frame can hold.
pub const MAX_BLOB_LEN: usize = MAX_FRAME_LEN as usize;

/// Most message bytes one `Import` or `ImportPart` request carries (15 MiB: the frame
/// bound less room for the ids and lengths). A batch over it is sent in several
/// requests, split between messages; one message over it is refused with
/// `MAPI_E_TOO_BIG` naming this bound.
pub const MAX_IMPORT_CHUNK_LEN: usize = MAX_FRAME_LEN as usize - 1024 * 1024;

/// Most message bytes one import batch may stage at the daemon before its final
/// `Import` (256 MiB). A larger batch is refused with `MAPI_E_NOT_ENOUGH_MEMORY` naming
/// this bound, and nothing is imported.
pub const MAX_IMPORT_BATCH_LEN: usize = 256 * 1024 * 1024;

/// Most elements of any list (rows, columns, recipients, sessions, fields, profiles).
pub const MAX_LIST_LEN: usize = 1 << 20;
