//! Table, restriction and sort values of MAPI's headers (`MAPIDefS.h`).

use crate::prop::PropTag;

/// `TBL_ALL_COLUMNS` (`QueryColumns`): every column the table can show.
pub const TBL_ALL_COLUMNS: u32 = 0x0000_0001;
/// `TBL_NOADVANCE` (`QueryRows`): the cursor stays.
pub const TBL_NOADVANCE: u32 = 0x0000_0001;
/// `TBL_ASYNC` (`SetColumns`, `SortTable`, `Restrict`, ...): may finish later.
pub const TBL_ASYNC: u32 = 0x0000_0001;
/// `TBL_BATCH` (`SetColumns`, `SortTable`, `Restrict`): may defer the work.
pub const TBL_BATCH: u32 = 0x0000_0002;
/// `DIR_BACKWARD` (`FindRow`).
pub const DIR_BACKWARD: u32 = 0x0000_0001;

/// `BOOKMARK_BEGINNING`.
pub const BOOKMARK_BEGINNING: u32 = 0;
/// `BOOKMARK_CURRENT`.
pub const BOOKMARK_CURRENT: u32 = 1;
/// `BOOKMARK_END`.
pub const BOOKMARK_END: u32 = 2;

/// `TABLE_SORT_ASCEND`.
pub const TABLE_SORT_ASCEND: u32 = 0;
/// `TABLE_SORT_DESCEND`.
pub const TABLE_SORT_DESCEND: u32 = 1;
/// `TABLE_SORT_COMBINE`.
pub const TABLE_SORT_COMBINE: u32 = 2;

/// `TBLSTAT_COMPLETE` (`GetStatus`).
pub const TBLSTAT_COMPLETE: u32 = 0;
/// `TBLTYPE_SNAPSHOT` (`GetStatus`): rows do not change under the view.
pub const TBLTYPE_SNAPSHOT: u32 = 0;
/// `TBLTYPE_KEYSET`.
pub const TBLTYPE_KEYSET: u32 = 1;
/// `TBLTYPE_DYNAMIC`.
pub const TBLTYPE_DYNAMIC: u32 = 2;

/// `CONVENIENT_DEPTH` (`GetHierarchyTable`): every level below the folder, with PR_DEPTH.
pub const CONVENIENT_DEPTH: u32 = 0x0000_0001;
/// `MAPI_ASSOCIATED` (`GetContentsTable`): the folder's associated (hidden) messages.
pub const MAPI_ASSOCIATED: u32 = 0x0000_0040;
/// `SHOW_SOFT_DELETES` (`GetContentsTable`, `GetHierarchyTable`).
pub const SHOW_SOFT_DELETES: u32 = 0x0000_0002;
/// `MAPI_DEFERRED_ERRORS`.
pub const MAPI_DEFERRED_ERRORS: u32 = 0x0000_0008;
/// `MAPI_UNICODE`.
pub const MAPI_UNICODE: u32 = 0x8000_0000;

/// `PR_DEPTH`: a hierarchy row's level below the folder asked for (0 = its children).
pub const PR_DEPTH: PropTag = PropTag(0x3005_0003);
/// `PR_MESSAGE_RECIPIENTS`: a message's recipient table, for `RES_SUBRESTRICTION`.
pub const PR_MESSAGE_RECIPIENTS: PropTag = PropTag(0x0E12_000D);
/// `PR_MESSAGE_ATTACHMENTS`: a message's attachment table, for `RES_SUBRESTRICTION`.
pub const PR_MESSAGE_ATTACHMENTS: PropTag = PropTag(0x0E13_000D);

/// `RES_AND`.
pub const RES_AND: u32 = 0;
/// `RES_OR`.
pub const RES_OR: u32 = 1;
/// `RES_NOT`.
pub const RES_NOT: u32 = 2;
/// `RES_CONTENT`.
pub const RES_CONTENT: u32 = 3;
/// `RES_PROPERTY`.
pub const RES_PROPERTY: u32 = 4;
/// `RES_COMPAREPROPS`.
pub const RES_COMPAREPROPS: u32 = 5;
/// `RES_BITMASK`.
pub const RES_BITMASK: u32 = 6;
/// `RES_SIZE`.
pub const RES_SIZE: u32 = 7;
/// `RES_EXIST`.
pub const RES_EXIST: u32 = 8;
/// `RES_SUBRESTRICTION`.
pub const RES_SUBRESTRICTION: u32 = 9;
/// `RES_COMMENT`.
pub const RES_COMMENT: u32 = 10;

/// `RELOP_LT`.
pub const RELOP_LT: u32 = 0;
/// `RELOP_LE`.
pub const RELOP_LE: u32 = 1;
/// `RELOP_GT`.
pub const RELOP_GT: u32 = 2;
/// `RELOP_GE`.
pub const RELOP_GE: u32 = 3;
/// `RELOP_EQ`.
pub const RELOP_EQ: u32 = 4;
/// `RELOP_NE`.
pub const RELOP_NE: u32 = 5;
/// `RELOP_RE`.
pub const RELOP_RE: u32 = 6;

/// `BMR_EQZ`.
pub const BMR_EQZ: u32 = 0;
/// `BMR_NEZ`.
pub const BMR_NEZ: u32 = 1;

/// `FL_FULLSTRING`.
pub const FL_FULLSTRING: u32 = 0x0000_0000;
/// `FL_SUBSTRING`.
pub const FL_SUBSTRING: u32 = 0x0000_0001;
/// `FL_PREFIX`.
pub const FL_PREFIX: u32 = 0x0000_0002;
/// `FL_IGNORECASE`.
pub const FL_IGNORECASE: u32 = 0x0001_0000;
/// `FL_IGNORENONSPACE`.
pub const FL_IGNORENONSPACE: u32 = 0x0002_0000;
/// `FL_LOOSE`.
pub const FL_LOOSE: u32 = 0x0004_0000;
