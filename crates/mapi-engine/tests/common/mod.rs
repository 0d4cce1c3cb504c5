//! Shared parts of the engine's scenario tests: a MAPI home in a temporary directory with
//! test services registered through a real `mapisvc.toml`, a scriptable test message
//! service for provider return codes that have no real cause, the real local-store and
//! contacts services, UIs that record or block, and readers for the session's tables and
//! for the profile file.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mapi_engine::{
    Answer, Engine, EngineConfig, FailureChoice, LogonRequest, LogonUi, Prompt, PromptField,
    Session,
};
use mapi_spi::{
    AddressBook, EntryId, FolderKind, MessageService, MsgStore, OutgoingMessage, ProviderCatalog,
    ProviderError, ProviderResult, StatusRow, Support, Transport, async_trait,
};
use mapi_test_support::ScriptedUi;
use mapi_types::{
    LogonFlags, MapiStatus, MapiUid, PropValue, ProviderLogonFlags, Row, Status, StatusCode, Table,
    tags,
};

/// The names of the scriptable test services registered in every fixture.
pub const TEST_SERVICES: [&str; 3] = ["test-a", "test-b", "test-c"];

/// One registry entry per test service: a store, an address book and a transport, and two
/// optional string settings (`server`, `note`).
fn test_registry() -> String {
    let mut out = String::new();
    for name in TEST_SERVICES {
        out.push_str(&format!(
            r#"
[[service]]
name = "{name}"
display_name = "Test service {name}"
flags = "SERVICE_NO_PRIMARY_IDENTITY"

[[service.provider]]
name = "{name}.ab"
display_name = "{name} address book"
resource_type = "MAPI_AB_PROVIDER"
flags = "STATUS_NO_PRIMARY_IDENTITY"

[[service.provider]]
name = "{name}.store"
display_name = "{name} store"
resource_type = "MAPI_STORE_PROVIDER"
flags = "STATUS_NO_PRIMARY_IDENTITY"

[[service.provider]]
name = "{name}.xp"
display_name = "{name} transport"
resource_type = "MAPI_TRANSPORT_PROVIDER"
flags = "STATUS_NO_PRIMARY_IDENTITY"

[[service.setting]]
key = "server"
tag = "0x6620001F"
type = "string"
label = "Server"

[[service.setting]]
key = "note"
tag = "0x6621001F"
type = "string"
label = "Note"
"#
        ));
    }
    out
}

/// Which provider of a test service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Ab,
    Store,
    Xp,
}

/// What a test transport runs on each message it is handed.
pub type SubmitHook = Box<dyn Fn(&OutgoingMessage) + Send + Sync>;

/// What a test service is told to do and what it saw.
#[derive(Default)]
pub struct Probe {
    /// Failures to return, in order, per provider (then success).
    script: Mutex<BTreeMap<Kind, VecDeque<Status>>>,
    /// A failure returned on every logon of that provider.
    always: Mutex<BTreeMap<Kind, Status>>,
    /// Whether logon needs the `server` setting (`MAPI_E_UNCONFIGURED` when absent).
    needs_server: Mutex<bool>,
    /// When set, logon fails with `MAPI_E_NETWORK_ERROR` unless `server` equals it.
    good_server: Mutex<Option<String>>,
    attempts: Mutex<BTreeMap<Kind, u32>>,
    logon_flags: Mutex<Vec<LogonFlags>>,
    provider_flags: Mutex<Vec<ProviderLogonFlags>>,
    servers_seen: Mutex<Vec<Option<String>>>,
    submitted: Mutex<Vec<OutgoingMessage>>,
    /// Called by the transport with each message before it is accepted.
    on_submit: Mutex<Option<SubmitHook>>,
    logoffs: AtomicU32,
}

impl Probe {
    /// Fails the next logons of `kind` with these statuses, one each.
    pub fn fail_next(&self, kind: Kind, statuses: &[Status]) {
        self.script
            .lock()
            .unwrap()
            .entry(kind)
            .or_default()
            .extend(statuses.iter().copied());
    }

