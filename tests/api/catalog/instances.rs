//! One catalog version for all instances: an admin's edit through one instance reaches
//! another on the same database through the version's notification, within a second,
//! without waiting for the periodic check.

use std::time::{Duration, Instant};

use acupress::db::SessionSettings;
use acupress::server;

use actix_web::test::TestRequest;
use serde_json::json;

use crate::support::{InProcess, test_config};

#[actix_web::test]
async fn an_edit_through_one_instance_reaches_another_within_a_second() {
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
    let boss = first.admin("boss@example.com").await;
    let served = async || -> String {
        let res = other.get("/v1/points/ST36").await;
        assert_eq!(res.status, 200);
        res.json()["english_name"].as_str().unwrap().to_owned()
    };
    let edit = async |name: &str| {
        let req = TestRequest::patch()
            .uri("/v1/admin/points/ST36")
            .insert_header(("if-match", "*"))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(json!({ "english_name": name }).to_string());
        let res = boss.send(req).await;
        assert_eq!(res.status, 200, "{}", res.text());
    };
    // The listener is up once a first change arrives.
    let deadline = Instant::now() + Duration::from_secs(10);
    edit("Warm-up").await;
    while served().await != "Warm-up" {
        assert!(Instant::now() < deadline, "the second instance never heard");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // From sending the edit to the other instance serving it: an upper bound of the
    // time from the edit's commit.
    let mut delays = Vec::new();
    for n in 0..20 {
        let name = format!("Edit {n}");
        let sent = Instant::now();
        edit(&name).await;
        while served().await != name {
            assert!(
                sent.elapsed() < Duration::from_secs(1),
                "{name} not served by the other instance within a second"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        delays.push(sent.elapsed());
    }
    delays.sort();
    eprintln!(
        "admin edit to the other instance: median {:?}, max {:?} over {} edits",
        delays[delays.len() / 2],
        delays[delays.len() - 1],
        delays.len()
    );
    // The editing instance served each edit at once.
    assert_eq!(
        first.get("/v1/points/ST36").await.json()["english_name"],
        "Edit 19"
    );
}
