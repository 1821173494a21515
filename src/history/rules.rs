//! What makes a session valid, and which safety warnings apply to it.

use chrono::{DateTime, Datelike, Duration, Utc};
use uuid::Uuid;

use crate::catalog::safety;
use crate::catalog::store::Snapshot;
use crate::error::ApiError;
use crate::history::SessionId;
use crate::history::model::{Session, SessionInput, SessionPatch, Step, Warning};
use crate::personal::routines as own_routines;
use crate::users::model::SafetyProfile;
use crate::validate::{Problems, TextRule, echo};

pub const MAX_STEPS: usize = 100;
pub const MAX_MOOD_CHARS: usize = 40;
pub const MAX_NOTES_CHARS: usize = 2000;

/// A session that passed every check, with codes in canonical form.
#[derive(Clone, Debug)]
pub struct ValidSession {
    pub id: SessionId,
    pub started_at: DateTime<Utc>,
    pub duration_seconds: i32,
    pub routine: Option<String>,
    pub condition: Option<String>,
    pub steps: Vec<Step>,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    pub stress_before: Option<i16>,
    pub stress_after: Option<i16>,
    pub mood: Option<String>,
    pub notes: Option<String>,
}

fn scale(p: &mut Problems, field: &str, value: Option<i16>) -> Option<i16> {
    if let Some(v) = value
        && !(0..=10).contains(&v)
    {
        p.add(field, "must be between 0 and 10");
    }
    value
}

/// Checks a session against the limits, the catalog and the account's own routines
/// (`own`: the ids it has or had), 422 listing every problem.
pub fn validate(
    snapshot: &Snapshot,
    own: &[Uuid],
    input: SessionInput,
    now: DateTime<Utc>,
) -> Result<ValidSession, ApiError> {
    let mut p = Problems::default();
    if input.started_at.year() < 2000 || input.started_at > now + Duration::days(1) {
        p.add(
            "started_at",
            "must be after 2000 and not more than a day in the future",
        );
    }
    if !(1..=86_400).contains(&input.duration_seconds) {
        p.add("duration_seconds", "must be between 1 and 86400");
    }
    let routine = input.routine.and_then(|slug| {
        let found = own_routines::routine_name(snapshot, own, &slug);
        if found.is_none() {
            p.add("routine", format!("unknown routine `{}`", echo(&slug)));
        }
        found
    });
    let condition = input.condition.and_then(|slug| {
        let found = snapshot.condition_slug(&slug).map(str::to_owned);
        if found.is_none() {
            p.add("condition", format!("unknown condition `{}`", echo(&slug)));
        }
        found
    });
    if input.steps.len() > MAX_STEPS {
        p.add("steps", format!("must have at most {MAX_STEPS} steps"));
    }
    let mut steps = Vec::with_capacity(input.steps.len());
    for (i, step) in input.steps.into_iter().take(MAX_STEPS).enumerate() {
        if !(1..=3600).contains(&step.seconds) {
            p.add(format!("steps[{i}].seconds"), "must be between 1 and 3600");
        }
        match snapshot.point_code(&step.point) {
            Some(code) => steps.push(Step {
                point: code.to_owned(),
                ..step
            }),
            None => p.add(
                format!("steps[{i}].point"),
                format!("unknown point `{}`", echo(&step.point)),
            ),
        }
    }
    let valid = ValidSession {
        id: input.id.unwrap_or_else(SessionId::new_v7),
        started_at: input.started_at,
        duration_seconds: input.duration_seconds,
        routine,
        condition,
        steps,
        pain_before: scale(&mut p, "pain_before", input.pain_before),
        pain_after: scale(&mut p, "pain_after", input.pain_after),
        stress_before: scale(&mut p, "stress_before", input.stress_before),
        stress_after: scale(&mut p, "stress_after", input.stress_after),
        mood: (input.mood.as_deref())
            .and_then(|m| p.text("mood", m, TextRule::line(MAX_MOOD_CHARS))),
        notes: (input.notes.as_deref())
            .and_then(|n| p.text("notes", n, TextRule::lines(MAX_NOTES_CHARS))),
    };
    p.done(valid)
}

/// Whether applying `valid` would leave the stored session as it is.
pub fn unchanged(valid: &ValidSession, s: &Session) -> bool {
    valid.started_at == s.started_at
        && valid.duration_seconds == s.duration_seconds
        && valid.routine == s.routine
        && valid.condition == s.condition
        && valid.steps == s.steps
        && (valid.pain_before, valid.pain_after) == (s.pain_before, s.pain_after)
        && (valid.stress_before, valid.stress_after) == (s.stress_before, s.stress_after)
        && valid.mood == s.mood
        && valid.notes == s.notes
}

/// The stored session with a patch applied, as input to validate again.
pub fn patched(current: Session, patch: SessionPatch) -> SessionInput {
    SessionInput {
        id: Some(current.id),
        started_at: patch.started_at.unwrap_or(current.started_at),
        duration_seconds: patch.duration_seconds.unwrap_or(current.duration_seconds),
        routine: patch.routine.unwrap_or(current.routine),
        condition: patch.condition.unwrap_or(current.condition),
        steps: patch.steps.unwrap_or(current.steps),
        pain_before: patch.pain_before.unwrap_or(current.pain_before),
        pain_after: patch.pain_after.unwrap_or(current.pain_after),
        stress_before: patch.stress_before.unwrap_or(current.stress_before),
        stress_after: patch.stress_after.unwrap_or(current.stress_after),
        mood: patch.mood.unwrap_or(current.mood),
        notes: patch.notes.unwrap_or(current.notes),
    }
}

/// Warnings for what this user pressed, given their safety profile (the safety engine
/// over the steps whose points the catalog knows). The session is stored either way: the
/// app decides how to show them.
pub fn warnings(snapshot: &Snapshot, profile: &SafetyProfile, steps: &[Step]) -> Vec<Warning> {
    let presses = snapshot.presses(
        steps
            .iter()
            .map(|step| (step.point.as_str(), Some(step.pressure))),
    );
    safety::warnings(profile, presses)
}
