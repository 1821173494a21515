//! The start-up loader: idempotent, checked, and versioned by content.

use std::path::{Path, PathBuf};

use acupress::catalog::data::Dataset;
use acupress::db::SyncPgConnection;
use acupress::db::bootstrap;
use diesel::Connection;

use crate::support::{blocking, data_dir};

/// A private copy of `data/` to edit.
struct DataCopy(PathBuf);

impl DataCopy {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "acupress-data-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        copy_dir(&data_dir(), &dir);
        Self(dir)
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.0.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} contains {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
}

impl Drop for DataCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn seed(url: &str, dataset: Dataset) -> acupress::catalog::seed::SeedOutcome {
    let url = url.to_owned();
    blocking(move || {
        let mut conn = SyncPgConnection::establish(&url).unwrap();
        bootstrap::migrate_and_seed(&mut conn, &dataset).unwrap().1
    })
}

#[actix_web::test]
async fn a_content_change_changes_the_version_and_every_etag() {
    let app = local_app!("loads edited content into the database");
    let before = app.get("/v1/points/LI4").await;
    let old_version = app.state.catalog.get().version.clone();

    // Loading the same files again changes nothing.
    let same = seed(app.db_url(), Dataset::load(&data_dir()).unwrap());
    assert!(!same.changed);
    assert_eq!(same.version, old_version);

    let copy = DataCopy::new();
    let name = before.json()["english_name"].as_str().unwrap().to_owned();
    copy.edit(
        "points/LI.toml",
        &format!("english_name = \"{name}\""),
        "english_name = \"Meeting Valley\"",
    );
    let edited = Dataset::load(&copy.0).unwrap();
    assert_ne!(edited.version, old_version);
    let outcome = seed(app.db_url(), edited);
    assert!(outcome.changed);

    assert!(
        app.state.catalog.refresh(&app.state.pool).await.unwrap(),
        "the instance reloads"
    );
    let after = app.get("/v1/points/LI4").await;
    assert_eq!(after.json()["english_name"], "Meeting Valley");
    assert_ne!(after.header("etag"), before.header("etag"));
    let version = app.get("/v1/catalog/version").await.json();
    assert_eq!(version["version"], outcome.version);
    assert!(
        !app.state.catalog.refresh(&app.state.pool).await.unwrap(),
        "nothing new to load"
    );
}

