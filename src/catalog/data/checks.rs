//! The consistency rules the loader holds every data file to. Each check names the
//! file and the record it refuses, so that a reviewer knows what to fix.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::records::{
    ConditionPointRecord, ConditionRecord, MeridianRow, PointFacts, PointRecord, RoutineRecord,
    SafetyRecord, SelfCare, StepRecord,
};
use super::vocab::{
    EvidenceLevel, MERIDIAN_COUNT, PointKind, Pregnancy, Pressure, ReviewScope,
    STANDARD_POINT_COUNT,
};
use super::{DataError, fail, normalize};

/// Checks that text a user reads is non-empty and free of control characters.
fn check_text(file: &Path, what: &str, text: &str) -> Result<(), DataError> {
    if text.trim().is_empty() || text.chars().any(char::is_control) {
        return Err(fail(
            file,
            format!("{what}: empty or contains control characters"),
        ));
    }
    Ok(())
}

/// Checks that `slug` is kebab-case and not already in `seen`, and records it there.
fn check_slug<'a>(
    file: &Path,
    seen: &mut HashSet<&'a str>,
    slug: &'a str,
) -> Result<(), DataError> {
    if !seen.insert(slug) || !is_slug(slug) {
        return Err(fail(
            file,
            format!("slug `{slug}` is repeated or not kebab-case"),
        ));
    }
    Ok(())
}

/// Lower-case ASCII letters and digits in non-empty parts joined by `-`.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Checks that there are [`MERIDIAN_COUNT`] meridians and that no code or alias is
/// used twice.
pub(super) fn check_meridians(file: &Path, rows: &[MeridianRow]) -> Result<(), DataError> {
    if rows.len() != MERIDIAN_COUNT {
        return Err(fail(
            file,
            format!("expected {MERIDIAN_COUNT} meridians, found {}", rows.len()),
        ));
    }
    let mut seen = HashSet::new();
    for row in rows {
        for code in std::iter::once(row.code.clone()).chain(row.alias_list()) {
            if !seen.insert(code.clone()) {
                return Err(fail(file, format!("code or alias {code} appears twice")));
            }
        }
    }
    Ok(())
}

/// Checks that `points.csv` has [`STANDARD_POINT_COUNT`] points and each meridian the
/// number `meridians.csv` gives it.
pub(super) fn check_point_counts(
    file: &Path,
    facts: &[PointFacts],
    meridians: &[MeridianRow],
) -> Result<(), DataError> {
    if facts.len() != STANDARD_POINT_COUNT {
        return Err(fail(
            file,
            format!(
                "expected {STANDARD_POINT_COUNT} standard points, found {}",
                facts.len()
            ),
        ));
    }
    for m in meridians {
        let n = facts.iter().filter(|p| p.meridian_code == m.code).count();
        if n != m.point_count as usize {
            return Err(fail(
                file,
                format!(
                    "meridian {} should have {} points, found {n}",
                    m.code, m.point_count
                ),
            ));
        }
    }
    Ok(())
}

/// Checks that a meridian's file has one entry for each of its points.
pub(super) fn check_entry_count(
    file: &Path,
    entries: usize,
    points: usize,
) -> Result<(), DataError> {
    if entries != points {
        return Err(fail(file, format!("{entries} entries for {points} points")));
    }
    Ok(())
}

/// Checks that a meridian's file lists its points in the order of `points.csv`.
pub(super) fn check_in_order(file: &Path, expected: &str, found: &str) -> Result<(), DataError> {
    if expected != found {
        return Err(fail(
            file,
            format!("expected {expected} in order, found {found}"),
        ));
    }
    Ok(())
}

/// Checks that every point has a name and a location, and that no two codes are the
/// same once normalised (`LI4` and `LI-4`).
pub(super) fn check_points(file: &Path, points: &[PointRecord]) -> Result<(), DataError> {
    let mut keys = HashSet::new();
    for p in points {
        for (what, text) in [("english_name", &p.english_name), ("location", &p.location)] {
            check_text(file, &format!("{} {what}", p.code), text)?;
        }
        if !keys.insert(normalize(&p.code)) {
            return Err(fail(file, format!("point code {} appears twice", p.code)));
        }
    }
    Ok(())
}

/// The strictest level of the standard points an extra point names in `pregnancy_as`;
/// each of them must be a standard point the teaching lists flag.
pub(super) fn pregnancy_as_level(
    file: &Path,
    code: &str,
    like: &[String],
    points: &[PointRecord],
) -> Result<Pregnancy, DataError> {
    let mut level = Pregnancy::NotListed;
    for other in like {
        let flagged = points
            .iter()
            .find(|p| &p.code == other && p.kind == PointKind::Standard)
            .map(|p| p.pregnancy)
            .filter(|l| *l != Pregnancy::NotListed)
            .ok_or_else(|| {
                fail(
                    file,
                    format!(
                        "{code}: pregnancy_as names {other}, which is not a flagged standard point"
                    ),
                )
            })?;
        level = level.max(flagged);
    }
    Ok(level)
}

