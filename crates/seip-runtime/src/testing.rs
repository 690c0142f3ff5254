//! Helpers for tests across the workspace (the `testing` feature; no service turns it on).

/// The PostgreSQL server the PostgreSQL-only tests use (`DATABASE_URL`); none on a
/// developer's machine without one, or in a pass declared SQLite-only
/// (`SEIP_TEST_BACKEND=sqlite`, as `tests/run.sh` runs its first pass).
///
/// # Panics
/// In CI (`CI` set), when `DATABASE_URL` is missing in any other pass: a PostgreSQL-only test
/// that returned early there would pass having checked nothing.
pub fn postgres_server() -> Option<String> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return Some(url);
    }
    let sqlite_pass = std::env::var("SEIP_TEST_BACKEND").is_ok_and(|b| b == "sqlite");
    assert!(
        sqlite_pass || std::env::var_os("CI").is_none(),
        "DATABASE_URL is not set in CI: this PostgreSQL-only test would check nothing \
         (set SEIP_TEST_BACKEND=sqlite for a pass that is meant to run on SQLite alone)"
    );
    None
}