    /// Fails every logon of `kind` with `status`.
    pub fn fail_always(&self, kind: Kind, status: Status) {
        self.always.lock().unwrap().insert(kind, status);
    }

    /// Logon returns `MAPI_E_UNCONFIGURED` (missing `server`) while `server` is unset.
    pub fn require_server(&self) {
        *self.needs_server.lock().unwrap() = true;
    }

    /// Logon fails with `MAPI_E_NETWORK_ERROR` unless `server` is `good`.
    pub fn only_reach(&self, good: &str) {
        *self.good_server.lock().unwrap() = Some(good.to_string());
    }

    /// Logon attempts of one provider.
    pub fn attempts(&self, kind: Kind) -> u32 {
        self.attempts
            .lock()
            .unwrap()
            .get(&kind)
            .copied()
            .unwrap_or(0)
    }

    /// Logon attempts of every provider together.
    pub fn total_attempts(&self) -> u32 {
        self.attempts.lock().unwrap().values().sum()
    }

    /// The client's logon flags each provider logon received.
    pub fn logon_flags(&self) -> Vec<LogonFlags> {
        self.logon_flags.lock().unwrap().clone()
    }

    /// The provider-logon flags each provider logon received.
    pub fn provider_flags(&self) -> Vec<ProviderLogonFlags> {
        self.provider_flags.lock().unwrap().clone()
    }

    /// The `server` setting each provider logon saw.
    pub fn servers_seen(&self) -> Vec<Option<String>> {
        self.servers_seen.lock().unwrap().clone()
    }

    /// Runs `hook` on each message the transport is handed, before accepting it.
    pub fn on_submit(&self, hook: SubmitHook) {
        *self.on_submit.lock().unwrap() = Some(hook);
    }

    /// Messages the transport accepted.
    pub fn submitted(&self) -> Vec<OutgoingMessage> {
        self.submitted.lock().unwrap().clone()
    }

    /// How many provider objects were logged off.
    pub fn logoffs(&self) -> u32 {
        self.logoffs.load(Ordering::SeqCst)
    }

    fn logon(&self, kind: Kind, support: &dyn Support) -> ProviderResult<()> {
        *self.attempts.lock().unwrap().entry(kind).or_default() += 1;
        self.logon_flags.lock().unwrap().push(support.logon_flags());
        self.provider_flags
            .lock()
            .unwrap()
            .push(support.provider_flags());
        let server = support.settings().str("server").map(str::to_string);
        self.servers_seen.lock().unwrap().push(server.clone());
        if *self.needs_server.lock().unwrap() && server.is_none() {
            return Err(ProviderError::unconfigured(vec!["server".into()]));
        }
        let scripted = self
            .script
            .lock()
            .unwrap()
            .get_mut(&kind)
            .and_then(VecDeque::pop_front);
        let always = self.always.lock().unwrap().get(&kind).copied();
        if let Some(status) = scripted.or(always) {
            return Err(ProviderError::new(
                status,
                format!("test {kind:?} provider was told to fail"),
            ));
        }
        if let Some(good) = self.good_server.lock().unwrap().as_deref()
            && server.as_deref() != Some(good)
        {
            return Err(ProviderError::new(
                Status::MAPI_E_NETWORK_ERROR,
                format!(
                    "cannot reach server {}",
                    server.as_deref().unwrap_or("(none)")
                ),
            ));
        }
        support.modify_status_row(StatusRow {
            code: StatusCode::STATUS_AVAILABLE,
            text: Some(format!("{kind:?} up")),
            identity: None,
        });
        Ok(())
    }
}

/// A scriptable message service with a store, an address book and a transport.
pub struct TestService {
    name: String,
    probe: Arc<Probe>,
}

struct TestObject {
    probe: Arc<Probe>,
    name: String,
}

#[async_trait]
impl MessageService for TestService {
    fn name(&self) -> &str {
        &self.name
    }

