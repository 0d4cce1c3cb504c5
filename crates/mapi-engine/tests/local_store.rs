//! Real failure causes of the real local-store service through the engine (design.md §5):
//! a removed file, a damaged file, a newer schema, an exclusive lock held by another
//! session or another process. Each disables the service and the logon still succeeds.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use mapi_engine::{Answer, FailureChoice, Prompt, Session};
use mapi_types::{LogoffFlags, LogonFlags, Status, resource_type};

const NEW: LogonFlags = LogonFlags::MAPI_NEW_SESSION;

/// A profile "P" with a local store "Mail" and personal contacts "Contacts".
fn setup(fx: &Fixture, exclusive: bool) -> std::path::PathBuf {
    fx.profile("P", None);
    let store = fx.file("mail.db");
    fx.add_local_store("P", "Mail", &store, exclusive);
    fx.add_contacts("P", "Contacts", &fx.file("contacts.db"));
    assert!(
        store.exists(),
        "creating the service creates the store file"
    );
    store
}

/// The store service is disabled with `status`, its row says so, and the rest works.
fn assert_store_disabled(s: &Session, status: Status, path: &Path) {
    let d = s.disabled_services();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].display_name, "Mail");
    assert_eq!(d[0].service_name, "local-store");
    assert_eq!(d[0].status, status);
    assert!(
        d[0].reason.contains(&path.display().to_string()),
        "the reason names the file: {}",
        d[0].reason
    );
    let rows = service_rows(s, "Mail");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].resource_type, resource_type::MAPI_STORE_PROVIDER);
    assert!(rows[0].failed(), "{rows:?}");
    let name = status.name().unwrap();
    assert!(
        rows[0].text.as_deref().unwrap_or("").contains(name),
        "{rows:?}"
    );
    assert_eq!(status_of(s.default_store()), status);
    // The contacts service is up and usable.
    let c = service_rows(s, "Contacts");
    assert_eq!(c.len(), 1);
    assert!(c[0].available(), "{c:?}");
    let ab = s.address_book().unwrap();
    assert_eq!(ab.providers(), 1);
    assert_eq!(ab.warning(), Status::S_OK);
}

