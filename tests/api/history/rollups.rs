//! The daily rollups behind statistics: folded when read, exact after every kind of
//! change, and sessions not folded yet still counted.

use serde_json::{Value, json};

use super::local_days;
use crate::support::{Account, execute};

/// Ten minutes for `condition` on one point, with pain before and after.
fn with_pain(at: &str, condition: &str, pain: (i64, i64), point: &str) -> Value {
    json!({"started_at": at, "duration_seconds": 600, "condition": condition,
        "pain_before": pain.0, "pain_after": pain.1,
        "steps": [{"point": point, "side": "both", "seconds": 45, "pressure": "firm"}]})
}

/// Two sessions for insomnia (pain 6 → 2 and 5 → 4) on 1 and 2 June 2026; their ids.
async fn two_insomnia_sessions(who: &Account<'_>) -> (String, String) {
    let a = who
        .new_session(with_pain("2026-06-01T08:00:00Z", "insomnia", (6, 2), "HT7"))
        .await;
    let b = who
        .new_session(with_pain("2026-06-02T08:00:00Z", "insomnia", (5, 4), "PC6"))
        .await;
    (a, b)
}

#[actix_web::test]
async fn folded_rollups_match_a_rebuild_after_every_kind_of_change() {
    let app = local_app!("empties the rollups in the database");
    let mei = app.register("mei@example.com").await;
    let url = app.db_url().to_owned();
    let range = "from=2026-05-01&to=2026-06-30";
    // Statistics read now (folding what is pending) must equal statistics computed from
    // nothing (rollups emptied, every session folded again).
    let check = async |what: &str| {
        let folded = mei.stats(range).await;
        execute(
            &url,
            format!(
                "DELETE FROM history_days WHERE user_id = '{0}';
                 DELETE FROM history_point_days WHERE user_id = '{0}';
                 UPDATE users SET history_rolled_version = 0 WHERE id = '{0}'",
                mei.id
            ),
        );
        let rebuilt = mei.stats(range).await;
        assert_eq!(folded, rebuilt, "after {what}");
        folded
    };
    let (a, b) = two_insomnia_sessions(&mei).await;
    let s = check("two new sessions").await;
    assert_eq!(s["total"]["sessions"], 2);
    assert_eq!(s["total"]["pain_change"], -2.5);
    // A folded session is edited: its old state leaves the rollups at once.
    mei.edit_session(
        &a,
        json!({"started_at": "2026-06-05T08:00:00Z", "pain_after": 5}),
    )
    .await
    .assert_status(200);
    let s = check("an edit").await;
    assert_eq!(s["total"]["pain_change"], -1.0);
    assert_eq!(s["per_day"][1]["start"], "2026-06-05");
    // Replaced by sync, edited twice before a read, and deleted.
    let mut replaced = with_pain("2026-06-02T09:00:00Z", "stress", (7, 3), "LI4");
    replaced["id"] = json!(b);
    let res = mei
        .sync_push(json!({"cursor": null, "changes": [{"op": "upsert", "session": replaced}]}))
        .await;
    assert_eq!(res.status, 409, "the cursor is older than the session");
    let cursor = mei.sync_cursor().await;
    mei.sync_push(json!({"cursor": cursor, "changes": [{"op": "upsert", "session": replaced}]}))
        .await
        .assert_status(200);
    let s = check("a sync replacement").await;
    assert_eq!(s["per_condition"].as_array().unwrap().len(), 2);
    let c = mei
        .new_session(with_pain("2026-06-07T08:00:00Z", "stress", (8, 8), "GB20"))
        .await;
    for pain_after in [6, 1] {
        mei.edit_session(&c, json!({"pain_after": pain_after}))
            .await
            .assert_status(200);
    }
    mei.delete_session(&a).await.assert_status(204);
    let s = check("edits of a pending session and a deletion").await;
    // Left: b (7 → 3) and c (8 → 1).
    assert_eq!(
        s["total"],
        json!({"sessions": 2, "pain_change": -5.5, "pain_sessions": 2, "stress_change": null, "stress_sessions": 0})
    );
}

#[actix_web::test]
async fn statistics_count_sessions_not_folded_yet() {
    // What a write committed between the fold and the read leaves: some sessions folded,
    // a folded one changed (its old state taken out) and new ones pending. Folding is
    // switched off here so the read has to add the pending sessions itself.
    let app = local_app!("switches folding off in the database");
    let mei = app.register("mei@example.com").await;
    let (a, b) = two_insomnia_sessions(&mei).await;
    let range = "from=2026-05-01&to=2026-06-30";
    assert_eq!(mei.stats(range).await["total"]["sessions"], 2);
    execute(
        app.db_url(),
        "CREATE OR REPLACE FUNCTION history_fold(uid uuid) RETURNS void LANGUAGE sql AS $$ SELECT $$"
            .into(),
    );
    mei.edit_session(
        &a,
        json!({"started_at": "2026-06-03T08:00:00Z", "pain_after": 5}),
    )
    .await
    .assert_status(200);
    mei.delete_session(&b).await.assert_status(204);
    mei.new_session(with_pain("2026-06-04T08:00:00Z", "stress", (8, 2), "LI4"))
        .await;
    let s = mei.stats(range).await;
    assert_eq!(
        s["total"],
        json!({"sessions": 2, "pain_change": -3.5, "pain_sessions": 2, "stress_change": null, "stress_sessions": 0})
    );
    let days = local_days(&s);
    assert_eq!(days, ["2026-06-03", "2026-06-04"]);
    assert_eq!(s["most_used_points"].as_array().unwrap().len(), 2);
}
