//! Routines: steps, computed durations, and the points they use.

use std::collections::HashSet;

use super::walk;
use crate::support::TestApp;

#[actix_web::test]
async fn routines_with_steps_and_computed_duration() {
    let app = TestApp::new().await;
    let routines = walk(&app, "/v1/routines?limit=5").await;
    assert!(routines.len() >= 12);
    let slugs: HashSet<&str> = routines
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    for slug in [
        "tension-headache-relief",
        "sleep-wind-down",
        "stress-reset",
        "back-relief",
        "neck-and-shoulders",
        "menstrual-cramp-ease",
        "travel-nausea",
        "digestion-support",
        "eye-strain-break",
        "morning-energy",
        "desk-worker-break",
        "migraine-care",
        "knee-ease",
        "jaw-and-tooth-ease",
    ] {
        assert!(slugs.contains(slug), "{slug}");
    }
    for r in &routines {
        let slug = r["slug"].as_str().unwrap();
        let detail = app.get(&format!("/v1/routines/{slug}")).await.json();
        let steps = detail["steps"].as_array().unwrap();
        assert!(!steps.is_empty());
        let sum: u64 = steps.iter().map(|s| s["seconds"].as_u64().unwrap()).sum();
        assert_eq!(detail["total_seconds"].as_u64(), Some(sum), "{slug}");
        assert_eq!(detail["step_count"].as_u64(), Some(steps.len() as u64));
        // The routine says whether it suits pregnancy: its strictest step, and every
        // flagged step says what to do in pregnancy.
        let levels = ["not_listed", "caution", "contraindicated"];
        let rank = |v: &serde_json::Value| levels.iter().position(|l| v == l).unwrap();
        let strictest = steps.iter().map(|s| rank(&s["pregnancy"])).max().unwrap();
        assert_eq!(rank(&detail["pregnancy"]), strictest, "{slug}");
        for s in steps.iter().filter(|s| s["pregnancy"] != "not_listed") {
            let words = s["instruction"].as_str().unwrap().to_lowercase();
            assert!(
                words.contains("pregnan"),
                "{slug}: {} says nothing of pregnancy",
                s["point"]
            );
        }
        for (i, s) in steps.iter().enumerate() {
            assert_eq!(s["position"], i as i64 + 1);
            assert!(["left", "right", "both", "midline"].contains(&s["side"].as_str().unwrap()));
            // every step's point says how to find and press it
            let point = app
                .get(&format!("/v1/points/{}", s["point"].as_str().unwrap()))
                .await
                .json();
            assert!(point["selfcare"].is_object(), "{slug}: {}", s["point"]);
        }
    }
    let sleep = app.get("/v1/routines?condition=insomnia").await;
    assert!(
        sleep.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["slug"] == "sleep-wind-down")
    );
    app.get("/v1/routines?condition=nope")
        .await
        .problem(422, "validation_failed");
    // A point lists the routines and conditions that use it.
    let hegu = app.get("/v1/points/LI4").await.json();
    assert!(!hegu["routines"].as_array().unwrap().is_empty());
    assert!(
        hegu["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["slug"] == "tension-headache")
    );
}
