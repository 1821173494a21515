//! The point catalog: content, filters, search, pagination, caching, localisation.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::common::{Response, TestApp};

fn codes(res: &Response) -> Vec<String> {
    res.json()["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(&res.body)))
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Every item of a list, following `next_cursor` to the end.
async fn walk(app: &TestApp, first: &str) -> Vec<Value> {
    let (mut items, mut uri) = (Vec::new(), first.to_owned());
    loop {
        let res = app.get(&uri).await;
        assert_eq!(
            res.status,
            200,
            "{uri}: {}",
            String::from_utf8_lossy(&res.body)
        );
        let body = res.json();
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                let sep = if first.contains('?') { '&' } else { '?' };
                uri = format!("{first}{sep}cursor={cursor}");
            }
            None => return items,
        }
    }
}

async fn bundle(app: &TestApp) -> Value {
    app.get("/v1/catalog").await.json()
}

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

async fn first_codes(app: &TestApp, q: &str) -> Vec<String> {
    let res = app.get(&format!("/v1/points?q={q}&limit=10")).await;
    assert_eq!(
        res.status,
        200,
        "{q}: {}",
        String::from_utf8_lossy(&res.body)
    );
    for item in res.json()["items"].as_array().unwrap() {
        assert!(
            !item["matches"].as_array().unwrap().is_empty(),
            "{q}: says why it matched"
        );
    }
    codes(&res)
}

#[actix_web::test]
async fn search_finds_what_people_type() {
    let app = TestApp::new().await;
    // Codes in any spelling come first.
    for q in ["LI4", "li-4", "Li%204", "li4"] {
        assert_eq!(first_codes(&app, q).await[0], "LI4", "{q}");
    }
    // Pinyin with or without tone marks and spaces, hanzi in both scripts.
    for (q, code) in [
        ("hegu", "LI4"),
        ("H%C3%A9g%C7%94", "LI4"),
        ("he%20gu", "LI4"),
        ("Hegu", "LI4"),
        ("%E5%90%88%E8%B0%B7", "LI4"),
        ("%E5%86%85%E5%85%B3", "PC6"),
        ("%E5%85%A7%E9%97%9C", "PC6"),
        ("zu%20san%20li", "ST36"),
        ("renzhong", "GV26"),
        ("shanzhong", "CV17"),
    ] {
        assert_eq!(first_codes(&app, q).await[0], code, "{q}");
    }
    // English names.
    let hegu_name = app.get("/v1/points/LI4").await.json()["english_name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        first_codes(&app, &hegu_name.replace(' ', "%20")).await[0],
        "LI4"
    );
    // Condition names.
    let headache = first_codes(&app, "headache").await;
    assert!(
        headache.contains(&"LI4".to_owned()) && headache.contains(&"GB20".to_owned()),
        "{headache:?}"
    );
    let res = app.get("/v1/points?q=headache&limit=3").await.json();
    assert_eq!(res["items"][0]["matches"][0]["field"], "condition");
    // Typos.
    assert_eq!(first_codes(&app, "zusanly").await[0], "ST36");
    assert_eq!(first_codes(&app, "neiguann").await[0], "PC6");
    // No match is an empty page, not an error.
    let none = app.get("/v1/points?q=xqzxqz").await;
    assert_eq!(none.status, 200);
    assert!(none.json()["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn filters_combine() {
    let app = TestApp::new().await;
    let li = walk(&app, "/v1/points?meridian=li&limit=100").await;
    assert_eq!(li.len(), 20);
    let te = walk(&app, "/v1/points?meridian=SJ").await;
    assert_eq!(te.len(), 23);
    assert!(te.iter().all(|p| p["meridian"] == "TE"));
    let hand = walk(&app, "/v1/points?region=hand&limit=100").await;
    assert!(!hand.is_empty() && hand.iter().all(|p| p["body_region"] == "hand"));
    let both = walk(&app, "/v1/points?meridian=LI&region=hand").await;
    assert!(
        both.iter()
            .all(|p| p["meridian"] == "LI" && p["body_region"] == "hand")
    );
    assert!(both.iter().any(|p| p["code"] == "LI4"));
    let safe_hand = walk(&app, "/v1/points?region=hand&pregnancy=safe").await;
    assert!(!safe_hand.iter().any(|p| p["code"] == "LI4"));

    let multi = app
        .get("/v1/points?condition=insomnia,stress&limit=100")
        .await
        .json();
    let items = multi["items"].as_array().unwrap();
    let served = |p: &Value| p["matches"].as_array().unwrap().len();
    assert_eq!(served(&items[0]), 2, "points serving both conditions first");
    assert!(items.windows(2).all(|w| served(&w[0]) >= served(&w[1])));
    let single = walk(&app, "/v1/points?condition=insomnia").await;
    assert!(single.iter().any(|p| p["code"] == "HT7"));
    let search_and_filter = codes(&app.get("/v1/points?q=gu&meridian=LI").await);
    assert!(
        search_and_filter.iter().all(|c| c.starts_with("LI")),
        "{search_and_filter:?}"
    );
}

#[actix_web::test]
async fn pagination_reaches_the_end_without_repeats() {
    let app = TestApp::new().await;
    let version = app.get("/v1/catalog/version").await.json();
    for (uri, expected) in [
        (
            "/v1/points?limit=50",
            version["points"].as_u64().unwrap() as usize,
        ),
        ("/v1/points?limit=7&q=gu", 0),
        ("/v1/points?limit=3&condition=insomnia,stress,anxiety", 0),
    ] {
        let items = walk(&app, uri).await;
        let unique: HashSet<String> = items
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(unique.len(), items.len(), "{uri}: no repeats");
        if expected > 0 {
            assert_eq!(items.len(), expected, "{uri}");
        } else {
            assert!(items.len() > 3, "{uri}: several pages");
        }
    }
    let first = app.get("/v1/points?limit=2").await.json();
    assert!(first["next_cursor"].is_string());
    let last = app.get("/v1/points?meridian=HT&limit=9").await.json();
    assert!(
        last["next_cursor"].is_null(),
        "an exact last page has no cursor"
    );
}

#[actix_web::test]
async fn bad_filters_and_cursors_are_problems() {
    let app = TestApp::new().await;
    for uri in [
        "/v1/points?limit=0",
        "/v1/points?limit=101",
        "/v1/points?limit=-5",
    ] {
        app.get(uri).await.problem(422, "validation_failed");
    }
    app.get("/v1/points?limit=ten")
        .await
        .problem(400, "bad_request");
    app.get("/v1/points?cursor=forged")
        .await
        .problem(400, "invalid_cursor");
    let other = app.get("/v1/points?limit=2&meridian=LI").await.json()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/v1/points?limit=2&meridian=ST&cursor={other}"))
        .await
        .problem(400, "invalid_cursor");
    for (uri, field) in [
        ("/v1/points?meridian=XX", "meridian"),
        ("/v1/points?region=elbow", "region"),
        ("/v1/points?pregnancy=maybe", "pregnancy"),
        ("/v1/points?kind=other", "kind"),
        ("/v1/points?condition=insomnia,nothing", "condition"),
        ("/v1/points?condition=", "condition"),
        ("/v1/points?q=%01abc", "q"),
        ("/v1/conditions?category=magic", "category"),
    ] {
        let body = app.get(uri).await.problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], field, "{uri}");
    }
    let long = "a".repeat(101);
    app.get(&format!("/v1/points?q={long}"))
        .await
        .problem(422, "validation_failed");
    app.get("/v1/points?colour=red")
        .await
        .problem(400, "bad_query");
}

