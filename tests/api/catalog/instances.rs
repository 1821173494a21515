//! One catalog version for all instances: a new stored version reaches another instance
//! on the same database through its notification, within a second, without waiting for
//! the periodic check.

use std::time::{Duration, Instant};

use acupress::db::SessionSettings;
use acupress::server;

use crate::support::{InProcess, execute, test_config};

#[actix_web::test]
async fn a_new_catalog_version_reaches_another_instance_within_a_second() {
    let first = local_app!("runs two instances on one database");
    let mut config = test_config(first.db_url());
    // The periodic check is out of the way: only the notification can bring the change.
    config.catalog_refresh = Duration::from_secs(3600);
    let second = server::prepare(config).await.expect("a second instance");
    actix_web::rt::spawn(second.catalog.clone().listen(
        second.pool.clone(),
        second.config.database_url.clone(),
        SessionSettings::from_config(&second.config),
    ));
    let other = InProcess::build(second.clone()).await;
    let served = async || -> String {
        let res = other.get("/v1/catalog/version").await;
        assert_eq!(res.status, 200);
        res.json()["version"].as_str().unwrap().to_owned()
    };
    // The listener is up once a first change arrives.
    let deadline = Instant::now() + Duration::from_secs(10);
    execute(
        first.db_url(),
        "UPDATE catalog_meta SET version = 'warm-up'".into(),
    );
    while served().await != "warm-up" {
        assert!(Instant::now() < deadline, "the second instance never heard");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let mut delays = Vec::new();
    for edit in 0..20 {
        let version = format!("edit-{edit}");
        let stored = Instant::now();
        execute(
            first.db_url(),
            format!("UPDATE catalog_meta SET version = '{version}'"),
        );
        while served().await != version {
            assert!(
                stored.elapsed() < Duration::from_secs(1),
                "{version} not served by the other instance within a second"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        delays.push(stored.elapsed());
    }
    delays.sort();
    eprintln!(
        "catalog version to the other instance: median {:?}, max {:?} over {} changes",
        delays[delays.len() / 2],
        delays[delays.len() - 1],
        delays.len()
    );
    // The first instance's own store moves too, once asked.
    assert!(
        first
            .state
            .catalog
            .refresh(&first.state.pool)
            .await
            .unwrap()
    );
    assert_eq!(first.state.catalog.get().version, "edit-19");
}
