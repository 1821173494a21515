//! Points: all 361 standard ones and the extra ones, their names, locations and
//! self-care guidance, found by any spelling.

use std::collections::HashMap;

use serde_json::Value;

use super::{bundle, codes, walk};
use crate::support::TestApp;

#[actix_web::test]
async fn all_361_standard_points_with_per_meridian_counts() {
    let app = TestApp::new().await;
    let version = app.get("/v1/catalog/version").await.json();
    assert_eq!(version["standard_points"], 361);
    assert_eq!(version["meridians"], 14);
    let expected = [
        ("LU", 11),
        ("LI", 20),
        ("ST", 45),
        ("SP", 21),
        ("HT", 9),
        ("SI", 19),
        ("BL", 67),
        ("KI", 27),
        ("PC", 9),
        ("TE", 23),
        ("GB", 44),
        ("LR", 14),
        ("GV", 28),
        ("CV", 24),
    ];
    for (code, count) in expected {
        let body = app.get(&format!("/v1/meridians/{code}")).await.json();
        let points = body["points"].as_array().unwrap();
        assert_eq!(points.len(), count, "{code}");
        let numbers: Vec<i64> = points
            .iter()
            .map(|p| p["number"].as_i64().unwrap())
            .collect();
        assert_eq!(
            numbers,
            (1..=count as i64).collect::<Vec<_>>(),
            "{code} in order"
        );
    }
    let standard = walk(&app, "/v1/points?kind=standard&limit=100").await;
    assert_eq!(standard.len(), 361);
}

#[actix_web::test]
async fn spot_checks_of_names_and_hanzi() {
    let app = TestApp::new().await;
    for (code, pinyin, hanzi, traditional, region) in [
        ("LI4", "Hégǔ", "合谷", "合谷", "hand"),
        ("ST36", "Zúsānlǐ", "足三里", "足三里", "lower_leg"),
        ("PC6", "Nèiguān", "内关", "內關", "forearm_wrist"),
        ("SP6", "Sānyīnjiāo", "三阴交", "三陰交", "lower_leg"),
        ("GV20", "Bǎihuì", "百会", "百會", "head"),
        ("LR3", "Tàichōng", "太冲", "太衝", "foot"),
        ("GB20", "Fēngchí", "风池", "風池", "neck"),
        ("HT7", "Shénmén", "神门", "神門", "forearm_wrist"),
        ("KI1", "Yǒngquán", "涌泉", "湧泉", "foot"),
        ("CV17", "Dànzhōng", "膻中", "膻中", "chest"),
        ("GV26", "Shuǐgōu", "水沟", "水溝", "face"),
        ("BL40", "Wěizhōng", "委中", "委中", "knee"),
        ("TE5", "Wàiguān", "外关", "外關", "forearm_wrist"),
    ] {
        let p = app.get(&format!("/v1/points/{code}")).await.json();
        assert_eq!(p["code"], code);
        assert_eq!(p["pinyin"], pinyin, "{code}");
        assert_eq!(p["hanzi"], hanzi, "{code}");
        assert_eq!(p["hanzi_traditional"], traditional, "{code}");
        assert_eq!(p["body_region"], region, "{code}");
        assert!(p["english_name"].as_str().is_some_and(|n| !n.is_empty()));
    }
    // our literal translations of the Chinese names
    for (code, english) in [
        ("LI4", "Joining Valley"),
        ("ST36", "Leg Three Miles"),
        ("PC6", "Inner Pass"),
        ("LR1", "Great Pile"),
        ("PC7", "Great Mound"),
        ("HT4", "Numinous Path"),
        ("GV11", "Spirit Path"),
        ("CV17", "Chest Center"),
    ] {
        let p = app.get(&format!("/v1/points/{code}")).await.json();
        assert_eq!(p["english_name"], english, "{code}");
    }
}

#[actix_web::test]
async fn point_paths_accept_any_spelling_and_old_names() {
    let app = TestApp::new().await;
    for (path, code) in [
        ("LI4", "LI4"),
        ("li-4", "LI4"),
        ("Li%204", "LI4"),
        ("li_4", "LI4"),
        ("hegu", "LI4"),
        ("H%C3%A9g%C7%94", "LI4"),
        ("Renzhong", "GV26"),
        ("SJ5", "TE5"),
        ("lv3", "LR3"),
        ("ex-hn3", "EX-HN3"),
        ("yintang", "EX-HN3"),
    ] {
        let res = app.get(&format!("/v1/points/{path}")).await;
        assert_eq!(res.status, 200, "{path}: {:?}", res.body);
        assert_eq!(res.json()["code"], code, "{path}");
    }
    // an old name shared by two points is not guessed: search lists both
    app.get("/v1/points/Heliao").await.problem(404, "not_found");
    let found = codes(&app.get("/v1/points?q=heliao").await);
    assert!(
        found.contains(&"LI19".to_owned()) && found.contains(&"TE22".to_owned()),
        "{found:?}"
    );
}