    async fn store_logon(&self, support: Arc<dyn Support>) -> ProviderResult<Arc<dyn MsgStore>> {
        self.probe.logon(Kind::Store, support.as_ref())?;
        Ok(Arc::new(TestObject {
            probe: self.probe.clone(),
            name: support.display_name().to_string(),
        }))
    }

    async fn ab_logon(&self, support: Arc<dyn Support>) -> ProviderResult<Arc<dyn AddressBook>> {
        self.probe.logon(Kind::Ab, support.as_ref())?;
        Ok(Arc::new(TestObject {
            probe: self.probe.clone(),
            name: support.display_name().to_string(),
        }))
    }

    async fn transport_logon(
        &self,
        support: Arc<dyn Support>,
    ) -> ProviderResult<Arc<dyn Transport>> {
        self.probe.logon(Kind::Xp, support.as_ref())?;
        Ok(Arc::new(TestObject {
            probe: self.probe.clone(),
            name: support.display_name().to_string(),
        }))
    }
}

fn unsupported<T>() -> ProviderResult<T> {
    Err(ProviderError::no_support(
        "the test store keeps no messages",
    ))
}

#[async_trait]
impl MsgStore for TestObject {
    fn properties(&self) -> Row {
        let mut r = Row::default();
        r.set(tags::PR_DISPLAY_NAME, PropValue::Unicode(self.name.clone()));
        r
    }
    async fn folders(&self) -> ProviderResult<Vec<Row>> {
        Ok(Vec::new())
    }
    async fn folder(&self, _kind: FolderKind) -> ProviderResult<EntryId> {
        unsupported()
    }
    async fn contents(&self, _folder: &[u8]) -> ProviderResult<Table> {
        unsupported()
    }
    async fn read_message(&self, _entry: &[u8]) -> ProviderResult<Row> {
        unsupported()
    }
    async fn read_raw(&self, _entry: &[u8]) -> ProviderResult<Vec<u8>> {
        unsupported()
    }
    async fn import_raw(
        &self,
        _folder: &[u8],
        _messages: Vec<Vec<u8>>,
    ) -> ProviderResult<Vec<EntryId>> {
        unsupported()
    }
    async fn delete_message(&self, _entry: &[u8]) -> ProviderResult<()> {
        unsupported()
    }
    async fn move_message(&self, _entry: &[u8], _folder: &[u8]) -> ProviderResult<EntryId> {
        unsupported()
    }
    async fn logoff(&self) {
        self.probe.logoffs.fetch_add(1, Ordering::SeqCst);
    }
}

/// The entry id of the test address book's distribution list.
pub const TEST_DL_ENTRY: &[u8] = b"TESTDL01";