#[tokio::test]
async fn a_healthy_local_store_is_the_default_store() {
    let fx = Fixture::new();
    setup(&fx, false);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    let stores = store_rows(&s);
    assert_eq!(stores.len(), 1);
    assert_eq!(stores[0].0, "Mail");
    assert!(stores[0].1, "PR_DEFAULT_STORE");
    let store = s.default_store().unwrap();
    assert!(!store.folders().await.unwrap().is_empty());
    s.open_msg_store(&stores[0].2).unwrap();
    // subsystem, spooler, store, contacts
    assert_eq!(status_rows(&s).len(), 4);
    assert!(status_rows(&s).iter().all(StatusView::available));
    let ab = s.address_book().unwrap();
    ab.add_entry("Ann Example", "ann@example.org")
        .await
        .unwrap();
    assert_eq!(ab.resolve("Ann").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_removed_store_file_is_not_found() {
    let fx = Fixture::new();
    let path = setup(&fx, false);
    std::fs::remove_file(&path).unwrap();
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert_store_disabled(&s, Status::MAPI_E_NOT_FOUND, &path);
    assert!(!path.exists(), "logon must not recreate the file");
}

#[tokio::test]
async fn a_truncated_store_file_is_corrupt_data() {
    let fx = Fixture::new();
    let path = setup(&fx, false);
    truncate_half(&path);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert_store_disabled(&s, Status::MAPI_E_CORRUPT_DATA, &path);
}

#[tokio::test]
async fn a_garbage_store_file_is_corrupt_data() {
    let fx = Fixture::new();
    let path = setup(&fx, false);
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    std::fs::write(&path, vec![0x5Au8; len]).unwrap();
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert_store_disabled(&s, Status::MAPI_E_CORRUPT_DATA, &path);
}

#[tokio::test]
async fn a_store_from_a_newer_schema_is_version_and_is_left_alone() {
    let fx = Fixture::new();
    let path = setup(&fx, false);
    raise_user_version(&path, 99);
    let bytes = std::fs::read(&path).unwrap();
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert_store_disabled(&s, Status::MAPI_E_VERSION, &path);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[tokio::test]
async fn an_exclusive_store_held_by_another_session_is_session_limit() {
    let fx = Fixture::new();
    let path = setup(&fx, true);
    let holder = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert!(holder.disabled_services().is_empty());
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert_store_disabled(&s, Status::MAPI_E_SESSION_LIMIT, &path);
    // Once the holder logs off, the store opens again.
    holder.logoff(LogoffFlags::default()).await;
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    s.default_store().unwrap();
}

/// Ends the child process (this test's own, by its handle) however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn an_exclusive_store_held_by_another_process_is_session_limit() {
    let fx = Fixture::new();
    let path = setup(&fx, false);
    // Another process holds the store's session lock exclusively, as an exclusive
    // logon in that process would.
    let lock = mapi_provider_local::lock::lock_path(&path);
    // One process (sh, then sleep) owns the locked descriptor, so killing it frees the
    // lock; flock(1) only takes the lock on that descriptor and exits.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("exec 9>>\"$1\" && flock --exclusive 9 && echo locked && exec sleep 60")
        .arg("sh")
        .arg(&lock)
        .stdout(Stdio::piped())
        .spawn()
        .expect("sh and flock(1) from util-linux are needed for this test");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");

    let holder = KillOnDrop(child);

    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert_store_disabled(&s, Status::MAPI_E_SESSION_LIMIT, &path);
    drop(s);
    drop(holder);
    // The lock went with the process.
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
}

#[tokio::test]
async fn a_real_failure_with_ui_is_reported_once_and_disabled_when_the_retry_fails() {
    let fx = Fixture::new();
    let path = setup(&fx, false);
    std::fs::remove_file(&path).unwrap();
    // The retry sees the same cause; with UI the user is told once.
    let ui = scripted(vec![Answer::Choice(FailureChoice::Retry)]);
    let s = fx
        .logon(Some("P"), NEW | LogonFlags::MAPI_LOGON_UI, Some(ui.clone()))
        .await
        .unwrap();
    assert_eq!(
        ui.prompts(),
        [Prompt::Failed("Mail".into(), Status::MAPI_E_NOT_FOUND)]
    );
    assert_store_disabled(&s, Status::MAPI_E_NOT_FOUND, &path);
}

#[tokio::test]
async fn editing_a_wrong_path_at_the_failure_dialog_fixes_and_saves_it() {
    let fx = Fixture::new();
    let path = setup(&fx, false);
    let moved = fx.file("moved.db");
    std::fs::rename(&path, &moved).unwrap();
    let uid = fx
        .engine
        .with_store(|s| Ok(s.msg_service_table("P")?))
        .unwrap()
        .into_iter()
        .find(|i| i.display_name == "Mail")
        .unwrap()
        .uid;
    let moved_text = moved.display().to_string();
    let ui = scripted(vec![
        Answer::Choice(FailureChoice::Edit),
        settings_answer(&[("path", &moved_text)]),
    ]);
    let s = fx
        .logon(Some("P"), NEW | LogonFlags::MAPI_LOGON_UI, Some(ui.clone()))
        .await
        .unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    s.default_store().unwrap();
    assert_eq!(ui.prompts().len(), 2, "{:?}", ui.prompts());
    assert_eq!(fx.setting("P", uid, "path").as_deref(), Some(&*moved_text));
}

#[tokio::test]
async fn an_unconfigured_real_store_asks_for_its_path_and_saves_it() {
    let fx = Fixture::new();
    let path = setup(&fx, false);
    let uid = fx
        .engine
        .with_store(|s| Ok(s.msg_service_table("P")?))
        .unwrap()
        .into_iter()
        .find(|i| i.display_name == "Mail")
        .unwrap()
        .uid;
    // The path is removed from the profile (no UI, no service entry).
    let reg = fx.engine.registry().clone();
    fx.engine
        .with_store(|s| Ok(s.configure_msg_service(&reg, "P", uid, &pairs(&[("path", "")]))?))
        .unwrap();
    assert_eq!(fx.setting("P", uid, "path"), None);

    // Without UI: disabled as unconfigured.
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert_eq!(s.disabled_services().len(), 1);
    assert_eq!(s.disabled_services()[0].status, Status::MAPI_E_UNCONFIGURED);
    drop(s);

    // With UI: the path is asked for, the store comes up, the path is saved.
    let p = path.display().to_string();
    let ui = scripted(vec![settings_answer(&[("path", &p)])]);
    let s = fx
        .logon(Some("P"), NEW | LogonFlags::MAPI_LOGON_UI, Some(ui.clone()))
        .await
        .unwrap();
    assert_eq!(
        ui.prompts(),
        [Prompt::Settings("Mail".into(), vec!["path".into()])]
    );
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    s.default_store().unwrap();
    assert_eq!(fx.setting("P", uid, "path").as_deref(), Some(p.as_str()));
}
