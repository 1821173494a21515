//! Reminders: weekdays and a local time in the account's or their own zone, when they
//! fire next, the limits, and that they belong to one account.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::support::TestApp;

fn fire_at(reminder: &Value) -> DateTime<Utc> {
    reminder["next_fire_at"]
        .as_str()
        .unwrap_or_else(|| panic!("no next_fire_at: {reminder}"))
        .parse()
        .unwrap()
}

#[actix_web::test]
async fn a_reminder_is_stored_listed_changed_and_deleted() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    mei.set_profile(json!({"time_zone": "Europe/Berlin"})).await;
    let res = mei
        .post(
            "/v1/me/reminders",
            json!({"days": ["fri", "mon", "wed", "mon"], "time": "07:30",
                "routine": "Morning-Energy", "label": "  Before work "}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let created = res.json();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        res.header("location"),
        Some(format!("/v1/me/reminders/{id}").as_str())
    );
    assert_eq!(
        created["days"],
        json!(["mon", "wed", "fri"]),
        "week order, once each"
    );
    assert_eq!(created["routine"], "morning-energy", "the canonical slug");
    assert_eq!(created["label"], "Before work");
    assert_eq!(created["time_zone"], Value::Null);
    assert_eq!(created["effective_time_zone"], "Europe/Berlin");
    assert_eq!(created["enabled"], true);
    // 07:30 in Berlin is 06:30 or 05:30 UTC, on a Monday, Wednesday or Friday, in the
    // coming week.
    let next = fire_at(&created);
    let berlin = next.with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!(berlin.format("%H:%M").to_string(), "07:30");
    assert!(["Mon", "Wed", "Fri"].contains(&berlin.format("%a").to_string().as_str()));
    assert!(next > Utc::now() && next < Utc::now() + chrono::Duration::days(7));

    // It follows the account's zone when that changes.
    mei.set_profile(json!({"time_zone": "Asia/Tokyo"})).await;
    let moved = mei.get(&format!("/v1/me/reminders/{id}")).await.json();
    assert_eq!(moved["effective_time_zone"], "Asia/Tokyo");
    let tokyo = fire_at(&moved).with_timezone(&chrono_tz::Asia::Tokyo);
    assert_eq!(tokyo.format("%H:%M").to_string(), "07:30");

    // A zone of its own, then back to the account's; disabled, it does not fire.
    let own = mei
        .patch(
            &format!("/v1/me/reminders/{id}"),
            json!({"time_zone": "America/New_York", "time": "21:45"}),
        )
        .await
        .json();
    assert_eq!(own["time_zone"], "America/New_York");
    let ny = fire_at(&own).with_timezone(&chrono_tz::America::New_York);
    assert_eq!(ny.format("%H:%M").to_string(), "21:45");
    let off = mei
        .patch(
            &format!("/v1/me/reminders/{id}"),
            json!({"time_zone": null, "enabled": false, "label": null}),
        )
        .await
        .json();
    assert_eq!(off["effective_time_zone"], "Asia/Tokyo");
    assert_eq!(off["next_fire_at"], Value::Null);
    assert_eq!(off["label"], Value::Null);
    assert_eq!(off["time"], "21:45", "what the patch left out is unchanged");

    let list = mei.get("/v1/me/reminders").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let export = mei.export().await.json();
    assert_eq!(export["reminders"][0]["id"], id.as_str());

    assert_eq!(
        mei.delete(&format!("/v1/me/reminders/{id}")).await.status,
        204
    );
    mei.delete(&format!("/v1/me/reminders/{id}"))
        .await
        .problem(404, "not_found");
    assert_eq!(mei.get("/v1/me/reminders").await.json()["items"], json!([]));
}

#[actix_web::test]
async fn bad_reminders_are_422_naming_each_field() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let refused = mei
        .post(
            "/v1/me/reminders",
            json!({"days": [], "time": "24:00", "time_zone": "Mars/Olympus",
                "routine": "no-such-routine", "label": "x".repeat(81)}),
        )
        .await
        .problem(422, "validation_failed");
    let mut fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["days", "label", "routine", "time", "time_zone"]);
    for (body, field) in [
        (json!({"days": ["mon"], "time": "7:30"}), "time"),
        (json!({"days": ["mon"], "time": "07:60"}), "time"),
        (json!({"days": ["someday"], "time": "07:30"}), "days"),
        (json!({"days": ["mon"]}), "time"),
        (
            json!({"days": ["mon"], "time": "07:30", "colour": "red"}),
            "colour",
        ),
        (
            json!({"days": ["mon"], "time": "07:30", "label": "  "}),
            "label",
        ),
    ] {
        let problem = mei
            .post("/v1/me/reminders", body.clone())
            .await
            .problem(422, "validation_failed");
        assert!(
            problem["errors"][0]["field"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{body}: {problem}"
        );
    }
    // A patch is checked the same way, and null is refused where it cannot clear.
    let id = mei
        .post(
            "/v1/me/reminders",
            json!({"days": ["sun"], "time": "09:00"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (patch, field) in [
        (json!({"time": null}), "time"),
        (json!({"days": null}), "days"),
        (json!({"time": "25:00"}), "time"),
        (json!({"routine": "nope"}), "routine"),
    ] {
        let problem = mei
            .patch(&format!("/v1/me/reminders/{id}"), patch.clone())
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{patch}: {problem}");
    }
    let unchanged = mei.get(&format!("/v1/me/reminders/{id}")).await.json();
    assert_eq!(unchanged["time"], "09:00");
}

#[actix_web::test]
async fn at_most_twenty_and_ids_belong_to_one_account() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    let id = "0193a5c2-a000-7c1a-9a57-3f0b5c1d2e4f";
    let first = mei
        .post(
            "/v1/me/reminders",
            json!({"id": id, "days": ["mon"], "time": "08:00"}),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    mei.post(
        "/v1/me/reminders",
        json!({"id": id, "days": ["tue"], "time": "08:00"}),
    )
    .await
    .problem(409, "reminder_exists");
    // The same id is a different reminder in another account.
    let theirs = li
        .post(
            "/v1/me/reminders",
            json!({"id": id, "days": ["sat"], "time": "10:00"}),
        )
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.text());
    // Another account's reminder is not found, and stays as it was.
    let other = "0193a5c2-b000-7c1a-9a57-3f0b5c1d2e4f";
    li.post(
        "/v1/me/reminders",
        json!({"id": other, "days": ["sun"], "time": "11:00"}),
    )
    .await;
    let uri = format!("/v1/me/reminders/{other}");
    mei.get(&uri).await.problem(404, "not_found");
    mei.patch(&uri, json!({"time": "12:00"}))
        .await
        .problem(404, "not_found");
    mei.delete(&uri).await.problem(404, "not_found");
    assert_eq!(li.get(&uri).await.json()["time"], "11:00");

    for n in 1..20 {
        let res = mei
            .post(
                "/v1/me/reminders",
                json!({"days": ["wed"], "time": format!("{:02}:00", n)}),
            )
            .await;
        assert_eq!(res.status, 201, "reminder {n}: {}", res.text());
    }
    mei.post(
        "/v1/me/reminders",
        json!({"days": ["wed"], "time": "23:30"}),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(
        mei.get("/v1/me/reminders").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}