#[async_trait]
impl AddressBook for TestObject {
    fn properties(&self) -> Row {
        Row::default()
    }
    /// One distribution list, "Team" (what the contacts provider cannot hold).
    async fn entries(&self) -> ProviderResult<Table> {
        let mut dl = Row::default();
        dl.set(tags::PR_ENTRYID, PropValue::Binary(TEST_DL_ENTRY.to_vec()));
        dl.set(tags::PR_DISPLAY_NAME, PropValue::Unicode("Team".into()));
        dl.set(tags::PR_ADDRTYPE, PropValue::Unicode("MAPIPDL".into()));
        dl.set(
            tags::PR_OBJECT_TYPE,
            PropValue::Long(mapi_types::object_type::MAPI_DISTLIST as i32),
        );
        Ok(Table::new(vec![tags::PR_DISPLAY_NAME], vec![dl]))
    }
    async fn resolve(&self, prefix: &str) -> ProviderResult<Vec<Row>> {
        let p = prefix.to_lowercase();
        Ok(self
            .entries()
            .await?
            .full_rows()
            .into_iter()
            .filter(|r| {
                r.str(tags::PR_DISPLAY_NAME)
                    .is_some_and(|n| n.to_lowercase().starts_with(&p))
            })
            .cloned()
            .collect())
    }
    async fn add_entry(&self, _display_name: &str, _email: &str) -> ProviderResult<EntryId> {
        unsupported()
    }
    async fn logoff(&self) {
        self.probe.logoffs.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl Transport for TestObject {
    fn address_types(&self) -> Vec<String> {
        vec!["SMTP".into()]
    }
    async fn submit(&self, message: &OutgoingMessage) -> ProviderResult<()> {
        if let Some(hook) = self.probe.on_submit.lock().unwrap().as_ref() {
            hook(message);
        }
        self.probe.submitted.lock().unwrap().push(message.clone());
        Ok(())
    }
    async fn logoff(&self) {
        self.probe.logoffs.fetch_add(1, Ordering::SeqCst);
    }
}

/// A MAPI home in a temporary directory and an initialized engine over it.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
    probes: BTreeMap<String, Arc<Probe>>,
}

/// Short timings for tests: 300 ms short timeout, 10 ms retry back-off.
pub fn test_config(home: &Path) -> EngineConfig {
    let mut c = EngineConfig::new(home);
    c.short_timeout = Duration::from_millis(300);
    c.retry_backoff = Duration::from_millis(10);
    c.provider_timeout = Duration::from_secs(5);
    c.provider_timeout_short = Duration::from_secs(1);
    c
}

impl Fixture {
    /// A fresh home with the test services registered, and an initialized engine.
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let fx = Fixture::in_dir(dir);
        fx.engine.initialize().unwrap();
        fx
    }

    /// The same, not yet initialized.
    pub fn uninitialized() -> Fixture {
        Fixture::in_dir(tempfile::tempdir().unwrap())
    }

    fn in_dir(dir: tempfile::TempDir) -> Fixture {
        std::fs::write(dir.path().join("mapisvc.toml"), test_registry()).unwrap();
        let mut catalog = ProviderCatalog::new();
        mapi_provider_local::register(&mut catalog);
        mapi_provider_internet::register(&mut catalog);
        let mut probes = BTreeMap::new();
        for name in TEST_SERVICES {
            let probe = Arc::new(Probe::default());
            catalog.register(Arc::new(TestService {
                name: name.to_string(),
                probe: probe.clone(),
            }));
            probes.insert(name.to_string(), probe);
        }
        let engine = Engine::new(test_config(dir.path()), catalog).unwrap();
        Fixture {
            dir,
            engine,
            probes,
        }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// A path in the home for a data file.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The probe of a test service.
    pub fn probe(&self, service: &str) -> Arc<Probe> {
        self.probes[service].clone()
    }

    /// Creates a profile, optionally with a password.
    pub fn profile(&self, name: &str, password: Option<&str>) {
        self.engine
            .with_store(|s| Ok(s.create_profile(name, password).map(|_| ())?))
            .unwrap();
    }

    /// Makes a profile the default.
    pub fn set_default(&self, name: &str) {
        self.engine
            .with_store(|s| Ok(s.set_default_profile(Some(name))?))
            .unwrap();
    }

    /// Adds a test service to a profile.
    pub fn add_test(&self, profile: &str, service: &str, settings: &[(&str, &str)]) -> MapiUid {
        self.engine
            .create_service(profile, service, Some(service), &pairs(settings))
            .unwrap()
    }

    /// Adds a real local store (its file is created) to a profile.
    pub fn add_local_store(
        &self,
        profile: &str,
        display: &str,
        path: &Path,
        exclusive: bool,
    ) -> MapiUid {
        let p = path.display().to_string();
        let settings = [
            ("path", p.as_str()),
            ("display_name", display),
            ("exclusive", if exclusive { "true" } else { "false" }),
        ];
        self.engine
            .create_service(profile, "local-store", Some(display), &pairs(&settings))
            .unwrap()
    }

    /// Adds real personal contacts (its file is created) to a profile.
    pub fn add_contacts(&self, profile: &str, display: &str, path: &Path) -> MapiUid {
        let p = path.display().to_string();
        self.engine
            .create_service(profile, "contacts", Some(display), &pairs(&[("path", &p)]))
            .unwrap()
    }

    /// The stored value of a service setting, as text.
    pub fn setting(&self, profile: &str, uid: MapiUid, key: &str) -> Option<String> {
        let (cfg, _) = self.engine.service_settings(profile, uid).unwrap();
        cfg.settings
            .iter()
            .find(|s| s.def.key == key && !s.is_default)
            .and_then(|s| s.value.as_ref())
            .and_then(|v| v.as_str().map(str::to_string))
    }

    /// Logs on.
    pub async fn logon(
        &self,
        profile: Option<&str>,
        flags: LogonFlags,
        ui: Option<Arc<dyn LogonUi>>,
    ) -> mapi_engine::Result<Session> {
        let mut req = LogonRequest::new(profile, flags);
        if let Some(ui) = ui {
            req = req.ui(ui);
        }
        self.engine.logon(req).await
    }

    /// Every row of every table of profiles.db, read through a separate connection.
    pub fn dump_profiles_db(&self) -> Vec<String> {
        dump_db(&self.home().join(mapi_profile::PROFILES_DB))
    }
}

/// (key, value) pairs as owned strings.
pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A scripted UI, kept as the concrete type so the test can read its prompts.
pub fn scripted(answers: Vec<Answer>) -> Arc<ScriptedUi> {
    Arc::new(ScriptedUi::new(answers))
}

/// Settings answer.
pub fn settings_answer(p: &[(&str, &str)]) -> Answer {
    Answer::Settings(pairs(p))
}

/// Text answer (a profile name or a password).
pub fn text(t: &str) -> Answer {
    Answer::Text(t.to_string())
}

/// The status of a failed call.
pub fn status_of<T>(r: mapi_engine::Result<T>) -> Status {
    match r {
        Ok(_) => panic!("expected a failure"),
        Err(e) => e.status(),
    }
}

/// The error of a failed call.
pub fn error_of<T>(r: mapi_engine::Result<T>) -> mapi_engine::EngineError {
    match r {
        Ok(_) => panic!("expected a failure"),
        Err(e) => e,
    }
}

/// One status-table row, reduced to what the tests look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusView {
    pub display: String,
    pub provider: String,
    pub resource_type: u32,
    pub code: u32,
    pub text: Option<String>,
}

