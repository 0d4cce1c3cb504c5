//! The daemon link sits below the engine (ARCHITECTURE.md): its manifest names neither
//! `mapi-engine` nor anything above it, in any dependency section, so a client of the
//! daemon never compiles the engine.

#[test]
fn the_client_does_not_depend_on_the_engine() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("mapi-client's Cargo.toml");
    let deps: Vec<&str> = manifest
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("mapi"))
        .filter_map(|l| l.split(['.', ' ', '=']).next())
        .collect();
    for above in ["mapi-engine", "mapi-daemon", "mapi-profile", "mapi"] {
        assert!(
            !deps.contains(&above),
            "mapi-client depends on {above}: {deps:?}"
        );
    }
    assert!(deps.contains(&"mapi-ui"), "{deps:?}");
}