#[actix_web::test]
async fn every_point_has_our_english_name_and_location() {
    let app = TestApp::new().await;
    let catalog = bundle(&app).await;
    let points = catalog["points"].as_array().unwrap();
    assert!(points.len() >= 361 + 11);
    for p in points {
        let code = p["code"].as_str().unwrap();
        let name = p["english_name"].as_str().unwrap();
        let location = p["location"].as_str().unwrap();
        assert!(!name.trim().is_empty(), "{code} name");
        assert!(
            (30..=400).contains(&location.chars().count()),
            "{code} location: {location}"
        );
    }
}

#[actix_web::test]
async fn self_care_guidance_for_the_points_people_press() {
    let app = TestApp::new().await;
    let catalog = bundle(&app).await;
    let by_code: HashMap<&str, &Value> = catalog["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap(), p))
        .collect();
    let with_care = by_code
        .values()
        .filter(|p| p["selfcare"].is_object())
        .count();
    assert!(with_care >= 40, "{with_care}");
    for code in [
        "LI4", "PC6", "ST36", "SP6", "LR3", "GB20", "GB21", "GV20", "HT7", "KI1", "KI3", "BL23",
        "BL40", "BL60", "CV6", "CV12", "CV17", "LI11", "TE5", "SI3", "GB34", "ST25", "LU7",
        "EX-HN3", "EX-HN5",
    ] {
        let care = &by_code[code]["selfcare"];
        assert!(care.is_object(), "{code} has self-care guidance");
        assert!(
            care["how_to_find"].as_array().is_some_and(|s| s.len() >= 2),
            "{code}"
        );
        assert!(care["seconds"].as_u64().is_some_and(|s| s > 0), "{code}");
        assert!(["light", "medium", "firm"].contains(&care["pressure"].as_str().unwrap()));
        assert!(!care["technique"].as_str().unwrap().is_empty());
    }
    // every written point is complete: technique details, uses and cautions
    for (code, p) in &by_code {
        let care = &p["selfcare"];
        if !care.is_object() {
            continue;
        }
        let finger = care["finger"].as_str().unwrap();
        assert!(
            ["thumb", "finger", "fingertips", "knuckle", "palm"].contains(&finger),
            "{code}"
        );
        let sides = care["sides"].as_str().unwrap();
        assert!(
            ["both", "one_side_at_a_time", "midline"].contains(&sides),
            "{code}"
        );
        assert!(care["breaths"].as_u64().is_some_and(|b| b > 0), "{code}");
        for list in ["traditional_uses", "cautions"] {
            assert!(
                care[list].as_array().is_some_and(|l| !l.is_empty()),
                "{code} {list}"
            );
        }
    }
    for code in ["LI4", "SP6", "GB21", "BL60"] {
        let cautions = by_code[code]["selfcare"]["cautions"]
            .to_string()
            .to_lowercase();
        assert!(cautions.contains("pregnan"), "{code} warns about pregnancy");
        assert_eq!(by_code[code]["pregnancy"], "contraindicated");
    }
}

#[actix_web::test]
async fn extra_points_with_their_codes() {
    let app = TestApp::new().await;
    for (asked, code) in [
        ("yintang", "EX-HN3"),
        ("EX-HN3", "EX-HN3"),
        ("ex hn 5", "EX-HN5"),
        ("taiyang", "EX-HN5"),
        ("sishencong", "EX-HN1"),
        ("dingchuan", "EX-B1"),
        ("yaoyan", "EX-B7"),
        ("baxie", "EX-UE9"),
        ("bafeng", "EX-LE10"),
        ("shixuan", "EX-UE11"),
        ("huatuojiaji", "EX-B2"),
        ("anmian", "Anmian"),
        ("jianqian", "Jianqian"),
    ] {
        let res = app
            .get(&format!("/v1/points/{}", asked.replace(' ', "%20")))
            .await;
        assert_eq!(res.status, 200, "{asked}");
        let p = res.json();
        assert_eq!(p["code"], code, "{asked}");
        assert_eq!(p["kind"], "extra");
        assert!(p["meridian"].is_null());
    }
    let extras = walk(&app, "/v1/points?kind=extra&limit=100").await;
    assert!(extras.len() >= 11);
}
