//! What makes an own routine valid: a name, known conditions and points, and the limits.
//! Every problem of a request is listed in one 422.

use crate::catalog::safety::{self, Press};
use crate::catalog::store::Snapshot;
use crate::error::{ApiResult, FieldError};
use crate::users::model::SafetyProfile;
use crate::validate::{Problems, TextRule, echo};

use super::model::{ConditionSlug, OwnRoutineInput, OwnRoutinePatch, OwnStepInput};
use super::store::{RoutineRow, RoutineValues, StoredStep};

pub const MAX_STEPS: usize = 30;
pub const MAX_TOTAL_SECONDS: u32 = 3600;
const MAX_CONDITIONS: usize = 10;
const MAX_NAME_CHARS: usize = 80;
const MAX_DESCRIPTION_CHARS: usize = 500;
const MAX_NOTE_CHARS: usize = 300;

fn name(p: &mut Problems, raw: &str) -> String {
    p.required_text("name", raw, TextRule::line(MAX_NAME_CHARS))
        .unwrap_or_default()
}

fn conditions(p: &mut Problems, snapshot: &Snapshot, raw: &[ConditionSlug]) -> Vec<String> {
    if raw.len() > MAX_CONDITIONS {
        p.add(
            "conditions",
            format!("must name at most {MAX_CONDITIONS} conditions"),
        );
    }
    let mut found: Vec<String> = Vec::new();
    for (i, ConditionSlug(slug)) in raw.iter().take(MAX_CONDITIONS).enumerate() {
        match snapshot.condition_slug(slug) {
            Some(s) if found.iter().any(|f| f == s) => {
                p.add(format!("conditions[{i}]"), format!("`{s}` is named twice"))
            }
            Some(s) => found.push(s.to_owned()),
            None => p.add(
                format!("conditions[{i}]"),
                format!("unknown condition `{}`", echo(slug)),
            ),
        }
    }
    found
}

fn steps(p: &mut Problems, snapshot: &Snapshot, raw: Vec<OwnStepInput>) -> Vec<StoredStep> {
    if raw.is_empty() {
        p.add("steps", "must hold at least one step");
    }
    if raw.len() > MAX_STEPS {
        p.add("steps", format!("must hold at most {MAX_STEPS} steps"));
    }
    let mut steps = Vec::with_capacity(raw.len().min(MAX_STEPS));
    for (i, step) in raw.into_iter().take(MAX_STEPS).enumerate() {
        if !(5..=600).contains(&step.seconds) {
            p.add(format!("steps[{i}].seconds"), "must be between 5 and 600");
        }
        let note = step.note.as_deref().and_then(|n| {
            p.text(
                &format!("steps[{i}].note"),
                n,
                TextRule::lines(MAX_NOTE_CHARS),
            )
        });
        match snapshot.point_code(&step.point) {
            Some(code) => steps.push(StoredStep {
                point: code.to_owned(),
                side: step.side,
                seconds: step.seconds,
                pressure: step.pressure,
                note,
            }),
            None => p.add(
                format!("steps[{i}].point"),
                format!("unknown point `{}`", echo(&step.point)),
            ),
        }
    }
    let total: u32 = steps.iter().map(|s| s.seconds).sum();
    if total > MAX_TOTAL_SECONDS {
        p.add(
            "steps",
            format!(
                "take {total} s in all; a routine takes at most {} minutes",
                MAX_TOTAL_SECONDS / 60
            ),
        );
    }
    steps
}

fn description(p: &mut Problems, raw: Option<&str>) -> Option<String> {
    raw.and_then(|d| p.text("description", d, TextRule::lines(MAX_DESCRIPTION_CHARS)))
}

