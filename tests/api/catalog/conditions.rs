//! Conditions: red flags and honest evidence levels.

use std::collections::{HashMap, HashSet};

use super::walk;
use crate::support::TestApp;

#[actix_web::test]
async fn conditions_with_red_flags_and_honest_evidence() {
    let app = TestApp::new().await;
    let conditions = walk(&app, "/v1/conditions?limit=7").await;
    assert!(conditions.len() >= 30, "{}", conditions.len());
    let slugs: HashSet<&str> = conditions
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    for slug in [
        "tension-headache",
        "migraine",
        "neck-shoulder-tension",
        "low-back-pain",
        "menstrual-cramps",
        "premenstrual-syndrome",
        "joint-pain",
        "toothache",
        "nausea",
        "motion-sickness",
        "chemotherapy-nausea",
        "morning-sickness",
        "indigestion",
        "constipation",
        "stress",
        "anxiety",
        "low-mood",
        "insomnia",
        "fatigue",
        "eye-strain",
        "sinus-congestion",
        "common-cold",
        "cold-hands-feet",
        "muscle-tension",
        "labour-pain",
        "hot-flushes",
        "upper-back-pain",
        "immune-support",
    ] {
        assert!(slugs.contains(slug), "{slug}");
    }
    let mut levels: HashMap<String, usize> = HashMap::new();
    for slug in &slugs {
        let c = app.get(&format!("/v1/conditions/{slug}")).await.json();
        assert!(
            !c["see_a_doctor_when"].as_array().unwrap().is_empty(),
            "{slug} red flags"
        );
        let points = c["points"].as_array().unwrap();
        assert!(!points.is_empty(), "{slug}");
        for (i, p) in points.iter().enumerate() {
            assert_eq!(p["rank"], i as i64 + 1);
            let evidence = p["evidence"].as_str().unwrap();
            assert!(["traditional", "limited", "reviewed"].contains(&evidence));
            if evidence == "reviewed" {
                // a reviewed link names its review: who or what, and the year
                let note = p["note"].as_str().unwrap();
                let names_review = ["Cochrane", "review", "Meta-analysis", "meta-analysis"]
                    .iter()
                    .any(|w| note.contains(w));
                let has_year = note
                    .split(|c: char| !c.is_ascii_digit())
                    .any(|y| y.len() == 4 && (y.starts_with("19") || y.starts_with("20")));
                assert!(names_review && has_year, "{slug}: {note}");
            }
            *levels.entry(evidence.to_owned()).or_default() += 1;
        }
    }
    assert!(
        levels["traditional"] > levels["reviewed"],
        "most links are traditional: {levels:?}"
    );
    let post_op = app.get("/v1/conditions/postoperative-nausea").await.json();
    let pc6 = post_op["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "PC6")
        .unwrap();
    assert_eq!(pc6["evidence"], "reviewed");
    assert!(pc6["note"].as_str().unwrap().contains("Cochrane"));
    let morning = app.get("/v1/conditions/morning-sickness").await.json();
    assert!(
        morning["points"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["pregnancy"] != "contraindicated")
    );
}
