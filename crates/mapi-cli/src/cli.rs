//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// mapi: MAPI profiles, message services, logon and sessions.
#[derive(Parser, Debug)]
#[command(name = "mapi", version, about, propagate_version = true)]
pub struct Cli {
    /// The MAPI home (default: $MAPI_HOME, else the XDG data dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// The profile store: a `postgres://` URL or a SQLite file (default:
    /// $MAPI_PROFILE_STORE, else `store.toml` in the home, else the home's profiles.db).
    /// Every command uses it; a daemon a logon starts gets it, and a running daemon
    /// serving another store is refused (MAPI_E_NO_ACCESS).
    #[arg(long, global = true, value_name = "URL")]
    pub profile_store: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Profiles: create, list, show, delete, copy, rename, default.
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Message services of a profile, and the catalogue of installable ones.
    #[command(subcommand)]
    Service(ServiceCmd),
    /// Providers of a profile.
    #[command(subcommand)]
    Provider(ProviderCmd),
    /// Log on (MAPILogonEx), print the status and store tables, log off.
    Logon {
        #[command(flatten)]
        logon: LogonArgs,
        /// With MAPI_ALLOW_OTHERS: leave the shared session alive in the MAPI daemon.
        #[arg(long)]
        keep: bool,
    },
    /// Log off the shared session in the MAPI daemon (MAPI_LOGOFF_SHARED).
    Logoff {
        /// End the shared session for every client.
        #[arg(long, required = true)]
        shared: bool,
    },
    /// The MAPI daemon's live sessions.
    Sessions,
    /// The per-user MAPI daemon (mapid) that hosts shared sessions.
    #[command(subcommand)]
    Daemon(DaemonCmd),
    /// The default store of a logon: folders, contents, import, show.
    #[command(subcommand)]
    Store(StoreCmd),
    /// Send a message through the session's transport (copied to Sent Items).
    Send(SendArgs),
    /// The profile store: status, migrate, export, import.
    #[command(subcommand)]
    ProfileStore(ProfileStoreCmd),
    /// Print the default store's notifications as they happen (fnevNewMail,
    /// fnevObjectCreated, TABLE_ROW_ADDED, ...) until Ctrl-C or the session ends; one
    /// JSON object per line with --json.
    Watch {
        /// Watch this folder (its events and its contents table's rows) instead of the
        /// whole store.
        #[arg(long, value_name = "NAME")]
        folder: Option<String>,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Make the embedded `Default` profile (local store + contacts) when absent and log
    /// on to it.
    Quickstart,
}

/// Who answers logon prompts.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UiChoice {
    /// Nobody: UI flags behave as if unset.
    None,
    /// The terminal.
    Terminal,
}

/// The logon options (`mapi logon` and every `mapi store` command).
#[derive(Args, Debug, Clone)]
pub struct LogonArgs {
    /// Profile name (MAPILogonEx lpszProfileName).
    #[arg(long)]
    pub profile: Option<String>,
    /// Read the profile password from standard input (first line).
    #[arg(long)]
    pub password_stdin: bool,
    /// MAPI logon flags, verbatim: e.g. USE_DEFAULT|LOGON_UI, MAPI_NEW_SESSION, 0x1009.
    #[arg(long, value_name = "LIST", default_value = "")]
    pub flags: String,
    /// Who answers UI prompts (default: terminal when stdin is a terminal, else none).
    #[arg(long, value_enum)]
    pub ui: Option<UiChoice>,
}

