//! Recommendations: curated routines, own routines and points ranked for the conditions
//! a user asks about, by the evidence behind them, what has helped this user before (from
//! [`crate::history::stats::MIN_SESSIONS`] rated sessions on) and how many of the
//! conditions they serve. Whatever is contraindicated for the user is left out; cautions
//! come as warnings; the conditions' red flags come with the answer.

pub mod handlers;
pub mod model;

use diesel_async::AsyncPgConnection;

use crate::catalog::data::EvidenceLevel;
use crate::catalog::model::Localizer;
use crate::catalog::safety::{self, Press, Warning};
use crate::catalog::store::Snapshot;
use crate::error::{ApiError, ApiResult};
use crate::history::model::WhatWorks;
use crate::history::stats;
use crate::http::Lang;
use crate::personal::routines::{self, store::RoutineRow};
use crate::users::UserId;
use crate::users::model::SafetyProfile;
use crate::validate::{Problems, echo};
use model::{PersonalResult, Recommendation, Recommendations, RecommendedKind, RedFlags};

pub const MAX_CONDITIONS: usize = 5;
pub const MAX_ITEMS: usize = 30;

/// The conditions of the query, canonical and distinct: 1 to [`MAX_CONDITIONS`] known
/// slugs (422 naming each unknown one).
pub fn conditions(snapshot: &Snapshot, raw: Option<&str>) -> ApiResult<Vec<usize>> {
    let raw = raw
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            ApiError::invalid("condition", "name one to five conditions, comma-separated")
        })?;
    let mut found: Vec<usize> = Vec::new();
    let mut p = Problems::default();
    let parts: Vec<&str> = raw.split(',').map(str::trim).collect();
    if parts.len() > MAX_CONDITIONS {
        return Err(ApiError::invalid(
            "condition",
            format!("name at most {MAX_CONDITIONS} conditions"),
        ));
    }
    for part in parts {
        match snapshot.condition_index(part) {
            Some(ci) if !found.contains(&ci) => found.push(ci),
            Some(_) => {}
            None => p.add("condition", format!("unknown condition `{}`", echo(part))),
        }
    }
    p.done(found)
}

fn weight(level: EvidenceLevel) -> f64 {
    match level {
        EvidenceLevel::Traditional => 1.0,
        EvidenceLevel::Limited => 2.0,
        EvidenceLevel::Reviewed => 3.0,
    }
}

/// An item being ranked.
struct Candidate<'a> {
    kind: RecommendedKind,
    id: String,
    name: String,
    served: Vec<usize>,
    evidence: EvidenceLevel,
    presses: Vec<Press<'a>>,
}

/// The evidence of point `code` for condition `ci`, if the condition links it.
fn link_evidence(snapshot: &Snapshot, ci: usize, code: &str) -> Option<EvidenceLevel> {
    snapshot.conditions[ci]
        .points
        .iter()
        .find(|l| l.code == code)
        .map(|l| l.evidence)
}

/// A routine's served conditions and best evidence, from its points and its own list.
fn routine_fit(
    snapshot: &Snapshot,
    asked: &[usize],
    listed: &[String],
    points: &[&str],
) -> (Vec<usize>, EvidenceLevel) {
    let mut served = Vec::new();
    let mut best = EvidenceLevel::Traditional;
    for &ci in asked {
        let evidence: Vec<EvidenceLevel> = points
            .iter()
            .filter_map(|code| link_evidence(snapshot, ci, code))
            .collect();
        if listed.contains(&snapshot.conditions[ci].slug) || !evidence.is_empty() {
            served.push(ci);
        }
        for e in evidence {
            if weight(e) > weight(best) {
                best = e;
            }
        }
    }
    (served, best)
}

fn candidates<'a>(
    snapshot: &'a Snapshot,
    lang: Lang,
    asked: &[usize],
    own: &[RoutineRow],
) -> Vec<Candidate<'a>> {
    let mut out = Vec::new();
    let mut seen_points: Vec<usize> = Vec::new();
    for &ci in asked {
        for link in &snapshot.conditions[ci].points {
            let Some(pi) = snapshot.point_index(&link.code) else {
                continue;
            };
            if seen_points.contains(&pi) {
                continue;
            }
            seen_points.push(pi);
            let code = snapshot.points[pi].code.as_str();
            let (served, evidence) = routine_fit(snapshot, asked, &[], &[code]);
            out.push(Candidate {
                kind: RecommendedKind::Point,
                id: code.to_owned(),
                name: snapshot.point_name(code, &Localizer::new(lang)).0,
                served,
                evidence,
                presses: vec![Press {
                    point: &snapshot.points[pi],
                    pressure: None,
                }],
            });
        }
    }
    for (ri, r) in snapshot.routines.iter().enumerate() {
        let points: Vec<&str> = r.steps.iter().map(|s| s.point.as_str()).collect();
        let (served, evidence) = routine_fit(snapshot, asked, &r.conditions, &points);
        if !served.is_empty() {
            out.push(Candidate {
                kind: RecommendedKind::Routine,
                id: r.slug.clone(),
                name: snapshot.routine_ref(ri, &Localizer::new(lang)).name,
                served,
                evidence,
                presses: snapshot.routine_presses(ri),
            });
        }
    }
    for row in own {
        let steps = row.steps();
        let points: Vec<&str> = steps.iter().map(|s| s.point.as_str()).collect();
        let (served, evidence) = routine_fit(snapshot, asked, &row.conditions.0, &points);
        if !served.is_empty() {
            out.push(Candidate {
                kind: RecommendedKind::OwnRoutine,
                id: row.id.to_string(),
                name: row.name.clone(),
                served,
                evidence,
                presses: routines::presses(snapshot, &steps),
            });
        }
    }
    out
}

