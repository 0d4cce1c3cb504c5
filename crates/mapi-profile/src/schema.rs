//! The profile store's schema, its version (`PRAGMA user_version`) and migrations.

/// Migrations in order; the schema version is the number applied. Never edit a
/// released step: add a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: profiles, services, providers, property sections.
    "CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        search_key BLOB NOT NULL UNIQUE,
        is_default INTEGER NOT NULL DEFAULT 0,
        password_hash TEXT
     );
     CREATE UNIQUE INDEX profiles_one_default ON profiles(is_default) WHERE is_default = 1;
     CREATE TABLE services (
        uid BLOB PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        service_name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        flags INTEGER NOT NULL,
        seq INTEGER NOT NULL
     );
     CREATE INDEX services_profile ON services(profile_id, seq);
     CREATE TABLE providers (
        uid BLOB PRIMARY KEY,
        service_uid BLOB NOT NULL REFERENCES services(uid) ON DELETE CASCADE,
        provider_name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        provider_display TEXT NOT NULL,
        resource_type INTEGER NOT NULL,
        flags INTEGER NOT NULL,
        seq INTEGER NOT NULL
     );
     CREATE INDEX providers_service ON providers(service_uid, seq);
     CREATE TABLE section_props (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        section BLOB NOT NULL,
        tag INTEGER NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (profile_id, section, tag)
     ) WITHOUT ROWID;",
    // 2: explicit transport order, and every search key ever issued (unique over time).
    "ALTER TABLE providers ADD COLUMN transport_order INTEGER;
     CREATE TABLE issued_search_keys (key BLOB PRIMARY KEY) WITHOUT ROWID;
     INSERT INTO issued_search_keys SELECT search_key FROM profiles;",
    // 3: secrets at rest: a per-profile salt for the key derived from the profile
    // password, and how each property value is sealed (0 plain, 1 profile key, 2 side
    // file, 3 keyring).
    "ALTER TABLE profiles ADD COLUMN secret_salt BLOB;
     UPDATE profiles SET secret_salt = randomblob(16);
     ALTER TABLE section_props ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;",
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
