//! The session's address book for daemon clients: `OpenAddressBook`, `OpenEntry`,
//! `ResolveName` / `ResolveNames` and `CreateEntry`, answered by the engine's merged
//! address book. Objects opened become property-object handles of the session handle
//! (no store: their store entry id is empty).

use std::sync::Arc;

use mapi_engine::OpenedEntry;
use mapi_proto::{AbOp, AbReply, ResponseBody};

use crate::conn::ConnState;
use crate::error::Result;
use crate::objects::Held;

/// Answers an `AddressBook` request.
pub(crate) async fn answer(conn: &Arc<ConnState>, session: u64, op: AbOp) -> Result<ResponseBody> {
    let h = conn.handle(session)?;
    let s = h.live()?;
    let book = s.address_book()?;
    let reply = match op {
        AbOp::Open => AbReply::Opened {
            warning: book.warning(),
        },
        AbOp::OpenEntry { entry_id, flags } => {
            let object = book.open_entry(&entry_id, flags).await?;
            hold(&h.objects, object)?
        }
        AbOp::ResolveName {
            container,
            flags,
            entries,
        } => {
            let r = match container {
                None => book.resolve_name(flags, entries).await?,
                Some(c) => book.resolve_names(&c, flags, entries).await?,
            };
            AbReply::Resolved {
                status: r.status,
                entries: r.rows,
                flags: r.flags,
            }
        }
        AbOp::CreateEntry {
            container,
            template,
            flags,
        } => {
            let object = book.create_entry(&container, &template, flags)?;
            hold(&h.objects, object)?
        }
    };
    Ok(ResponseBody::AddressBook(reply))
}

fn hold(objs: &crate::objects::Objects, object: Arc<dyn mapi_spi::PropObject>) -> Result<AbReply> {
    let object_type = object.object_type();
    let object = objs.add(Held::Object(OpenedEntry {
        store: Vec::new(),
        object,
    }))?;
    Ok(AbReply::Object {
        object,
        object_type,
    })
}
