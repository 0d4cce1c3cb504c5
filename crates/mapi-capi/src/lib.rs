//! `libmapi.so.1`: MAPI's C interface. C and C++ programs include the headers under
//! `include/mapi/` (generated with this crate's vtables from the interface table in
//! `mapi-abi`) and link `-lmapi`. What really works: MAPIInitialize / MAPIUninitialize
//! (counted), MAPIAllocateBuffer / MAPIAllocateMore / MAPIFreeBuffer, MAPILogonEx,
//! IUnknown on every object, IMAPISession (GetLastError, GetMsgStoresTable,
//! GetStatusTable, OpenMsgStore of the default store, Logoff), IMAPITable (GetLastError,
//! GetStatus, SetColumns, QueryColumns, GetRowCount, SeekRow, QueryPosition, FindRow,
//! Restrict, CreateBookmark, FreeBookmark, SortTable, QuerySortOrder, QueryRows, Abort),
//! IMsgStore GetProps / GetPropList, HrQueryAllRows and FreeProws. Every other slot of
//! every vtable answers `MAPI_E_NO_SUPPORT`. No panic crosses the boundary.
//!
//! # Layout
//! - `vtbl` (generated): every interface's vtable struct, its `NO_SUPPORT` stubs, the
//!   exported IIDs and their chains.
//! - `exports`: the exported functions.
//! - `alloc`: the MAPI allocator (roots with children).
//! - `com`: objects behind interface pointers, IUnknown, the panic guard, GetLastError's
//!   record.
//! - `global`: the counted MAPIInitialize state.
//! - `types`: the C structs read and written.
//! - `convert`: values, rows, tags, sort orders, restrictions and strings between Rust
//!   and C.
//! - `session`, `table`, `store`: IMAPISession, IMAPITable, IMsgStore.
//! - `error`: [`error::CapiError`], every failure with its MAPI status.

#![warn(missing_docs)]

mod alloc;
mod com;
mod convert;
pub mod error;
mod exports;
mod global;
mod session;
mod store;
mod table;
mod types;
mod vtbl;
