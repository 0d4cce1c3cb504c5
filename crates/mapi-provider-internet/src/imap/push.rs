//! Waiting for the server to speak: IDLE (RFC 2177) on the selected mailbox, and
//! NOTIFY (RFC 5465), which makes the server tell of every personal mailbox during that
//! wait (a `* STATUS` for one not selected, a `* LIST` when the folder list changes), so
//! a watcher needs no polling of its own.

use std::time::Duration;

use tokio::time::Instant;

use super::wire::{Code, Cond, Data, ReadError, Response};
use super::{Imap, is_news};
use crate::error::{InternetError, Result};

/// The NOTIFY SET asked for: new, expunged and re-flagged messages in the selected
/// mailbox and in every personal one, and mailboxes created, deleted or renamed.
const NOTIFY_SET: &str = "NOTIFY SET (selected (MessageNew MessageExpunge FlagChange)) \
                          (personal (MessageNew MessageExpunge FlagChange MailboxName))";

/// What the server said during one [`Imap::idle`].
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Heard {
    /// News of the selected mailbox (EXISTS, EXPUNGE, FETCH, VANISHED, RECENT, ...).
    pub selected: bool,
    /// Mailboxes a `* STATUS` named (NOTIFY's word about a mailbox not selected), raw
    /// names, each once.
    pub mailboxes: Vec<Vec<u8>>,
    /// The folder list changed (NOTIFY's `* LIST` for a mailbox created, deleted or
    /// renamed).
    pub tree: bool,
    /// The server stopped notifying (`* OK [NOTIFICATIONOVERFLOW]`): what it did not
    /// tell is unknown, and NOTIFY must be set again.
    pub overflow: bool,
}

impl Heard {
    /// Whether anything was heard.
    pub fn any(&self) -> bool {
        self.selected || self.tree || self.overflow || !self.mailboxes.is_empty()
    }

    /// Takes one response in; `false` for one that says nothing (undecodable vendor
    /// data, a plain `* OK`).
    fn take(&mut self, r: &Response) -> bool {
        match r {
            Response::Data(Data::Undecodable(_)) => false,
            Response::Data(Data::Status(st)) => {
                if !self.mailboxes.contains(&st.mailbox) {
                    self.mailboxes.push(st.mailbox.clone());
                }
                true
            }
            Response::Data(Data::List(_)) => {
                self.tree = true;
                true
            }
            Response::Data(_) => {
                self.selected = true;
                true
            }
            Response::Status {
                tag: None,
                code: Some(Code::Other(c)),
                ..
            } if c.eq_ignore_ascii_case("NOTIFICATIONOVERFLOW") => {
                self.overflow = true;
                self.tree = true;
                true
            }
            _ => false,
        }
    }
}

impl Imap {
    /// NOTIFY SET for the selected and every personal mailbox. Used only where it
    /// tells everything a poll would: the server has NOTIFY and CONDSTORE is enabled on
    /// this connection (QRESYNC enabled at login), so a flag change in a mailbox not
    /// selected comes as `* STATUS (HIGHESTMODSEQ n)`. Returns what the server said
    /// during the command (news of the selected mailbox since it was selected is not
    /// lost), or `None` where NOTIFY is not used or the server refused it: the caller
    /// polls instead.
    pub async fn notify_set(&mut self) -> Result<Option<Heard>> {
        if !self.has("NOTIFY") || !self.qresync {
            return Ok(None);
        }
        match self.run_keeping(NOTIFY_SET, is_news_or_overflow).await {
            Ok((said, _)) => {
                let mut heard = Heard::default();
                for r in &said {
                    heard.take(r);
                }
                Ok(Some(heard))
            }
            Err(InternetError::Refused { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// IDLE on the selected mailbox for at most `max`: returns as soon as the server
    /// reports something (with NOTIFY set, also about other mailboxes), or when `max`
    /// passed quietly (nothing heard); either way ends the IDLE with DONE. What comes
    /// before the continuation and after DONE is heard too: none is lost.
    pub async fn idle(&mut self, max: Duration) -> Result<Heard> {
        let tag = self.send("IDLE", "IDLE").await?;
        let mut heard = Heard::default();
        loop {
            match self.read().await? {
                Response::Continue => break,
                Response::Status {
                    tag: Some(t), text, ..
                } if t == tag => return Err(self.refused("IDLE", text)),
                Response::Status {
                    tag: None,
                    cond: Cond::Bye,
                    text,
                    ..
                } => return Err(self.bye(text)),
                r => {
                    heard.take(&r);
                }
            }
        }
        let until = Instant::now() + max;
        while !heard.any() {
            match self.reader.read(&mut self.io, until).await {
                Err(ReadError::Timeout) => break,
                Err(ReadError::Io(e)) => return Err(self.broken(e)),
                Err(ReadError::Closed) => {
                    return Err(InternetError::Unreachable {
                        server: self.server.clone(),
                        detail: "the server closed the connection".into(),
                    });
                }
                Err(ReadError::Bad(what)) => return Err(self.protocol(what)),
                Ok(Response::Status {
                    tag: None,
                    cond: Cond::Bye,
                    text,
                    ..
                }) => return Err(self.bye(text)),
                Ok(r) => {
                    heard.take(&r);
                }
            }
        }
        self.write(b"DONE\r\n").await?;
        let (late, _) = self.finish(&tag, "IDLE", is_news_or_overflow).await?;
        for r in &late {
            heard.take(r);
        }
        Ok(heard)
    }
}

/// What [`Imap::idle`] keeps after DONE: news, and the overflow warning.
fn is_news_or_overflow(r: &Response) -> bool {
    is_news(r)
        || matches!(r, Response::Status { tag: None, code: Some(Code::Other(c)), .. }
            if c.eq_ignore_ascii_case("NOTIFICATIONOVERFLOW"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::ListEntry;
    use crate::imap::wire::StatusData;

    #[test]
    fn each_kind_of_response_is_heard_where_it_belongs() {
        let mut h = Heard::default();
        assert!(!h.take(&Response::Data(Data::Undecodable("* X".into()))));
        assert!(!h.any());
        let status = |name: &[u8]| {
            Response::Data(Data::Status(StatusData {
                mailbox: name.to_vec(),
                ..StatusData::default()
            }))
        };
        assert!(h.take(&status(b"Other")));
        assert!(h.take(&status(b"Other")));
        assert_eq!(h.mailboxes, vec![b"Other".to_vec()]);
        assert!(!h.selected && !h.tree);
        assert!(h.take(&Response::Data(Data::Exists(3))));
        assert!(h.selected);
        assert!(h.take(&Response::Data(Data::List(ListEntry {
            name: b"Neu".to_vec(),
            delimiter: Some(b'/'),
            attributes: Vec::new(),
        }))));
        assert!(h.tree && !h.overflow);
        let overflow = Response::Status {
            tag: None,
            cond: Cond::Ok,
            code: Some(Code::Other("NOTIFICATIONOVERFLOW".into())),
            text: String::new(),
        };
        assert!(is_news_or_overflow(&overflow));
        let mut h = Heard::default();
        assert!(h.take(&overflow));
        assert!(h.overflow && h.tree);
    }
}