#[actix_web::test]
async fn unknown_codes_and_slugs_are_404() {
    let app = TestApp::new().await;
    for uri in [
        "/v1/points/LI99",
        "/v1/points/nothing",
        "/v1/conditions/nothing",
        "/v1/routines/nothing",
    ] {
        app.get(uri).await.problem(404, "not_found");
    }
}

#[actix_web::test]
async fn revalidation_answers_304_on_every_catalog_read() {
    let app = TestApp::new().await;
    for uri in [
        "/v1/points/LI4",
        "/v1/points?limit=50",
        "/v1/points?q=hegu",
        "/v1/conditions",
        "/v1/conditions/insomnia",
        "/v1/routines",
        "/v1/routines/sleep-wind-down",
        "/v1/safety",
        "/v1/catalog",
        "/v1/catalog/version",
        "/v1/meridians/LI",
    ] {
        let first = app.get(uri).await;
        assert_eq!(first.status, 200, "{uri}");
        let etag = first.header("etag").unwrap().to_owned();
        assert!(
            first
                .header("cache-control")
                .unwrap()
                .starts_with("public, max-age=")
        );
        let again = app
            .send(
                TestRequest::get()
                    .uri(uri)
                    .insert_header(("if-none-match", etag.as_str())),
            )
            .await;
        assert_eq!(again.status, 304, "{uri}");
        assert!(again.body.is_empty());
    }
}