/// Checks that self-care guidance is fully written: steps to find the point, a hold a
/// person can follow, what it is used for and what to watch out for.
pub(super) fn check_selfcare(file: &Path, code: &str, care: &SelfCare) -> Result<(), DataError> {
    let complete = care.how_to_find.len() >= 2
        && (10..=300).contains(&care.seconds)
        && (1..=30).contains(&care.breaths)
        && !care.traditional_uses.is_empty()
        && !care.cautions.is_empty();
    if !complete {
        return Err(fail(
            file,
            format!(
                "{code}: needs at least two finding steps, 10-300 seconds, 1-30 breaths, \
                 traditional uses and cautions"
            ),
        ));
    }
    for text in care
        .how_to_find
        .iter()
        .chain(&care.cautions)
        .chain(&care.traditional_uses)
        .chain([&care.technique])
    {
        check_text(file, code, text)?;
    }
    Ok(())
}

/// Checks every condition: a unique slug, a description, red flags, and known points,
/// each once.
pub(super) fn check_conditions(
    file: &Path,
    conditions: &[ConditionRecord],
    codes: &HashSet<&str>,
) -> Result<(), DataError> {
    let mut slugs = HashSet::new();
    for c in conditions {
        check_slug(file, &mut slugs, &c.slug)?;
        check_text(file, &c.slug, &c.description)?;
        if c.points.is_empty() || c.see_a_doctor_when.is_empty() {
            return Err(fail(file, format!("{} needs points and red flags", c.slug)));
        }
        let mut seen = HashSet::new();
        for link in &c.points {
            if !codes.contains(link.code.as_str()) || !seen.insert(link.code.as_str()) {
                return Err(fail(
                    file,
                    format!("{}: unknown or repeated point {}", c.slug, link.code),
                ));
            }
            check_evidence(file, &c.slug, link)?;
        }
    }
    Ok(())
}

/// Checks that every point a condition links to has self-care guidance: a condition
/// screen sends the reader to how to find and press each of its points.
pub(super) fn check_links_guided(
    file: &Path,
    conditions: &[ConditionRecord],
    guided: &Guidance,
) -> Result<(), DataError> {
    for c in conditions {
        if let Some(link) = c
            .points
            .iter()
            .find(|l| !guided.contains_key(l.code.as_str()))
        {
            return Err(fail(
                file,
                format!("{}: point {} has no self-care guidance", c.slug, link.code),
            ));
        }
    }
    Ok(())
}

/// The evidence rule (docs/data-format.md): `reviewed` needs a named review
/// (`review`) of this point's own use (`review_scope = "point"`); a review that pools
/// protocols of several points supports `limited` at most; a scope needs its review.
fn check_evidence(
    file: &Path,
    condition: &str,
    link: &ConditionPointRecord,
) -> Result<(), DataError> {
    let named = link.review.as_deref().is_some_and(|r| !r.trim().is_empty());
    let problem = match (link.evidence, named, link.review_scope) {
        (_, false, Some(_)) => Some("names a review scope but no review"),
        (EvidenceLevel::Reviewed, false, _) => Some("is `reviewed` but names no review"),
        (EvidenceLevel::Reviewed, true, Some(ReviewScope::Point)) => None,
        (EvidenceLevel::Reviewed, true, _) => Some(
            "is `reviewed` but its review is not of this point (review_scope = \"point\"); a review of protocols supports `limited` at most",
        ),
        _ => None,
    };
    match problem {
        Some(problem) => Err(fail(file, format!("{condition}/{}: {problem}", link.code))),
        None => Ok(()),
    }
}

/// Checks every routine: a unique slug, at least one step, known conditions, and
/// steps that each pass [`check_step`].
pub(super) fn check_routines(
    file: &Path,
    routines: &[RoutineRecord],
    conditions: &[ConditionRecord],
    guided: &Guidance,
) -> Result<(), DataError> {
    let mut slugs = HashSet::new();
    for r in routines {
        check_slug(file, &mut slugs, &r.slug)?;
        if r.steps.is_empty() {
            return Err(fail(file, format!("{} has no steps", r.slug)));
        }
        for slug in &r.conditions {
            if !conditions.iter().any(|c| &c.slug == slug) {
                return Err(fail(file, format!("{}: unknown condition {slug}", r.slug)));
            }
        }
        for step in &r.steps {
            check_step(file, &r.slug, step, guided)?;
        }
    }
    Ok(())
}

