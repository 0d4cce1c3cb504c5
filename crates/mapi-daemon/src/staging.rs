//! Import batches sent in parts (`ImportPart`), per session handle, until the final
//! `Import` takes them: bounded in bytes, dropped whole when the bound is passed.

use std::collections::HashMap;

use crate::error::{DaemonError, Result};

/// The staged import batches of one connection.
#[derive(Default)]
pub(crate) struct Staging {
    /// By session handle: the messages and their bytes.
    batches: HashMap<u64, (Vec<Vec<u8>>, usize)>,
}

impl Staging {
    /// Adds messages to a session's batch; a batch that would pass `max` bytes is
    /// dropped whole and refused with `MAPI_E_NOT_ENOUGH_MEMORY`.
    pub(crate) fn add(&mut self, session: u64, messages: Vec<Vec<u8>>, max: usize) -> Result<()> {
        let (list, bytes) = self.batches.entry(session).or_default();
        let len = bytes.saturating_add(messages.iter().map(Vec::len).sum::<usize>());
        if len > max {
            self.batches.remove(&session);
            return Err(DaemonError::ImportTooLarge {
                len: len as u64,
                max: max as u64,
            });
        }
        *bytes = len;
        list.extend(messages);
        Ok(())
    }

    /// Takes a session's batch (empty when none).
    pub(crate) fn take(&mut self, session: u64) -> Vec<Vec<u8>> {
        self.batches
            .remove(&session)
            .map(|(m, _)| m)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::{MapiStatus, Status};

    #[test]
    fn parts_add_up_per_session_and_are_taken_once() {
        let mut s = Staging::default();
        s.add(1, vec![b"a".to_vec()], 10).unwrap();
        s.add(2, vec![b"x".to_vec()], 10).unwrap();
        s.add(1, vec![b"bc".to_vec(), b"d".to_vec()], 10).unwrap();
        assert_eq!(
            s.take(1),
            vec![b"a".to_vec(), b"bc".to_vec(), b"d".to_vec()]
        );
        assert!(s.take(1).is_empty(), "taken once");
        assert_eq!(s.take(2), vec![b"x".to_vec()]);
    }

    #[test]
    fn a_batch_past_the_bound_is_refused_and_dropped_whole() {
        let mut s = Staging::default();
        s.add(1, vec![vec![0; 6]], 10).unwrap();
        let e = s.add(1, vec![vec![0; 5]], 10).unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_NOT_ENOUGH_MEMORY);
        assert!(e.to_string().contains("MAX_IMPORT_BATCH_LEN"), "{e}");
        assert!(s.take(1).is_empty(), "nothing of the batch is kept");
    }
}
