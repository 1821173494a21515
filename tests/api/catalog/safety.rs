//! Safety data: precautions and pregnancy levels.

use serde_json::json;

use super::{codes, walk};
use crate::support::TestApp;

#[actix_web::test]
async fn safety_data_and_pregnancy_levels() {
    let app = TestApp::new().await;
    let safety = app.get("/v1/safety").await.json();
    let disclaimer = safety["disclaimer"].as_str().unwrap().to_lowercase();
    assert!(disclaimer.contains("not replace") || disclaimer.contains("does not replace"));
    let slugs: Vec<&str> = safety["precautions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    for slug in [
        "open-wounds",
        "varicose-veins",
        "tumours",
        "fractures",
        "recent-surgery",
        "inflamed-skin",
        "bleeding-risk",
        "after-meals",
        "children",
        "frail-elderly-osteoporosis",
    ] {
        assert!(slugs.contains(&slug), "{slug}");
    }
    let mut contraindicated: Vec<&str> = safety["pregnancy"]["contraindicated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    contraindicated.sort();
    assert_eq!(
        contraindicated,
        ["BL31", "BL32", "BL60", "BL67", "GB21", "LI4", "SP6"]
    );
    // 60 standard points from the teaching lists, and 4 extra points that lie level
    // with flagged ones on the lower belly and lower back
    let caution: Vec<&str> = safety["pregnancy"]["caution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(caution.len(), 64);
    for code in ["EX-CA1", "EX-B2", "EX-B7", "EX-B8"] {
        assert!(caution.contains(&code), "{code}");
    }
    let zigong = app.get("/v1/points/EX-CA1").await.json();
    assert_eq!(zigong["pregnancy"], "caution");
    assert_eq!(zigong["pregnancy_sources"], json!(["CV3", "ST29"]));
    let safe = codes(
        &app.get("/v1/points?pregnancy=safe&region=abdomen&limit=100")
            .await,
    );
    assert!(!safe.contains(&"EX-CA1".to_owned()));
    let listed = walk(&app, "/v1/points?pregnancy=contraindicated").await;
    assert_eq!(listed.len(), 7);
    assert_eq!(
        app.get("/v1/points/CV4").await.json()["pregnancy"],
        "caution"
    );
    assert_eq!(app.get("/v1/points/ST36").await.json()["pregnancy"], "safe");
}