/// A curated routine's steps as own steps, its instructions as notes (cut to fit).
fn copied_steps(snapshot: &Snapshot, ri: usize) -> Vec<OwnStepInput> {
    snapshot.routines[ri]
        .steps
        .iter()
        .map(|s| OwnStepInput {
            point: s.point.clone(),
            side: s.side,
            seconds: s.seconds,
            pressure: s.pressure,
            note: Some(s.instruction.chars().take(MAX_NOTE_CHARS).collect()),
        })
        .collect()
}

/// Checks a new routine; with `from`, the curated routine fills every field not sent.
pub fn check_new(snapshot: &Snapshot, input: OwnRoutineInput) -> ApiResult<RoutineValues> {
    let mut p = Problems::default();
    let origin = input.from.as_deref().and_then(|slug| {
        let found = snapshot.routine_index(slug);
        if found.is_none() {
            p.add("from", format!("unknown routine `{}`", echo(slug)));
        }
        found
    });
    let curated = origin.map(|ri| &snapshot.routines[ri]);
    let name = match (input.name.as_deref(), curated) {
        (Some(raw), _) => name(&mut p, raw),
        (None, Some(r)) => r.name.clone(),
        (None, None) => {
            if input.from.is_none() {
                p.add(
                    "name",
                    "is required unless the routine starts `from` a curated one",
                );
            }
            String::new()
        }
    };
    let description = match (input.description.as_deref(), curated) {
        (Some(raw), _) => description(&mut p, Some(raw)),
        (None, Some(r)) => Some(r.description.chars().take(MAX_DESCRIPTION_CHARS).collect()),
        (None, None) => None,
    };
    let conditions = match (&input.conditions, curated) {
        (Some(raw), _) => conditions(&mut p, snapshot, raw),
        (None, Some(r)) => r.conditions.clone(),
        (None, None) => Vec::new(),
    };
    let steps = match (input.steps, origin) {
        (Some(raw), _) => steps(&mut p, snapshot, raw),
        (None, Some(ri)) => steps(&mut p, snapshot, copied_steps(snapshot, ri)),
        (None, None) => {
            if input.from.is_none() {
                p.add(
                    "steps",
                    "are required unless the routine starts `from` a curated one",
                );
            }
            Vec::new()
        }
    };
    let values = RoutineValues {
        name,
        description,
        conditions,
        steps,
        origin: curated.map(|r| r.slug.clone()),
    };
    p.done(values)
}

/// The stored routine with a merge patch applied, checked again; fields not sent keep
/// their stored values as they are (a step whose point left the catalog stays).
pub fn check_patch(
    snapshot: &Snapshot,
    current: &RoutineRow,
    patch: OwnRoutinePatch,
) -> ApiResult<RoutineValues> {
    let mut p = Problems::default();
    let values = RoutineValues {
        name: patch
            .name
            .as_deref()
            .map_or_else(|| current.name.clone(), |n| name(&mut p, n)),
        description: match patch.description {
            Some(d) => description(&mut p, d.as_deref()),
            None => current.description.clone(),
        },
        conditions: patch.conditions.as_deref().map_or_else(
            || current.conditions.0.clone(),
            |c| conditions(&mut p, snapshot, c),
        ),
        steps: match patch.steps {
            Some(raw) => steps(&mut p, snapshot, raw),
            None => current.steps(),
        },
        origin: current.origin.clone(),
    };
    p.done(values)
}

/// The steps of `steps` whose points are contraindicated for `profile`, each named with
/// the engine's warning (the body of a 409 `warnings_not_acknowledged`).
pub fn contraindicated(
    snapshot: &Snapshot,
    profile: &SafetyProfile,
    steps: &[StoredStep],
) -> Vec<FieldError> {
    let mut found = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let Some(pi) = snapshot.point_index(&step.point) else {
            continue;
        };
        let press = Press {
            point: &snapshot.points[pi],
            pressure: Some(step.pressure),
        };
        for w in safety::warnings(profile, [press]) {
            if w.code.is_contraindication() {
                found.push(FieldError::new(format!("steps[{i}].point"), w.message));
            }
        }
    }
    found
}