/// The self-care guidance of each point that has some: its pressure and seconds, and
/// the point's pregnancy level.
pub(super) type Guidance<'a> = HashMap<&'a str, (Pressure, u32, Pregnancy)>;

/// Checks a routine step: its point has self-care guidance (`guided`, as the step links
/// to how to find it), an instruction, 5-600 seconds, no firmer pressure than the
/// guidance asks for, no less than three quarters of its time, and a word for pregnant
/// readers when the point is on the caution lists (or stricter).
fn check_step(
    file: &Path,
    routine: &str,
    step: &StepRecord,
    guided: &Guidance,
) -> Result<(), DataError> {
    let Some(&(pressure, seconds, pregnancy)) = guided.get(step.point.as_str()) else {
        return Err(fail(
            file,
            format!(
                "{routine}: point {} is unknown or has no self-care guidance in selfcare.toml",
                step.point
            ),
        ));
    };
    check_text(file, routine, &step.instruction)?;
    if !(5..=600).contains(&step.seconds) {
        return Err(fail(
            file,
            format!("{routine}: {} seconds is out of range", step.seconds),
        ));
    }
    if step.pressure > pressure {
        return Err(fail(
            file,
            format!(
                "{routine}: {} is pressed {} but its guidance says {}",
                step.point,
                step.pressure.as_str(),
                pressure.as_str()
            ),
        ));
    }
    if pregnancy != Pregnancy::NotListed && !step.instruction.to_lowercase().contains("pregnan") {
        return Err(fail(
            file,
            format!(
                "{routine}: {} is `{}` in pregnancy, but the step's instruction says nothing about pregnancy",
                step.point,
                pregnancy.as_str()
            ),
        ));
    }
    if step.seconds * 4 < seconds * 3 {
        return Err(fail(
            file,
            format!(
                "{routine}: {} for {} s is shorter than three quarters of its guidance's {seconds} s",
                step.point, step.seconds
            ),
        ));
    }
    Ok(())
}

/// The catalog as a whole, as an edit would leave it: the live (not retired) items.
pub struct Catalog<'a> {
    pub points: &'a [PointRecord],
    pub conditions: &'a [ConditionRecord],
    pub routines: &'a [RoutineRecord],
    pub safety: &'a SafetyRecord,
}

/// Runs every rule the loader applies to the files over a whole catalog (an admin's
/// edit is checked this way before it is written); `file` names what is checked.
pub fn check_catalog(file: &Path, catalog: &Catalog) -> Result<(), DataError> {
    check_points(file, catalog.points)?;
    for p in catalog.points {
        if let Some(care) = &p.selfcare {
            check_selfcare(file, &p.code, care)?;
        }
        if p.pregnancy < p.pregnancy_listed {
            return Err(fail(
                file,
                format!(
                    "{}: the teaching lists give pregnancy level `{}`; it may be made stricter, never laxer",
                    p.code,
                    p.pregnancy_listed.as_str()
                ),
            ));
        }
    }
    let codes: HashSet<&str> = catalog.points.iter().map(|p| p.code.as_str()).collect();
    check_conditions(file, catalog.conditions, &codes)?;
    check_routines(
        file,
        catalog.routines,
        catalog.conditions,
        &guidance(catalog.points),
    )?;
    check_safety(file, catalog.safety)?;
    check_translations(file, catalog)
}

/// Checks a translated text: what [`check_text`] asks, and written in Chinese (at
/// least one Han character), so that English pasted into the wrong language is caught.
fn check_translated(file: &Path, what: &str, text: &str) -> Result<(), DataError> {
    check_text(file, what, text)?;
    if !text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        return Err(fail(file, format!("{what}: is not written in Chinese")));
    }
    Ok(())
}

/// Checks a translated list: every entry, and, where `english` is given (red flags and
/// cautions, which a reader must never miss), as many entries as the English has.
fn check_translated_list(
    file: &Path,
    what: &str,
    texts: &[String],
    english: Option<&[String]>,
) -> Result<(), DataError> {
    if texts.is_empty() {
        return Err(fail(
            file,
            format!("{what}: an empty list; leave it out instead"),
        ));
    }
    if let Some(english) = english
        && english.len() != texts.len()
    {
        return Err(fail(
            file,
            format!(
                "{what}: {} entries where the English has {}; translate every one",
                texts.len(),
                english.len()
            ),
        ));
    }
    texts
        .iter()
        .try_for_each(|text| check_translated(file, what, text))
}