#[actix_web::test]
async fn a_newer_baseline_is_merged_without_overwriting_an_edit_and_edits_export() {
    let app = local_app!("loads edited content into the database");
    let boss = app.admin("boss@example.com").await;
    let req = actix_web::test::TestRequest::patch()
        .uri("/v1/admin/points/LI4")
        .insert_header(("if-match", "\"1\""))
        .insert_header(("content-type", "application/merge-patch+json"))
        .set_payload(r#"{"english_name": "Valley of the Hand"}"#);
    let res = boss.send(req).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let li5 = app.get("/v1/points/LI5").await.json()["english_name"].clone();
    let li4 = app.get("/v1/admin/points/LI4").await;

    // The edit goes out in the data files' format, and reads back.
    let out =
        DataCopy(std::env::temp_dir().join(format!("acupress-export-{}", uuid::Uuid::new_v4())));
    let mut config = app.state.config.as_ref().clone();
    config.database_url = app.db_url().to_owned();
    acupress::admin::catalog::export(&config, &out.0)
        .await
        .unwrap();
    let exported = Dataset::load(&out.0).unwrap();
    let point = |data: &Dataset, code: &str| {
        data.points
            .iter()
            .find(|p| p.code == code)
            .unwrap()
            .english_name
            .clone()
    };
    assert_eq!(point(&exported, "LI4"), "Valley of the Hand");
    assert_eq!(point(&exported, "LI5"), li5.as_str().unwrap());
    drop(li4);

    // A release changes LI4 (edited) and LI5 (not).
    let copy = DataCopy::new();
    let original = Dataset::load(&data_dir()).unwrap();
    copy.edit(
        "points/LI.toml",
        &format!("english_name = \"{}\"", point(&original, "LI4")),
        "english_name = \"Meeting Valley\"",
    );
    copy.edit(
        "points/LI.toml",
        &format!("english_name = \"{}\"", point(&original, "LI5")),
        "english_name = \"Yang Brook\"",
    );
    let outcome = seed(app.db_url(), Dataset::load(&copy.0).unwrap());
    assert!(outcome.changed);
    app.state.catalog.refresh(&app.state.pool).await.unwrap();
    assert_eq!(
        app.get("/v1/points/LI4").await.json()["english_name"],
        "Valley of the Hand",
        "the edit stays"
    );
    assert_eq!(
        app.get("/v1/points/LI5").await.json()["english_name"],
        "Yang Brook"
    );
    let item = boss.get("/v1/admin/points/LI4").await.json();
    assert_eq!(item["edited"], true);
    assert_eq!(item["newer_baseline"]["english_name"], "Meeting Valley");
    let audit = boss.get("/v1/admin/audit?subject=point:LI4").await.json();
    assert_eq!(audit["items"][0]["action"], "newer_baseline");
    assert_eq!(audit["items"][0]["actor"], serde_json::Value::Null);
    assert_eq!(audit["items"][0]["after"]["english_name"], "Meeting Valley");
    // Seeding the same release again changes nothing and notes nothing new.
    assert!(!seed(app.db_url(), Dataset::load(&copy.0).unwrap()).changed);

    // Taking the newer baseline makes the item the baseline's again.
    let revision = item["revision"].as_i64().unwrap();
    let req = actix_web::test::TestRequest::patch()
        .uri("/v1/admin/points/LI4")
        .insert_header(("if-match", format!("\"{revision}\"")))
        .insert_header(("content-type", "application/merge-patch+json"))
        .set_payload(r#"{"english_name": "Meeting Valley"}"#);
    let taken = boss.send(req).await.json();
    assert_eq!(taken["edited"], false);
    assert_eq!(taken["newer_baseline"], serde_json::Value::Null);
}

#[actix_web::test]
async fn the_loader_refuses_incomplete_or_inconsistent_data() {
    let copy = DataCopy::new();
    copy.edit("points/LU.toml", "code = \"LU11\"", "code = \"LU12\"");
    let err = Dataset::load(&copy.0).unwrap_err();
    assert!(err.to_string().contains("LU.toml"), "{err}");

    let copy = DataCopy::new();
    copy.edit("points.csv", "LI4,LI,4,", "LI4,ST,4,");
    let err = Dataset::load(&copy.0).unwrap_err().to_string();
    assert!(
        err.contains("should have"),
        "per-meridian counts are checked: {err}"
    );

    let copy = DataCopy::new();
    copy.edit(
        "conditions.toml",
        "evidence = \"reviewed\"",
        "evidence = \"proven\"",
    );
    let err = Dataset::load(&copy.0).unwrap_err().to_string();
    assert!(
        err.contains("conditions.toml: ") && err.contains("proven") && err.contains("limited"),
        "an unknown word names the file, the record, the value and the allowed ones: {err}"
    );

    // The evidence rule: `reviewed` only on a named review of the point itself.
    let copy = DataCopy::new();
    copy.edit(
        "conditions.toml",
        "review_scope = \"point\"",
        "review_scope = \"protocol\"",
    );
    let err = Dataset::load(&copy.0).unwrap_err().to_string();
    assert!(
        err.contains("menstrual-cramps/SP6") && err.contains("limited"),
        "a review of protocols does not make a link `reviewed`: {err}"
    );

    let copy = DataCopy::new();
    copy.edit("routines.toml", "point = \"GB20\"", "point = \"GB99\"");
    let err = Dataset::load(&copy.0).unwrap_err().to_string();
    assert!(err.contains("GB99"), "{err}");

    // a self-care entry must be complete
    let copy = DataCopy::new();
    copy.edit(
        "selfcare.toml",
        "cautions = [\n  \"Skip a palm with a cut, blister or rash, and press softly if the \
         hand is stiff or swollen from arthritis.\",\n]",
        "cautions = []",
    );
    let err = Dataset::load(&copy.0).unwrap_err().to_string();
    assert!(err.contains("PC8") && err.contains("cautions"), "{err}");
    let copy = DataCopy::new();
    copy.edit(
        "selfcare.toml",
        "finger = \"knuckle\"",
        "finger = \"elbow\"",
    );
    let err = Dataset::load(&copy.0).unwrap_err().to_string();
    assert!(err.contains("elbow") && err.contains(".finger"), "{err}");
    let copy = DataCopy::new();
    copy.edit("points.csv", ",hand\n", ",palm\n");
    let err = Dataset::load(&copy.0).unwrap_err().to_string();
    assert!(
        err.contains("points.csv: row 11 (LU10)") && err.contains("palm"),
        "{err}"
    );
    let copy = DataCopy::new();
    copy.edit("safety.toml", "level = \"avoid\"", "level = \"never\"");
    let err = Dataset::load(&copy.0).unwrap_err().to_string();
    assert!(
        err.contains("safety.toml: open-wounds: precautions[0].level") && err.contains("never"),
        "{err}"
    );

    // an extra point takes its pregnancy level only from flagged standard points
    let copy = DataCopy::new();
    copy.edit(
        "points/EX.toml",
        "pregnancy_as = [\"BL25\"]",
        "pregnancy_as = [\"ST36\"]",
    );
    let err = Dataset::load(&copy.0).unwrap_err().to_string();
    assert!(err.contains("EX-B7") && err.contains("ST36"), "{err}");
}