impl StatusView {
    pub fn failed(&self) -> bool {
        self.code & StatusCode::STATUS_FAILURE.0 != 0
    }
    pub fn available(&self) -> bool {
        self.code & StatusCode::STATUS_AVAILABLE.0 != 0 && !self.failed()
    }
}

/// The session's status table.
pub fn status_rows(s: &Session) -> Vec<StatusView> {
    let t = s.status_table().unwrap();
    t.full_rows()
        .into_iter()
        .map(|r| StatusView {
            display: r.str(tags::PR_DISPLAY_NAME).unwrap_or("").to_string(),
            provider: r.str(tags::PR_PROVIDER_DISPLAY).unwrap_or("").to_string(),
            resource_type: r.int(tags::PR_RESOURCE_TYPE).unwrap() as u32,
            code: r.int(tags::PR_STATUS_CODE).unwrap() as u32,
            text: r.str(tags::PR_STATUS_STRING).map(str::to_string),
        })
        .collect()
}

/// The status rows of one service's providers (by service display name).
pub fn service_rows(s: &Session, display: &str) -> Vec<StatusView> {
    status_rows(s)
        .into_iter()
        .filter(|r| r.display == display)
        .collect()
}

/// The status row of a resource type (the first one).
pub fn row_of_type(s: &Session, rt: u32) -> Option<StatusView> {
    status_rows(s).into_iter().find(|r| r.resource_type == rt)
}

