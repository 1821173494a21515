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
