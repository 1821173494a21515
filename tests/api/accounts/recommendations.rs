//! Recommendations: ranked by conditions served, evidence and the user's own results
//! (from three rated sessions on), never contraindicated, with reasons and red flags.

use serde_json::{Value, json};

use crate::support::TestApp;

fn items(body: &Value) -> &Vec<Value> {
    body["items"].as_array().unwrap_or_else(|| panic!("{body}"))
}

fn find<'a>(body: &'a Value, id: &str) -> Option<&'a Value> {
    items(body).iter().find(|i| i["id"] == id)
}

#[actix_web::test]
async fn contraindicated_items_are_left_out_and_red_flags_come_along() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let open = mei
        .get("/v1/me/recommendations?condition=menstrual-cramps")
        .await;
    assert_eq!(open.status, 200, "{}", open.text());
    let open = open.json();
    assert!(find(&open, "SP6").is_some(), "{open}");
    assert!(find(&open, "menstrual-cramp-ease").is_some());
    let ranks: Vec<u64> = items(&open)
        .iter()
        .map(|i| i["rank"].as_u64().unwrap())
        .collect();
    assert_eq!(ranks, (1..=ranks.len() as u64).collect::<Vec<_>>());
    let scores: Vec<f64> = items(&open)
        .iter()
        .map(|i| i["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    assert!(
        items(&open)
            .iter()
            .all(|i| !i["reasons"].as_array().unwrap().is_empty())
    );
    assert_eq!(open["red_flags"][0]["condition"], "menstrual-cramps");
    assert!(
        !open["red_flags"][0]["see_a_doctor_when"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    mei.set_profile(json!({"safety_profile": {"pregnant": true}}))
        .await;
    let pregnant = mei
        .get("/v1/me/recommendations?condition=menstrual-cramps")
        .await
        .json();
    assert!(
        find(&pregnant, "SP6").is_none(),
        "contraindicated point left out"
    );
    assert!(
        find(&pregnant, "menstrual-cramp-ease").is_none(),
        "routine with SP6 left out"
    );
    let left_out: Vec<&str> = pregnant["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        left_out.contains(&"SP6") && left_out.contains(&"menstrual-cramp-ease"),
        "{left_out:?}"
    );
    assert!(items(&pregnant).iter().all(|i| {
        i["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["code"] != "pregnancy_contraindicated")
    }),);
}

#[actix_web::test]
async fn more_conditions_served_rank_higher_and_bad_queries_are_refused() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let both = mei
        .get("/v1/me/recommendations?condition=insomnia,anxiety")
        .await
        .json();
    assert_eq!(both["conditions"], json!(["insomnia", "anxiety"]));
    let first = &items(&both)[0];
    assert_eq!(first["conditions"].as_array().unwrap().len(), 2, "{first}");
    for bad in [
        "",
        "?condition=",
        "?condition=nope",
        "?condition=a,b,c,d,e,f",
    ] {
        mei.get(&format!("/v1/me/recommendations{bad}"))
            .await
            .problem(422, "validation_failed");
    }
    app.get("/v1/me/recommendations?condition=insomnia")
        .await
        .problem(401, "missing_token");
}

#[actix_web::test]
async fn what_helped_this_user_counts_from_three_rated_sessions() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let own = mei
        .post(
            "/v1/me/routines",
            json!({"name": "My nights", "conditions": ["insomnia"],
            "steps": [{"point": "KI1", "side": "both", "seconds": 60, "pressure": "light"}]}),
        )
        .await
        .json();
    let id = own["id"].as_str().unwrap().to_owned();
    let log = |day: u32| {
        json!({"started_at": format!("2026-11-{day:02}T21:00:00Z"), "duration_seconds": 60,
            "routine": id, "condition": "insomnia", "stress_before": 8, "stress_after": 2,
            "steps": [{"point": "KI1", "side": "both", "seconds": 60, "pressure": "light"}]})
    };
    for day in [1, 2] {
        mei.new_session(log(day)).await;
    }
    let two = mei
        .get("/v1/me/recommendations?condition=insomnia")
        .await
        .json();
    let mine = find(&two, &id).unwrap_or_else(|| panic!("{two}"));
    assert_eq!(mine["kind"], "own_routine");
    assert_eq!(mine["personal"], json!([]), "two sessions are not enough");
    mei.new_session(log(3)).await;
    let three = mei
        .get("/v1/me/recommendations?condition=insomnia")
        .await
        .json();
    let mine = find(&three, &id).unwrap();
    assert_eq!(mine["personal"][0]["sessions"], 3);
    assert_eq!(mine["personal"][0]["average_improvement"], 6.0);
    assert!(
        mine["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("3 rated sessions"))
    );
    assert_eq!(
        items(&three)[0]["id"],
        id.as_str(),
        "what helped ranks first: {three}"
    );
}