/// The store table as (display name, default?, entry id).
pub fn store_rows(s: &Session) -> Vec<(String, bool, Vec<u8>)> {
    let t = s.store_table().unwrap();
    t.full_rows()
        .into_iter()
        .map(|r| {
            let entry = match r.get(tags::PR_ENTRYID) {
                Some(PropValue::Binary(b)) => b.clone(),
                other => panic!("store row without a binary PR_ENTRYID: {other:?}"),
            };
            (
                r.str(tags::PR_DISPLAY_NAME).unwrap_or("").to_string(),
                r.get(tags::PR_DEFAULT_STORE).and_then(PropValue::as_bool) == Some(true),
                entry,
            )
        })
        .collect()
}

/// Every row of every table of an SQLite file, rendered and sorted, for before/after
/// comparisons.
pub fn dump_db(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap();
    let mut out = Vec::new();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    out.push(format!("user_version={version}"));
    let tables: Vec<String> = {
        let mut st = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(!tables.is_empty(), "profiles.db has no tables");
    for t in tables {
        let mut st = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = st.column_count();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                let mut cells = Vec::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    cells.push(format!("{v:?}"));
                }
                Ok(format!("{t}: {}", cells.join(" | ")))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.push(format!("{t}: {} rows", rows.len()));
        out.extend(rows);
    }
    out
}

/// The prompts a scripted UI saw, without the profile list details.
pub fn prompts(ui: &ScriptedUi) -> Vec<Prompt> {
    ui.prompts()
}

/// A UI that records, at each settings prompt, how many provider logons the given probes
/// had seen so far (to check SERVICE_UI_ALWAYS prompts come before any logon).
pub struct ObservingUi {
    pub inner: ScriptedUi,
    pub probes: Vec<Arc<Probe>>,
    pub attempts_at_prompt: Mutex<Vec<u32>>,
}

#[async_trait]
impl LogonUi for ObservingUi {
    async fn choose_profile(&self, profiles: &[String], preselect: Option<&str>) -> Option<String> {
        self.inner.choose_profile(profiles, preselect).await
    }
    async fn password(&self, profile: &str, attempt: u32) -> Option<String> {
        self.inner.password(profile, attempt).await
    }
    async fn service_settings(
        &self,
        service: &str,
        reason: &str,
        fields: &[PromptField],
    ) -> Option<Vec<(String, String)>> {
        let total = self.probes.iter().map(|p| p.total_attempts()).sum();
        self.attempts_at_prompt.lock().unwrap().push(total);
        self.inner.service_settings(service, reason, fields).await
    }
    async fn service_failed(&self, service: &str, status: Status, reason: &str) -> FailureChoice {
        self.inner.service_failed(service, status, reason).await
    }
}

/// A UI whose profile chooser blocks until released (to hold the logon mutex).
pub struct GateUi {
    pub answer: String,
    pub entered: tokio::sync::Notify,
    pub release: tokio::sync::Notify,
}

impl GateUi {
    pub fn new(answer: &str) -> Arc<GateUi> {
        Arc::new(GateUi {
            answer: answer.to_string(),
            entered: tokio::sync::Notify::new(),
            release: tokio::sync::Notify::new(),
        })
    }
}

#[async_trait]
impl LogonUi for GateUi {
    async fn choose_profile(&self, _: &[String], _: Option<&str>) -> Option<String> {
        self.entered.notify_one();
        self.release.notified().await;
        Some(self.answer.clone())
    }
    async fn password(&self, _: &str, _: u32) -> Option<String> {
        None
    }
    async fn service_settings(
        &self,
        _: &str,
        _: &str,
        _: &[PromptField],
    ) -> Option<Vec<(String, String)>> {
        None
    }
    async fn service_failed(&self, _: &str, _: Status, _: &str) -> FailureChoice {
        FailureChoice::Cancel
    }
}

/// Raises the `user_version` of an SQLite file (a file from a newer schema).
pub fn raise_user_version(path: &Path, to: i64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "user_version", to).unwrap();
}

/// Cuts a file to half its length.
pub fn truncate_half(path: &Path) {
    let len = std::fs::metadata(path).unwrap().len();
    assert!(len > 0);
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_len(len / 2).unwrap();
}