/// What the user's history says about `c` for the conditions it serves.
fn personal_results(
    snapshot: &Snapshot,
    c: &Candidate<'_>,
    works: &[WhatWorks],
) -> Vec<PersonalResult> {
    let mut found = Vec::new();
    for &ci in &c.served {
        let slug = &snapshot.conditions[ci].slug;
        let Some(w) = works.iter().find(|w| &w.condition == slug) else {
            continue;
        };
        let helpers = match c.kind {
            RecommendedKind::Point => &w.points,
            RecommendedKind::Routine | RecommendedKind::OwnRoutine => &w.routines,
        };
        if let Some(h) = helpers.iter().find(|h| h.key == c.id) {
            found.push(PersonalResult {
                condition: slug.clone(),
                average_improvement: h.average_improvement,
                sessions: h.sessions,
            });
        }
    }
    found
}

fn rank(
    snapshot: &Snapshot,
    asked: &[usize],
    profile: &SafetyProfile,
    works: &[WhatWorks],
    candidates: Vec<Candidate<'_>>,
) -> (Vec<Recommendation>, Vec<String>) {
    let mut items = Vec::new();
    let mut left_out = Vec::new();
    for c in candidates {
        let warnings: Vec<Warning> = safety::warnings(profile, c.presses.iter().copied());
        if warnings.iter().any(|w| w.code.is_contraindication()) {
            left_out.push(c.id);
            continue;
        }
        let personal = personal_results(snapshot, &c, works);
        let best_personal = personal
            .iter()
            .map(|p| p.average_improvement)
            .fold(0.0, f64::max);
        let score = 10.0 * c.served.len() as f64 + 3.0 * weight(c.evidence) + 2.0 * best_personal;
        let served: Vec<String> = c
            .served
            .iter()
            .map(|&ci| snapshot.conditions[ci].slug.clone())
            .collect();
        let mut reasons = vec![
            format!(
                "serves {} of the {} condition(s) asked for: {}",
                served.len(),
                asked.len(),
                served.join(", ")
            ),
            format!("best evidence: {}", c.evidence.as_str()),
        ];
        for p in &personal {
            reasons.push(format!(
                "helped you before with {}: {:.1} points better on average over {} rated sessions",
                p.condition, p.average_improvement, p.sessions
            ));
        }
        if !warnings.is_empty() {
            reasons.push(format!(
                "{} caution(s) for your safety profile",
                warnings.len()
            ));
        }
        items.push(Recommendation {
            rank: 0,
            kind: c.kind,
            id: c.id,
            name: c.name,
            conditions: served,
            evidence: c.evidence,
            personal,
            score,
            reasons,
            warnings,
        });
    }
    // Best score first; among equals, routines before points, then by id.
    items.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| {
                (a.kind == RecommendedKind::Point).cmp(&(b.kind == RecommendedKind::Point))
            })
            .then_with(|| a.id.cmp(&b.id))
    });
    items.truncate(MAX_ITEMS);
    for (i, item) in items.iter_mut().enumerate() {
        item.rank = i + 1;
    }
    (items, left_out)
}

/// Recommendations for the conditions `asked` (indexes from [`conditions`]).
pub async fn recommend(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    user: UserId,
    profile: &SafetyProfile,
    asked: &[usize],
) -> ApiResult<Recommendations> {
    let own = routines::store::all_live(conn, user).await?;
    let works = stats::what_works(conn, user).await?;
    let (items, left_out) = rank(
        snapshot,
        asked,
        profile,
        &works,
        candidates(snapshot, lang, asked, &own),
    );
    Ok(Recommendations {
        conditions: asked
            .iter()
            .map(|&ci| snapshot.conditions[ci].slug.clone())
            .collect(),
        items,
        left_out,
        red_flags: asked
            .iter()
            .map(|&ci| {
                let c = &snapshot.conditions[ci];
                let tr = Localizer::new(lang);
                RedFlags {
                    condition: c.slug.clone(),
                    name: snapshot.condition_summary(ci, &tr).name,
                    see_a_doctor_when: tr.list_field(&c.see_a_doctor_when, &c.translations, |t| {
                        t.see_a_doctor_when.as_ref()
                    }),
                }
            })
            .collect(),
    })
}
