//! Every migration reverts cleanly and applies again to the same schema.

use std::process::Command;

use acupress::db::SyncPgConnection;
use acupress::db::bootstrap::{self, MIGRATIONS};
use diesel::Connection;
use diesel_migrations::MigrationHarness;

use crate::support::{TestDb, blocking, execute, url_for};

/// The schema of a database as `pg_dump --schema-only` prints it, leaving out `exclude`.
fn schema(url: &str, exclude: &[&str]) -> String {
    let mut dump = Command::new("pg_dump");
    dump.args([
        "--schema-only",
        "--no-owner",
        "--no-privileges",
        "--dbname",
        url,
    ]);
    for table in exclude {
        dump.args(["--exclude-table", table]);
    }
    let out = dump
        .output()
        .expect("pg_dump runs (it comes with the PostgreSQL client)");
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("the dump is UTF-8")
        .lines()
        // `\restrict KEY` and `\unrestrict KEY` carry a random key per dump.
        .filter(|line| !line.starts_with("\\restrict") && !line.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_migration_reverts_to_nothing_and_applies_again_to_the_same_schema() {
    skip_in_black_box!("migrates a scratch database");
    let db = TestDb::named();
    execute(
        &url_for("postgres"),
        format!("CREATE DATABASE \"{}\"", db.name),
    );
    let empty = schema(&db.url, &[]);
    let url = db.url.clone();
    let connect = move || SyncPgConnection::establish(&url).expect("connect scratch database");

    let conn_for = connect.clone();
    let applied = blocking(move || bootstrap::migrate(&mut conn_for()).expect("migrate up"));
    assert!(applied > 0);
    let fresh = schema(&db.url, &[]);
    assert_ne!(fresh, empty);

    let conn_for = connect.clone();
    let reverted = blocking(move || {
        conn_for()
            .revert_all_migrations(MIGRATIONS)
            .expect("every down.sql runs")
            .len()
    });
    assert_eq!(reverted, applied, "every migration was reverted");
    let after_down = schema(&db.url, &["__diesel_schema_migrations"]);
    assert_eq!(
        after_down, empty,
        "reverting every migration leaves objects behind"
    );

    let again = blocking(move || bootstrap::migrate(&mut connect()).expect("migrate up again"));
    assert_eq!(again, applied);
    assert_eq!(
        schema(&db.url, &[]),
        fresh,
        "down then up gives another schema than a fresh migrate"
    );
}
