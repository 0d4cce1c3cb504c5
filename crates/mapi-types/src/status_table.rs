//! [`assert_status_table!`](crate::assert_status_table): the error-to-status table test
//! every crate's error enum has, exhaustive by construction.

/// Asserts an error type's status table: one row per variant (or per case of a variant,
/// told apart by a guard), each `PATTERN [if GUARD] => SAMPLE => STATUS`.
///
/// The rows' patterns also make a `match` with no wildcard, so a new variant does not
/// compile until it has a row, and every row has a sample: no variant goes untested.
/// Each sample must match its own row, and its [`MapiStatus::status`](crate::MapiStatus)
/// must be the row's status.
///
/// ```
/// use mapi_types::{MapiStatus, Status};
///
/// #[derive(Debug)]
/// enum E {
///     Gone,
///     Io(std::io::ErrorKind),
/// }
///
/// impl MapiStatus for E {
///     fn status(&self) -> Status {
///         match self {
///             E::Gone => Status::MAPI_E_NOT_FOUND,
///             E::Io(std::io::ErrorKind::PermissionDenied) => Status::MAPI_E_NO_ACCESS,
///             E::Io(_) => Status::MAPI_E_DISK_ERROR,
///         }
///     }
/// }
///
/// mapi_types::assert_status_table!(E;
///     E::Gone => E::Gone => Status::MAPI_E_NOT_FOUND,
///     E::Io(k) if *k == std::io::ErrorKind::PermissionDenied
///         => E::Io(std::io::ErrorKind::PermissionDenied) => Status::MAPI_E_NO_ACCESS,
///     E::Io(_) => E::Io(std::io::ErrorKind::Other) => Status::MAPI_E_DISK_ERROR,
/// );
/// ```
#[macro_export]
macro_rules! assert_status_table {
    ($ty:ty; $( $pat:pat $(if $guard:expr)? => $sample:expr => $status:expr ),+ $(,)?) => {{
        // The table as a match with no wildcard: a variant without a row fails to compile.
        // Rows of one variant told apart by their samples alone may repeat its pattern.
        #[allow(unreachable_patterns)]
        fn row_status(e: &$ty) -> $crate::Status {
            match e {
                $( $pat $(if $guard)? => $status, )+
            }
        }
        $(
            let sample: $ty = $sample;
            assert!(
                matches!(&sample, $pat $(if $guard)?),
                "the sample {:?} is not in its row {}",
                sample,
                stringify!($pat),
            );
            assert_eq!(row_status(&sample), $status, "row {}", stringify!($pat));
            assert_eq!(
                $crate::MapiStatus::status(&sample),
                $status,
                "{:?} maps to the wrong status",
                sample,
            );
        )+
    }};
}