/// Checks every translation: each text written, lists of red flags and cautions as
/// long as the English, no translation of a text the item does not have in English, and
/// a step on the pregnancy lists that speaks of pregnancy (孕) in every language.
pub(super) fn check_translations(file: &Path, catalog: &Catalog) -> Result<(), DataError> {
    for p in catalog.points {
        for (lang, t) in p.translations.each() {
            let at = |field: &str| format!("{} {field} ({})", p.code, lang.tag());
            if let Some(text) = &t.location {
                check_translated(file, &at("location"), text)?;
            }
            let guided = [&t.how_to_find, &t.traditional_uses, &t.cautions]
                .iter()
                .any(|l| l.is_some())
                || t.technique.is_some();
            let Some(care) = &p.selfcare else {
                if guided {
                    return Err(fail(
                        file,
                        format!("{}: translates self-care guidance it does not have", at("")),
                    ));
                }
                continue;
            };
            if let Some(text) = &t.technique {
                check_translated(file, &at("technique"), text)?;
            }
            for (field, texts, english) in [
                ("how_to_find", &t.how_to_find, None),
                ("traditional_uses", &t.traditional_uses, None),
                ("cautions", &t.cautions, Some(care.cautions.as_slice())),
            ] {
                if let Some(texts) = texts {
                    check_translated_list(file, &at(field), texts, english)?;
                }
            }
        }
    }
    for c in catalog.conditions {
        for (lang, t) in c.translations.each() {
            let at = |field: &str| format!("{} {field} ({})", c.slug, lang.tag());
            if let Some(text) = &t.description {
                check_translated(file, &at("description"), text)?;
            }
            if let Some(flags) = &t.see_a_doctor_when {
                let english = Some(c.see_a_doctor_when.as_slice());
                check_translated_list(file, &at("see_a_doctor_when"), flags, english)?;
            }
            match (&t.caution, &c.caution) {
                (Some(text), Some(_)) => check_translated(file, &at("caution"), text)?,
                (Some(_), None) => {
                    return Err(fail(
                        file,
                        format!(
                            "{}: there is no English caution to translate",
                            at("caution")
                        ),
                    ));
                }
                (None, _) => {}
            }
        }
        for link in &c.points {
            for (lang, t) in link.translations.each() {
                if let Some(note) = &t.note {
                    let at = format!("{}/{} note ({})", c.slug, link.code, lang.tag());
                    check_translated(file, &at, note)?;
                }
            }
        }
    }
    let guided = guidance(catalog.points);
    for r in catalog.routines {
        for (lang, t) in r.translations.each() {
            if let Some(text) = &t.description {
                check_translated(
                    file,
                    &format!("{} description ({})", r.slug, lang.tag()),
                    text,
                )?;
            }
        }
        for (i, step) in r.steps.iter().enumerate() {
            let flagged = guided
                .get(step.point.as_str())
                .is_some_and(|g| g.2 != Pregnancy::NotListed);
            for (lang, t) in step.translations.each() {
                let Some(text) = &t.instruction else { continue };
                let at = format!("{} step {} instruction ({})", r.slug, i + 1, lang.tag());
                check_translated(file, &at, text)?;
                if flagged && !text.contains('孕') {
                    return Err(fail(
                        file,
                        format!(
                            "{at}: {} is on the pregnancy lists, but the instruction says nothing about pregnancy (孕)",
                            step.point
                        ),
                    ));
                }
            }
        }
    }
    for p in &catalog.safety.precautions {
        for (lang, t) in p.translations.each() {
            for (field, text) in [("title", &t.title), ("detail", &t.detail)] {
                if let Some(text) = text {
                    check_translated(file, &format!("{} {field} ({})", p.slug, lang.tag()), text)?;
                }
            }
        }
    }
    for (lang, t) in catalog.safety.translations.each() {
        if let Some(text) = &t.disclaimer {
            check_translated(file, &format!("disclaimer ({})", lang.tag()), text)?;
        }
    }
    Ok(())
}

/// The self-care guidance of every point that has some.
pub(super) fn guidance(points: &[PointRecord]) -> Guidance<'_> {
    points
        .iter()
        .filter_map(|p| {
            let care = p.selfcare.as_ref()?;
            Some((p.code.as_str(), (care.pressure, care.seconds, p.pregnancy)))
        })
        .collect()
}

/// Checks the disclaimer and every precaution's detail.
pub(super) fn check_safety(file: &Path, safety: &SafetyRecord) -> Result<(), DataError> {
    check_text(file, "disclaimer", &safety.disclaimer)?;
    let mut slugs = HashSet::new();
    for p in &safety.precautions {
        check_slug(file, &mut slugs, &p.slug)?;
        check_text(file, &p.slug, &p.title)?;
        check_text(file, &p.slug, &p.detail)?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
