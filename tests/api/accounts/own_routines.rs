//! Own routines: written from scratch or copied from a curated one, checked against the
//! catalog and the limits, refused for contraindicated points unless acknowledged, kept
//! per account, named by sessions, favorites and reminders, and in the export.

use serde_json::{Value, json};

use crate::support::{Account, TestApp};

fn step(point: &str, seconds: u32) -> Value {
    json!({"point": point, "side": "both", "seconds": seconds, "pressure": "medium"})
}

/// Creates a routine (201 expected) and returns it.
async fn create(account: &Account<'_>, body: Value) -> Value {
    let res = account.post("/v1/me/routines", body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

/// The (code, point) of each warning in a body.
fn warned(body: &Value) -> Vec<(&str, &str)> {
    body["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap(),
                w["point"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

fn points(routine: &Value) -> Vec<&str> {
    routine["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{routine}"))
        .iter()
        .map(|s| s["point"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_routine_is_written_copied_read_changed_and_deleted() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let own = create(
        &mei,
        json!({"name": "  Evening  ", "conditions": ["insomnia"],
            "steps": [step("ht-7", 120), {"point": "pc6", "side": "left", "seconds": 60,
                "pressure": "light", "note": "Slow breaths."}]}),
    )
    .await;
    assert_eq!(own["name"], "Evening");
    assert_eq!(points(&own), ["HT7", "PC6"], "codes in WHO form");
    assert_eq!(own["steps"][1]["note"], "Slow breaths.");
    assert_eq!(own["steps"][0]["point_name"], "Spirit Gate");
    assert_eq!(
        (own["step_count"].as_u64(), own["total_seconds"].as_u64()),
        (Some(2), Some(180))
    );
    assert_eq!(own["origin"], Value::Null);

    let copy = create(&mei, json!({"from": "back-relief"})).await;
    assert_eq!(copy["origin"], "back-relief");
    assert_eq!(copy["name"], "Lower back relief");
    assert_eq!(points(&copy), ["BL23", "EX-B7", "BL40", "BL57", "GB34"]);
    assert!(
        copy["steps"][0]["note"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert_eq!(
        copy["conditions"],
        json!(["low-back-pain", "muscle-tension"])
    );
    let named = create(&mei, json!({"from": "back-relief", "name": "My back"})).await;
    assert_eq!(named["name"], "My back");

    let id = own["id"].as_str().unwrap();
    let uri = format!("/v1/me/routines/{id}");
    let read = mei.get(&uri).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["steps"], own["steps"]);
    let zh = mei
        .get_with(&uri, &[("accept-language", "zh-Hans")])
        .await
        .json();
    assert_eq!(zh["steps"][0]["point_name"], "神门");

    let changed = mei
        .patch(
            &uri,
            json!({"name": "Night", "description": "Before bed", "steps": [step("KI1", 90)]}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["name"], "Night");
    assert_eq!(points(&changed.json()), ["KI1"]);
    let cleared = mei.patch(&uri, json!({"description": null})).await.json();
    assert_eq!(cleared["description"], Value::Null);
    assert_eq!(cleared["name"], "Night", "absent fields stay");
    mei.patch(&uri, json!({"name": null}))
        .await
        .problem(422, "validation_failed");
    let unchanged = mei.patch(&uri, json!({})).await.json();
    assert_eq!(
        unchanged["updated_at"], cleared["updated_at"],
        "an empty patch writes nothing"
    );

    let again = mei
        .post(
            "/v1/me/routines",
            json!({"id": id, "name": "x", "steps": [step("HT7", 60)]}),
        )
        .await;
    again.problem(409, "routine_exists");

    assert_eq!(mei.delete(&uri).await.status, 204);
    mei.get(&uri).await.problem(404, "not_found");
    mei.delete(&uri).await.problem(404, "not_found");
    let list = mei.get("/v1/me/routines").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn every_problem_of_a_routine_is_named_in_one_answer() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let res = mei
        .post(
            "/v1/me/routines",
            json!({"conditions": ["insomnia", "nope", "insomnia"],
                "steps": [step("XX99", 60), step("PC6", 2), {"point": "HT7", "side": "both",
                    "seconds": 60, "pressure": "light", "note": "a\u{202e}b"}]}),
        )
        .await;
    let problem = res.problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "name",
        "conditions[1]",
        "conditions[2]",
        "steps[0].point",
        "steps[1].seconds",
        "steps[2].note",
    ] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let too_many: Vec<Value> = (0..31).map(|_| step("PC6", 60)).collect();
    let res = mei
        .post(
            "/v1/me/routines",
            json!({"name": "Long", "steps": too_many}),
        )
        .await;
    assert!(
        res.problem(422, "validation_failed")["detail"]
            .as_str()
            .unwrap()
            .contains("at most 30")
    );
    let too_long: Vec<Value> = (0..7).map(|_| step("PC6", 600)).collect();
    let res = mei
        .post(
            "/v1/me/routines",
            json!({"name": "Long", "steps": too_long}),
        )
        .await;
    assert!(
        res.problem(422, "validation_failed")["detail"]
            .as_str()
            .unwrap()
            .contains("60 minutes")
    );
    mei.post("/v1/me/routines", json!({"name": "Empty", "steps": []}))
        .await
        .problem(422, "validation_failed");
    mei.post("/v1/me/routines", json!({"from": "no-such-routine"}))
        .await
        .problem(422, "validation_failed");
    let list = mei.get("/v1/me/routines").await.json();
    assert_eq!(list["items"], json!([]), "nothing stored");
}

#[actix_web::test]
async fn a_contraindicated_point_needs_the_warnings_acknowledged() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    mei.set_profile(json!({"safety_profile": {"pregnant": true}}))
        .await;
    let body = json!({"name": "Headache", "steps": [step("GB20", 60), step("LI4", 60)]});
    let refused = mei.post("/v1/me/routines", body.clone()).await;
    let problem = refused.problem(409, "warnings_not_acknowledged");
    assert_eq!(problem["errors"][0]["field"], "steps[1].point");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("LI4")
    );
    assert_eq!(
        mei.get("/v1/me/routines").await.json()["items"],
        json!([]),
        "nothing stored"
    );
    // A copy of a curated routine with a contraindicated step is refused the same way.
    mei.post("/v1/me/routines", json!({"from": "menstrual-cramp-ease"}))
        .await
        .problem(409, "warnings_not_acknowledged");

    let mut acknowledged = body;
    acknowledged["acknowledge_warnings"] = json!(true);
    let kept = create(&mei, acknowledged).await;
    let codes = warned(&kept);
    assert!(
        codes.contains(&("pregnancy_contraindicated", "LI4")),
        "{codes:?}"
    );

    // Adding SP6 later needs the acknowledgement again; a rename alone does too.
    let uri = format!("/v1/me/routines/{}", kept["id"].as_str().unwrap());
    mei.patch(&uri, json!({"steps": [step("SP6", 60)]}))
        .await
        .problem(409, "warnings_not_acknowledged");
    assert_eq!(
        points(&mei.get(&uri).await.json()),
        ["GB20", "LI4"],
        "unchanged"
    );
    let renamed = mei
        .patch(&uri, json!({"name": "Mine", "acknowledge_warnings": true}))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());

    // Once the profile changes, the same routine reads without the warning.
    mei.set_profile(json!({"safety_profile": {"pregnant": false}}))
        .await;
    assert_eq!(mei.get(&uri).await.json()["warnings"], json!([]));
    // Varicose veins warn on the leg points of a copied routine.
    mei.set_profile(json!({"safety_profile": {"varicose_veins": true}}))
        .await;
    let back = create(&mei, json!({"from": "back-relief"})).await;
    assert!(
        back["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "varicose_veins_leg" && w["point"] == "BL40"),
        "{}",
        back["warnings"]
    );
}

#[actix_web::test]
async fn routines_belong_to_their_account_and_list_in_keyset_pages() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    let id = "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f";
    let body = json!({"id": id, "name": "Same id", "steps": [step("PC6", 60)]});
    create(&mei, body.clone()).await;
    create(&li, body).await;
    let uri = format!("/v1/me/routines/{id}");
    assert_eq!(li.delete(&uri).await.status, 204);
    assert_eq!(mei.get(&uri).await.status, 200, "ids are per account");
    li.patch(&uri, json!({"name": "x"}))
        .await
        .problem(404, "not_found");

    for n in 0..4 {
        create(
            &mei,
            json!({"name": format!("R{n}"), "steps": [step("HT7", 30)]}),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = mei
            .get(&format!("/v1/me/routines?limit=2&cursor={cursor}"))
            .await;
        assert_eq!(page.status, 200, "{}", page.text());
        let page = page.json();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["R3", "R2", "R1", "R0", "Same id"],
        "newest first, each once"
    );
    mei.get("/v1/me/routines?cursor=bm9wZQ")
        .await
        .problem(400, "invalid_cursor");
    mei.get("/v1/me/routines?limit=0")
        .await
        .problem(422, "validation_failed");
}

#[actix_web::test]
async fn sessions_reminders_and_favorites_name_own_routines() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    let own = create(&mei, json!({"from": "sleep-wind-down", "name": "My sleep"})).await;
    let id = own["id"].as_str().unwrap().to_owned();
    let session = |routine: &str, pain: (u8, u8)| {
        json!({"started_at": "2026-11-20T21:00:00Z", "duration_seconds": 300,
            "routine": routine, "condition": "insomnia", "pain_before": pain.0, "pain_after": pain.1,
            "steps": [{"point": "HT7", "side": "both", "seconds": 60, "pressure": "light"}]})
    };
    let res = mei
        .create_session(session(&id.to_uppercase(), (6, 2)))
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(
        res.json()["session"]["routine"],
        id.as_str(),
        "canonical id"
    );
    li.create_session(session(&id, (6, 2)))
        .await
        .problem(422, "validation_failed");
    mei.create_session(session("0193a5c2-0000-7000-8000-00000000dead", (1, 1)))
        .await
        .problem(422, "validation_failed");
    let listed = mei
        .get(&format!("/v1/me/sessions?routine={id}"))
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let stats = mei
        .get("/v1/me/stats?from=2026-11-01&to=2026-11-30")
        .await
        .json();
    assert!(
        stats["per_routine"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["key"] == id.as_str()),
        "{}",
        stats["per_routine"]
    );

    let reminder = mei
        .post(
            "/v1/me/reminders",
            json!({"days": ["mon"], "time": "21:30", "routine": id}),
        )
        .await;
    assert_eq!(reminder.status, 201, "{}", reminder.text());
    assert_eq!(reminder.json()["routine"], id.as_str());

    let fav = mei
        .put(&format!("/v1/me/favorites/own_routine/{id}"), json!({}))
        .await;
    assert_eq!(fav.status, 200, "{}", fav.text());
    assert_eq!(
        (fav.json()["name"].as_str(), fav.json()["retired"].as_bool()),
        (Some("My sleep"), Some(false))
    );
    li.put(&format!("/v1/me/favorites/own_routine/{id}"), json!({}))
        .await
        .problem(422, "validation_failed");

    // Deleted: the favorite shows it retired, and a session logged offline may still name it.
    mei.delete(&format!("/v1/me/routines/{id}")).await;
    let favorites = mei.get("/v1/me/favorites").await.json();
    assert_eq!(favorites["items"][0]["retired"], true);
    assert_eq!(favorites["items"][0]["name"], Value::Null);
    let late = mei.create_session(session(&id, (5, 3))).await;
    assert_eq!(late.status, 201, "{}", late.text());

    let export = mei.export().await.json();
    assert_eq!(
        export["routines"],
        json!([]),
        "deleted routines are not exported"
    );
    create(&mei, json!({"name": "Kept", "steps": [step("PC6", 60)]})).await;
    let export = mei.export().await.json();
    assert_eq!(export["routines"][0]["name"], "Kept");
    assert_eq!(export["reminders"][0]["routine"], id.as_str());
}

#[actix_web::test]
async fn the_safety_check_takes_an_own_routine_for_its_owner_only() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    mei.set_profile(json!({"safety_profile": {"pregnant": true}}))
        .await;
    let kept = create(
        &mei,
        json!({"name": "Headache", "steps": [step("GB20", 60), step("LI4", 60)],
               "acknowledge_warnings": true}),
    )
    .await;
    let id = kept["id"].as_str().unwrap();
    let checked = mei
        .post(
            "/v1/safety/check",
            json!({"routine": id, "points": ["SP6"]}),
        )
        .await;
    assert_eq!(checked.status, 200, "{}", checked.text());
    let checked = checked.json();
    assert_eq!(checked["profile_source"], "account");
    let warned = warned(&checked);
    for point in ["SP6", "LI4"] {
        assert!(
            warned.contains(&("pregnancy_contraindicated", point)),
            "{warned:?}"
        );
    }

    // Another account, a deleted routine, or nobody signed in: the id names nothing.
    let li = app.register("li@example.com").await;
    let problem = li
        .post("/v1/safety/check", json!({"routine": id}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "routine");
    let anonymous = app
        .post(
            "/v1/safety/check",
            json!({"routine": id, "profile": {"pregnant": true, "bleeding_risk": false,
                "varicose_veins": false, "recent_surgery_or_fracture": false,
                "skin_condition": false}}),
        )
        .await;
    assert_eq!(
        anonymous.problem(422, "validation_failed")["errors"][0]["field"],
        "routine"
    );
    mei.delete(&format!("/v1/me/routines/{id}")).await;
    mei.post("/v1/safety/check", json!({"routine": id}))
        .await
        .problem(422, "validation_failed");
}
