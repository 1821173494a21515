//! Point search from memory: what people type, prefixes as they type them, typos,
//! ties, old codes, and rebuilding with the catalog.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::Value;

use crate::support::{TestApp, blocking};

/// The codes of the first page of (up to) 100 for `q`, and the page itself.
async fn search(app: &TestApp, q: &str) -> (Vec<String>, Value) {
    search_page(app, q, 100).await
}

/// The codes of the first `limit` points for `q`, each saying why it matched.
async fn first_codes(app: &TestApp, q: &str) -> Vec<String> {
    search_page(app, q, 10).await.0
}

async fn search_page(app: &TestApp, q: &str, limit: usize) -> (Vec<String>, Value) {
    let page = app
        .get_json(&format!("/v1/points?q={q}&limit={limit}"))
        .await;
    let codes = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert!(
                !p["matches"].as_array().unwrap().is_empty(),
                "{q}: says why it matched"
            );
            p["code"].as_str().unwrap().to_owned()
        })
        .collect();
    (codes, page)
}

fn top3(codes: &[String], code: &str) -> bool {
    codes.iter().take(3).any(|c| c == code)
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
async fn prefixes_as_typed_find_the_point_early() {
    let app = TestApp::new().await;
    let typed = |word: &str| {
        (1..=word.len())
            .map(|n| word[..n].to_owned())
            .collect::<Vec<_>>()
    };
    for prefix in typed("zusanli") {
        let (codes, _) = search(&app, &prefix).await;
        assert!(codes.contains(&"ST36".to_owned()), "{prefix}: {codes:?}");
        if prefix.len() >= 3 {
            assert!(top3(&codes, "ST36"), "{prefix}: {codes:?}");
        }
    }
    for (typed_so_far, code) in [
        ("zu%20s", "ST36"),
        ("zu%20san", "ST36"),
        ("heg", "LI4"),
        ("neig", "PC6"),
        ("taich", "LR3"),
        ("%E8%B6%B3%E4%B8%89", "ST36"),
        ("li4", "LI4"),
        ("LI-4", "LI4"),
    ] {
        let (codes, _) = search(&app, typed_so_far).await;
        assert!(top3(&codes, code), "{typed_so_far}: {codes:?}");
    }
    // Our English name, typed word by word, finds the point too.
    let name = app.get("/v1/points/ST36").await.json()["english_name"]
        .as_str()
        .unwrap()
        .to_owned();
    for n in 4..=name.len() {
        let (codes, _) = search(&app, &name[..n].replace(' ', "%20")).await;
        assert!(
            codes.contains(&"ST36".to_owned()),
            "{}: {codes:?}",
            &name[..n]
        );
    }
    assert_eq!(search(&app, &name.replace(' ', "%20")).await.0[0], "ST36");
}

#[actix_web::test]
async fn typos_still_find_the_point() {
    let app = TestApp::new().await;
    for (typo, code) in [
        ("zusanly", "ST36"),
        ("zusnli", "ST36"),
        ("zuzanli", "ST36"),
        ("neiguann", "PC6"),
        ("niguan", "PC6"),
        ("hegoo", "LI4"),
        ("yongquam", "KI1"),
    ] {
        let (codes, page) = search(&app, typo).await;
        assert_eq!(
            codes.first().map(String::as_str),
            Some(code),
            "{typo}: {codes:?}"
        );
        assert_eq!(page["items"][0]["matches"][0]["field"], "pinyin", "{typo}");
    }
    // Three letters are too few to guess from: only names starting with them match.
    let (codes, _) = search(&app, "zsu").await;
    assert!(codes.is_empty(), "{codes:?}");
}

#[actix_web::test]
async fn ties_keep_the_catalog_order() {
    let app = TestApp::new().await;
    // An exact code first, then the codes it starts (equal scores) in WHO order.
    let (codes, page) = search(&app, "st3").await;
    let expected: Vec<String> = std::iter::once("ST3".to_owned())
        .chain((30..=39).map(|n| format!("ST{n}")))
        .collect();
    assert_eq!(codes[..11], expected[..]);
    assert_eq!(
        page["items"][1]["matches"][0],
        serde_json::json!({"field": "code", "value": "ST30"})
    );
    // One letter: every point with a name starting with it, all scoring alike, in the
    // order of the unfiltered list.
    let all: Vec<String> = {
        let mut codes = Vec::new();
        let mut uri = "/v1/points?limit=100".to_owned();
        loop {
            let page = app.get(&uri).await.json();
            codes.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["code"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => uri = format!("/v1/points?limit=100&cursor={c}"),
                None => break,
            }
        }
        codes
    };
    let position = |code: &String| all.iter().position(|c| c == code).unwrap();
    let (z, page) = search(&app, "z").await;
    let fields: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["matches"][0]["field"].as_str().unwrap())
        .collect();
    let pinyin = fields.iter().take_while(|f| **f == "pinyin").count();
    assert!(pinyin > 10, "{z:?}");
    assert!(
        fields[pinyin..].iter().all(|f| *f == "alias"),
        "old names after names: {fields:?}"
    );
    for tier in [&z[..pinyin], &z[pinyin..]] {
        assert!(
            tier.windows(2).all(|w| position(&w[0]) < position(&w[1])),
            "{tier:?}"
        );
    }
    // The same query always gives the same order.
    assert_eq!(search(&app, "gu").await.0, search(&app, "gu").await.0);
}

#[actix_web::test]
async fn older_codes_and_u_umlaut_spellings_are_searched() {
    let app = TestApp::new().await;
    for (q, code, value) in [
        ("SJ5", "TE5", "SJ5"),
        ("lv3", "LR3", "LV3"),
        ("ren6", "CV6", "REN6"),
    ] {
        let (codes, page) = search(&app, q).await;
        assert_eq!(codes[0], code, "{q}");
        assert_eq!(page["items"][0]["matches"][0]["value"], value, "{q}");
    }
    // BL29 Zhōnglǚshū: ü typed as u or as v.
    for q in [
        "zhonglushu",
        "zhonglvshu",
        "Zh%C5%8Dngl%C7%9Ash%C5%AB",
        "zhonglv",
    ] {
        let (codes, page) = search(&app, q).await;
        assert_eq!(codes[0], "BL29", "{q}");
        assert_eq!(page["items"][0]["matches"][0]["value"], "Zhōnglǚshū", "{q}");
    }
}

#[actix_web::test]
async fn the_index_is_rebuilt_with_the_catalog() {
    let app = local_app!("edits the catalog in the database");
    assert!(search(&app, "quartz%20lantern").await.0.is_empty());
    let url = app.db_url().to_owned();
    blocking(move || {
        let mut conn = acupress::db::SyncPgConnection::establish(&url).unwrap();
        conn.batch_execute(
            "UPDATE catalog_items SET doc = jsonb_set(doc, '{english_name}', '\"Quartz Lantern\"') \
             WHERE kind = 'point' AND key = 'ST36'; UPDATE catalog_meta SET version = 'search-rebuild-test';",
        )
        .unwrap();
    });
    assert!(app.state.catalog.refresh(&app.state.pool).await.unwrap());
    let (codes, page) = search(&app, "quartz%20lant").await;
    assert_eq!(codes, ["ST36"]);
    assert_eq!(
        page["items"][0]["matches"][0],
        serde_json::json!({"field": "english_name", "value": "Quartz Lantern"})
    );
}