/// `mapi store ...`
#[derive(Subcommand, Debug)]
pub enum StoreCmd {
    /// List the folder tree of the default store.
    Folders {
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// List a folder's messages, newest first (or as --sort says).
    ///
    /// --where takes conditions on the listed columns (entry_id, subject, from, to,
    /// size, delivery_time, unread): `~` (substring, case ignored), `=`, `!=`, `<`, `>`,
    /// the word `unread`, joined with and / or / not and parentheses; values with
    /// spaces in double quotes. Example: 'subject~invoice and unread and size>10000'.
    Ls {
        /// Folder name (default: Inbox).
        #[arg(default_value = "Inbox")]
        folder: String,
        /// Sort by these columns, comma-separated; a trailing `-` sorts descending
        /// (e.g. `delivery_time-`, `from,size-`).
        #[arg(long, value_name = "COL")]
        sort: Option<String>,
        /// Only messages matching this expression (see above).
        #[arg(long = "where", value_name = "EXPR")]
        where_: Option<String>,
        /// Show at most this many messages.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Skip this many messages first.
        #[arg(long, value_name = "N", default_value_t = 0)]
        offset: usize,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Import RFC 5322 .eml files (or directories of them) into a folder.
    Import {
        /// Files or directories.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Folder name (default: Inbox).
        #[arg(long, default_value = "Inbox")]
        folder: String,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Show one message by its entry id (from `store ls`).
    Show {
        /// The message's entry id, in hex.
        entry_id: String,
        /// Print the RFC 5322 message as stored.
        #[arg(long)]
        raw: bool,
        /// List the message's attachments (number, name, type, size) instead.
        #[arg(long, conflicts_with = "raw")]
        attachments: bool,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Show the properties of a message, folder or store by its entry id (GetProps):
    /// every property, or the ones named by --tag. A property the object lacks shows
    /// its error (MAPI_E_NOT_FOUND), as does one too large to return whole.
    Props {
        /// The object's entry id, in hex (a message's from `store ls`, a folder's from
        /// `store folders --json`).
        entry_id: String,
        /// Only this property tag, as 8 hex digits (e.g. 0x0037001F, PR_SUBJECT);
        /// repeatable.
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Make a folder (CreateFolder) under --parent (default: the top of the store).
    /// A name already there is MAPI_E_COLLISION.
    Mkdir {
        /// The new folder's name.
        name: String,
        /// The folder to make it in, by name as `store ls` takes it.
        #[arg(long, value_name = "FOLDER")]
        parent: Option<String>,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Delete a folder (DeleteFolder). One holding messages or subfolders is refused
    /// (MAPI_E_HAS_MESSAGES / MAPI_E_HAS_FOLDERS) unless --force; the Inbox, Outbox,
    /// Sent Items and Deleted Items are never deleted (MAPI_E_NO_ACCESS).
    Rmdir {
        /// The folder, by name as `store ls` takes it.
        name: String,
        /// Delete its messages and subfolders with it (DEL_MESSAGES | DEL_FOLDERS).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Move messages to a folder (CopyMessages with MESSAGE_MOVE); prints each one's
    /// new entry id. Entry ids not in the store are reported
    /// (MAPI_W_PARTIAL_COMPLETION) and the others moved; when none is found,
    /// MAPI_E_NOT_FOUND and nothing changes.
    Mv {
        /// The messages' entry ids, in hex (from `store ls`), then the folder.
        #[arg(required = true, num_args = 1.., value_name = "ENTRY_ID")]
        entry_ids: Vec<String>,
        /// The destination folder, by name as `store ls` takes it.
        folder: String,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Delete messages (DeleteMessages); unknown entry ids as for `mv`.
    Rm {
        /// The messages' entry ids, in hex (from `store ls`).
        #[arg(required = true, value_name = "ENTRY_ID")]
        entry_ids: Vec<String>,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Mark messages read or unread (SetReadFlags); unknown entry ids as for `mv`.
    #[command(group = clap::ArgGroup::new("state").required(true).args(["read", "unread"]))]
    Flag {
        /// The messages' entry ids, in hex (from `store ls`).
        #[arg(required = true, value_name = "ENTRY_ID")]
        entry_ids: Vec<String>,
        /// Mark them read.
        #[arg(long)]
        read: bool,
        /// Mark them unread (CLEAR_READ_FLAG).
        #[arg(long)]
        unread: bool,
        #[command(flatten)]
        logon: LogonArgs,
    },
    /// Save one attachment of a message to a file (numbers from `show --attachments`,
    /// counted from 0 as PR_ATTACH_NUM is).
    SaveAttachment {
        /// The message's entry id, in hex.
        entry_id: String,
        /// The attachment's number.
        num: usize,
        /// Where to write it (replaced if it exists).
        file: std::path::PathBuf,
        #[command(flatten)]
        logon: LogonArgs,
    },
}

/// `mapi profile ...`
#[derive(Subcommand, Debug)]
pub enum ProfileCmd {
    /// Create a profile.
    Create {
        /// Profile name (1-64 characters).
        name: String,
        /// Make it the default profile.
        #[arg(long)]
        default: bool,
        /// Read a profile password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List profiles.
    List,
    /// Show a profile with its services and providers.
    Show {
        /// Profile name.
        name: String,
    },
    /// Delete a profile.
    Delete {
        /// Profile name.
        name: String,
    },
    /// Copy a profile with its services and settings.
    Copy {
        /// Source profile.
        from: String,
        /// New profile name.
        to: String,
        /// Read the source profile's password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Rename a profile.
    Rename {
        /// Current name.
        from: String,
        /// New name.
        to: String,
        /// Read the profile's password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set (or with --clear, clear) the default profile.
    Default(DefaultArgs),
}

/// `mapi profile default NAME | --clear`
#[derive(Args, Debug)]
pub struct DefaultArgs {
    /// Profile to make the default.
    #[arg(required_unless_present = "clear", conflicts_with = "clear")]
    pub name: Option<String>,
    /// Clear the default profile.
    #[arg(long)]
    pub clear: bool,
}

/// `mapi service ...`
#[derive(Subcommand, Debug)]
pub enum ServiceCmd {
    /// List the installable message services and their settings.
    Catalog,
    /// Add a message service to a profile; prints the new service UID.
    Add {
        /// Profile name.
        profile: String,
        /// Service name from `mapi service catalog`.
        service: String,
        /// A setting, KEY=VALUE (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Display name of this service instance.
        #[arg(long)]
        display_name: Option<String>,
        /// Read the profile's password from standard input (needed to store secret
        /// settings of a profile that has a password: they are encrypted with it).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List a profile's message services with their settings.
    List {
        /// Profile name.
        profile: String,
    },
    /// Change settings of a service (KEY= with no value removes a setting).
    Configure {
        /// Profile name.
        profile: String,
        /// Service UID (from `service list`).
        uid: String,
        /// A setting, KEY=VALUE (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE", required = true)]
        set: Vec<String>,
        /// Read the profile's password from standard input (for secret settings).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a service from a profile.
    Remove {
        /// Profile name.
        profile: String,
        /// Service UID.
        uid: String,
    },
}

/// `mapi provider ...`
#[derive(Subcommand, Debug)]
pub enum ProviderCmd {
    /// List a profile's providers in provider order.
    List {
        /// Profile name.
        profile: String,
    },
}

/// `mapi send`
#[derive(Args, Debug)]
pub struct SendArgs {
    /// A recipient (repeatable).
    #[arg(long)]
    pub to: Vec<String>,
    /// A Cc recipient (repeatable).
    #[arg(long)]
    pub cc: Vec<String>,
    /// A Bcc recipient (repeatable).
    #[arg(long)]
    pub bcc: Vec<String>,
    /// Subject.
    #[arg(long, default_value = "")]
    pub subject: String,
    /// Plain-text body.
    #[arg(long, default_value = "")]
    pub body: String,
    /// An HTML body from this file, sent as an alternative to the plain text.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
    /// Attach this file (repeatable; its type is guessed from the extension).
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<std::path::PathBuf>,
    /// Sender address (default: the session's identity).
    #[arg(long)]
    pub from: Option<String>,
    /// Send this RFC 5322 file as it is (its To, Cc and Bcc are the recipients).
    #[arg(long, conflicts_with_all = ["to", "cc", "bcc", "subject", "body", "from", "html", "attach"])]
    pub eml: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub logon: LogonArgs,
}

/// `mapi daemon ...`
#[derive(Subcommand, Debug)]
pub enum DaemonCmd {
    /// Start the daemon (if it is not running).
    Start,
    /// Stop the daemon; its sessions log off.
    Stop,
    /// Is the daemon running?
    Status,
}

/// `mapi profile-store ...`.
#[derive(Subcommand, Debug)]
pub enum ProfileStoreCmd {
    /// Where the store is, its backend, schema version and profile count.
    Status,
    /// Bring the store's schema up to this program's version (a newer one is refused).
    Migrate,
    /// Copy the user's profiles into another store (URL or SQLite file).
    Export {
        /// The target: `postgres://...` or a SQLite file path.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Copy the user's profiles from another store (URL or SQLite file) into this one.
    Import {
        /// The source: `postgres://...` or a SQLite file path.
        #[arg(long, value_name = "URL")]
        from: String,
    },
}
