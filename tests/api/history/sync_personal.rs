//! Sync of what an account keeps besides sessions: own routines and reminders (with
//! tombstones) and the favorites list, under the sessions' cursor, all or nothing.

use serde_json::{Value, json};

use crate::support::TestApp;

const ROUTINE: &str = "0193a5c2-a000-7c1a-9a57-3f0b5c1d2e4f";
const REMINDER: &str = "0193a5c2-b000-7c1a-9a57-3f0b5c1d2e4f";
const SESSION: &str = "0193a5c2-c000-7c1a-9a57-3f0b5c1d2e4f";

fn offline_push(cursor: &str) -> Value {
    json!({
        "cursor": cursor,
        "routines": [{"op": "upsert", "routine": {"id": ROUTINE, "name": "Train ride",
            "steps": [{"point": "PC6", "side": "both", "seconds": 90, "pressure": "medium"}]}}],
        "changes": [{"op": "upsert", "session": {"id": SESSION, "started_at": "2026-11-20T08:00:00Z",
            "duration_seconds": 90, "routine": ROUTINE}}],
        "reminders": [{"op": "upsert", "reminder": {"id": REMINDER, "days": ["mon", "fri"],
            "time": "07:45", "routine": ROUTINE}}],
        "favorites": [{"kind": "own_routine", "id": ROUTINE}, {"kind": "point", "id": "pc-6"}],
    })
}

fn ops(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|c| {
            let id = c["id"]
                .as_str()
                .or_else(|| c["routine"]["id"].as_str())
                .or_else(|| c["reminder"]["id"].as_str())
                .unwrap();
            format!("{}:{id}", c["op"].as_str().unwrap())
        })
        .collect()
}

#[actix_web::test]
async fn an_offline_push_of_every_kind_reaches_the_other_device_once() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let tablet = phone.second_device().await;
    let start = tablet.sync_cursor().await;

    let cursor = phone.sync_cursor().await;
    let pushed = phone.sync_push(offline_push(&cursor)).await;
    assert_eq!(pushed.status, 200, "{}", pushed.text());
    assert_eq!(pushed.json()["applied"], 4);
    // A retry of the same push (its answer lost) is no conflict and changes nothing.
    let retried = phone.sync_push(offline_push(&cursor)).await;
    assert_eq!(retried.status, 200, "{}", retried.text());

    let pull = tablet.sync_pull(Some(&start)).await.json();
    assert_eq!(ops(&pull["routines"]), [format!("upsert:{ROUTINE}")]);
    assert_eq!(pull["routines"][0]["routine"]["steps"][0]["point"], "PC6");
    assert_eq!(ops(&pull["reminders"]), [format!("upsert:{REMINDER}")]);
    assert!(pull["reminders"][0]["reminder"]["next_fire_at"].is_string());
    assert_eq!(pull["changes"][0]["session"]["routine"], ROUTINE);
    let favorites: Vec<&str> = pull["favorites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(favorites, [ROUTINE, "PC6"]);
    assert_eq!(pull["favorites"][0]["name"], "Train ride");

    // Nothing new: empty lists and no favorites.
    let cursor = pull["cursor"].as_str().unwrap().to_owned();
    let quiet = tablet.sync_pull(Some(&cursor)).await.json();
    assert_eq!(
        (quiet["routines"].clone(), quiet["reminders"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(quiet["favorites"], Value::Null);

    // Deletions through the API come as tombstones.
    phone.delete(&format!("/v1/me/routines/{ROUTINE}")).await;
    phone.delete(&format!("/v1/me/reminders/{REMINDER}")).await;
    phone.delete("/v1/me/favorites/point/PC6").await;
    let next = tablet.sync_pull(Some(&cursor)).await.json();
    assert_eq!(ops(&next["routines"]), [format!("delete:{ROUTINE}")]);
    assert_eq!(ops(&next["reminders"]), [format!("delete:{REMINDER}")]);
    assert_eq!(next["favorites"].as_array().unwrap().len(), 1);
    assert_eq!(next["favorites"][0]["retired"], true);
    assert_eq!(
        phone.get("/v1/me/reminders").await.json()["items"],
        json!([])
    );
}

#[actix_web::test]
async fn changes_made_after_the_cursor_refuse_the_whole_push() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let tablet = phone.second_device().await;
    let cursor = phone.sync_cursor().await;
    let first = phone.sync_push(offline_push(&cursor)).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let stale = tablet.sync_cursor().await;
    phone
        .patch(
            &format!("/v1/me/routines/{ROUTINE}"),
            json!({"name": "Renamed"}),
        )
        .await;
    phone
        .patch(
            &format!("/v1/me/reminders/{REMINDER}"),
            json!({"time": "08:00"}),
        )
        .await;
    phone.put("/v1/me/favorites/point/HT7", json!({})).await;

    let mut push = offline_push(&stale);
    push["routines"][0]["routine"]["name"] = json!("Tablet name");
    push["reminders"][0]["reminder"]["time"] = json!("06:00");
    let refused = tablet.sync_push(push).await;
    let problem = refused.problem(409, "sync_conflict");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&format!("routines/{ROUTINE}").as_str()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&format!("reminders/{REMINDER}").as_str()),
        "{fields:?}"
    );
    assert!(fields.contains(&"favorites"), "{fields:?}");
    let routine = phone
        .get(&format!("/v1/me/routines/{ROUTINE}"))
        .await
        .json();
    assert_eq!(routine["name"], "Renamed", "nothing applied");
}

#[actix_web::test]
async fn a_push_is_checked_whole_before_anything_is_applied() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    mei.set_profile(json!({"safety_profile": {"pregnant": true}}))
        .await;
    let cursor = mei.sync_cursor().await;
    let bad = json!({"cursor": cursor,
        "routines": [{"op": "upsert", "routine": {"name": "No id", "steps": []}}],
        "reminders": [{"op": "upsert", "reminder": {"id": REMINDER, "days": [], "time": "25:00"}}],
        "favorites": [{"kind": "point", "id": "XX1"}, {"kind": "point", "id": "PC6"}, {"kind": "point", "id": "pc6"}],
        "changes": [{"op": "upsert", "session": {"id": SESSION, "started_at": "2026-11-20T08:00:00Z",
            "duration_seconds": 90, "routine": "0193a5c2-0000-7000-8000-00000000dead"}}]});
    let problem = mei.sync_push(bad).await.problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "routines[0].routine.id",
        "reminders[0].reminder.days",
        "reminders[0].reminder.time",
        "favorites[0].id",
        "favorites[2]",
        "changes[0].session.routine",
    ] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    // A contraindicated point in a pushed routine needs the acknowledgement too.
    let mut push = offline_push(&cursor);
    push["routines"][0]["routine"]["steps"][0]["point"] = json!("LI4");
    let problem = mei
        .sync_push(push.clone())
        .await
        .problem(409, "warnings_not_acknowledged");
    assert_eq!(
        problem["errors"][0]["field"],
        "routines[0].routine.steps[0].point"
    );
    assert_eq!(
        mei.get("/v1/me/routines").await.json()["items"],
        json!([]),
        "nothing applied"
    );
    assert_eq!(mei.get("/v1/me/favorites").await.json()["items"], json!([]));
    push["routines"][0]["routine"]["acknowledge_warnings"] = json!(true);
    let res = mei.sync_push(push).await;
    assert_eq!(res.status, 200, "{}", res.text());
}
