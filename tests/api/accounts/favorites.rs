//! Favorites: idempotent keeping and removing, the account's order, retired items, the
//! favorites routine with its warnings, limits and ownership.

use serde_json::{Value, json};

use crate::support::TestApp;

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["kind"].as_str().unwrap(),
                f["id"].as_str().unwrap()
            )
        })
        .collect()
}

#[actix_web::test]
async fn favorites_are_kept_once_in_order_and_removed_idempotently() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let first = mei.put("/v1/me/favorites/point/pc-6", json!({})).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let again = mei.put("/v1/me/favorites/point/PC6", json!({})).await;
    assert_eq!(again.status, 200);
    assert_eq!(first.json(), again.json(), "a repeat answers the same");
    assert_eq!(first.json()["id"], "PC6");
    assert_eq!(first.json()["retired"], false);
    mei.put("/v1/me/favorites/routine/sleep-wind-down", json!({}))
        .await;
    mei.put("/v1/me/favorites/point/ht7", json!({})).await;
    let list = mei.get("/v1/me/favorites").await.json();
    assert_eq!(
        ids(&list),
        ["point:PC6", "routine:sleep-wind-down", "point:HT7"]
    );

    let reordered = mei
        .put(
            "/v1/me/favorites/order",
            json!({"items": [{"kind": "point", "id": "HT7"}, {"kind": "point", "id": "pc6"},
                {"kind": "routine", "id": "sleep-wind-down"}]}),
        )
        .await;
    assert_eq!(reordered.status, 200, "{}", reordered.text());
    assert_eq!(
        ids(&reordered.json()),
        ["point:HT7", "point:PC6", "routine:sleep-wind-down"]
    );
    // An order that leaves one out, names one twice or names a stranger is refused.
    for items in [
        json!([{"kind": "point", "id": "HT7"}]),
        json!([{"kind": "point", "id": "HT7"}, {"kind": "point", "id": "HT7"},
            {"kind": "routine", "id": "sleep-wind-down"}]),
        json!([{"kind": "point", "id": "HT7"}, {"kind": "point", "id": "LI4"},
            {"kind": "routine", "id": "sleep-wind-down"}]),
    ] {
        let problem = mei
            .put("/v1/me/favorites/order", json!({ "items": items }))
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "items");
    }
    assert_eq!(
        ids(&mei.get("/v1/me/favorites").await.json()),
        ["point:HT7", "point:PC6", "routine:sleep-wind-down"],
        "nothing changed"
    );

    assert_eq!(mei.delete("/v1/me/favorites/point/HT7").await.status, 204);
    assert_eq!(
        mei.delete("/v1/me/favorites/point/HT7").await.status,
        204,
        "a repeat too"
    );
    let export = mei.export().await.json();
    let exported: Vec<&str> = export["favorites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(exported, ["PC6", "sleep-wind-down"]);
}

#[actix_web::test]
async fn unknown_kinds_items_limits_and_other_accounts() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    mei.put("/v1/me/favorites/meridian/LI", json!({}))
        .await
        .problem(404, "not_found");
    mei.delete("/v1/me/favorites/meridian/LI")
        .await
        .problem(404, "not_found");
    let problem = mei
        .put("/v1/me/favorites/point/XX99", json!({}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "id");
    mei.put("/v1/me/favorites/routine/no-such-routine", json!({}))
        .await
        .problem(422, "validation_failed");

    // Each account keeps its own: Li's removal does not touch Mei's.
    mei.put("/v1/me/favorites/point/LI4", json!({})).await;
    assert_eq!(li.delete("/v1/me/favorites/point/LI4").await.status, 204);
    assert_eq!(
        ids(&mei.get("/v1/me/favorites").await.json()),
        ["point:LI4"]
    );
    assert_eq!(
        ids(&li.get("/v1/me/favorites").await.json()),
        Vec::<String>::new()
    );

    // At most 100.
    let codes: Vec<String> = app.get_json("/v1/points?limit=100").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .filter(|c| c != "LI4")
        .take(99)
        .collect();
    for code in &codes {
        let res = mei
            .put(&format!("/v1/me/favorites/point/{code}"), json!({}))
            .await;
        assert_eq!(res.status, 200, "{code}: {}", res.text());
    }
    mei.put("/v1/me/favorites/routine/sleep-wind-down", json!({}))
        .await
        .problem(422, "validation_failed");
    // A repeat of one already kept is still fine at the limit.
    assert_eq!(
        mei.put("/v1/me/favorites/point/LI4", json!({}))
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn the_favorite_points_run_as_a_routine_with_warnings() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    mei.set_profile(json!({"safety_profile": {"pregnant": true}}))
        .await;
    for id in ["point/PC6", "routine/sleep-wind-down", "point/LI4"] {
        mei.put(&format!("/v1/me/favorites/{id}"), json!({})).await;
    }
    let res = mei.get("/v1/me/favorites/routine").await;
    assert_eq!(res.status, 200, "{}", res.text());
    let routine = res.json();
    let steps: Vec<&str> = routine["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["point"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["PC6", "LI4"], "points only, in the account's order");
    let pc6 = app.get_json("/v1/points/PC6").await;
    let care = &pc6["selfcare"];
    let step = &routine["steps"][0];
    assert_eq!(step["pressure"], care["pressure"]);
    let per_side = care["seconds"].as_u64().unwrap();
    let expected = if care["sides"] == "one_side_at_a_time" {
        2 * per_side
    } else {
        per_side
    };
    assert_eq!(
        step["seconds"], expected,
        "timed by the guidance: {step} {care}"
    );
    assert_eq!(
        routine["total_seconds"].as_u64().unwrap(),
        routine["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["seconds"].as_u64().unwrap())
            .sum::<u64>()
    );
    assert!(
        routine["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "pregnancy_contraindicated" && w["point"] == "LI4"),
        "{routine}"
    );
    assert_eq!(routine["left_out"], json!([]));
}

#[actix_web::test]
async fn a_favorite_that_leaves_the_catalog_stays_listed_as_retired() {
    let app = local_app!("edits its own database under the app");
    let mei = app.register("mei@example.com").await;
    mei.put("/v1/me/favorites/point/PC6", json!({})).await;
    // The favorite names a code the catalog does not have (as after a content edit).
    crate::support::execute(
        app.db_url(),
        "UPDATE favorites SET item = 'EX-GONE1' WHERE item = 'PC6'".into(),
    );
    let list = mei.get("/v1/me/favorites").await;
    assert_eq!(list.status, 200, "{}", list.text());
    let gone = &list.json()["items"][0];
    assert_eq!(gone["id"], "EX-GONE1");
    assert_eq!(gone["retired"], true);
    assert_eq!(gone["name"], Value::Null);
    let routine = mei.get("/v1/me/favorites/routine").await.json();
    assert_eq!(routine["left_out"], json!(["EX-GONE1"]));
    assert_eq!(
        mei.delete("/v1/me/favorites/point/EX-GONE1").await.status,
        204
    );
    assert_eq!(mei.get("/v1/me/favorites").await.json()["items"], json!([]));
}