#[actix_web::test]
async fn accept_language_picks_chinese_names() {
    let app = TestApp::new().await;
    let get = |uri: &'static str, lang: &'static str| {
        app.send(
            TestRequest::get()
                .uri(uri)
                .insert_header(("accept-language", lang)),
        )
    };
    let hans = get("/v1/points/PC6", "zh-CN").await;
    assert_eq!(hans.header("content-language"), Some("zh-Hans"));
    assert_eq!(hans.json()["name"], "内关");
    let hant = get("/v1/points/PC6", "zh-Hant-TW").await;
    assert_eq!(hant.header("content-language"), Some("zh-Hant"));
    assert_eq!(hant.json()["name"], "內關");
    let en = get("/v1/points/PC6", "de-DE").await;
    assert_eq!(en.header("content-language"), Some("en"));
    assert_eq!(en.json()["name"], en.json()["english_name"]);
    let condition = get("/v1/conditions/insomnia", "zh-Hans").await.json();
    assert_ne!(condition["name"], condition["english_name"]);
    let catalog = get("/v1/catalog", "zh-Hant").await.json();
    assert_eq!(catalog["language"], "zh-Hant");
}

#[actix_web::test]
async fn offline_bundle_is_complete_and_small() {
    let app = TestApp::new().await;
    let res = app
        .send(
            TestRequest::get()
                .uri("/v1/catalog")
                .insert_header(("accept-encoding", "gzip")),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    assert!(
        res.body.len() < 200 * 1024,
        "{} bytes gzipped",
        res.body.len()
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(&res.body[..])
        .read_to_string(&mut text)
        .unwrap();
    let catalog: Value = serde_json::from_str(&text).unwrap();
    let version = app.get("/v1/catalog/version").await.json();
    assert_eq!(catalog["version"], version["version"]);
    assert_eq!(
        catalog["points"].as_array().unwrap().len() as u64,
        version["points"].as_u64().unwrap()
    );
    assert_eq!(catalog["meridians"].as_array().unwrap().len(), 14);
    assert!(catalog["conditions"].as_array().unwrap().len() >= 30);
    assert!(catalog["routines"].as_array().unwrap().len() >= 12);
    assert!(catalog["safety"]["disclaimer"].is_string());
    let plain = app.get("/v1/catalog").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.json(), catalog);
}

#[actix_web::test]
async fn preconditions_never_hide_errors() {
    let app = TestApp::new().await;
    for (uri, status) in [
        ("/v1/points/XX99", 404),
        ("/v1/conditions/nope", 404),
        ("/v1/points?kind=bogus", 422),
        ("/v1/points?cursor=zzz", 400),
        ("/v1/points?limit=0", 422),
    ] {
        let res = app
            .send(
                TestRequest::get()
                    .uri(uri)
                    .insert_header(("if-none-match", "*")),
            )
            .await;
        assert_eq!(res.status, status, "{uri}");
    }
    let res = app
        .send(
            TestRequest::get()
                .uri("/v1/points/LI4")
                .insert_header(("if-none-match", "*")),
        )
        .await;
    assert_eq!(res.status, 304);
}

#[actix_web::test]
async fn each_content_coding_has_its_own_strong_etag() {
    let app = TestApp::new().await;
    let get = |enc: Option<&'static str>| {
        let mut req = TestRequest::get().uri("/v1/points?limit=50");
        if let Some(enc) = enc {
            req = req.insert_header(("accept-encoding", enc));
        }
        app.send(req)
    };
    let plain = get(None).await;
    let gzip = get(Some("gzip")).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    let (plain_tag, gzip_tag) = (
        plain.header("etag").unwrap().to_owned(),
        gzip.header("etag").unwrap().to_owned(),
    );
    assert_ne!(plain_tag, gzip_tag);
    assert!(gzip_tag.ends_with("-gzip\""), "{gzip_tag}");
    let revalidate = app
        .send(
            TestRequest::get()
                .uri("/v1/points?limit=50")
                .insert_header(("accept-encoding", "gzip"))
                .insert_header(("if-none-match", gzip_tag.as_str())),
        )
        .await;
    assert_eq!(revalidate.status, 304);
    assert_eq!(revalidate.header("etag"), Some(gzip_tag.as_str()));
    let bundle = app
        .send(
            TestRequest::get()
                .uri("/v1/catalog")
                .insert_header(("accept-encoding", "gzip")),
        )
        .await;
    assert!(bundle.header("etag").unwrap().ends_with("-gzip\""));
}

#[actix_web::test]
async fn unknown_query_parameters_are_refused_everywhere_and_empty_cursor_is_the_first_page() {
    let app = TestApp::new().await;
    for uri in [
        "/v1/points/LI4?x=1",
        "/v1/meridians?x=1",
        "/v1/catalog?x=1",
        "/v1/safety?x=1",
        "/v1/routines/sleep-wind-down?x=1",
    ] {
        app.get(uri).await.problem(400, "bad_query");
    }
    let first = app.get("/v1/points?cursor=&limit=3").await;
    assert_eq!(first.status, 200);
    assert_eq!(codes(&first), ["LU1", "LU2", "LU3"]);
}
