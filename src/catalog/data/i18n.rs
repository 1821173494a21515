//! The language files `i18n/<tag>.toml`: one per translated language, holding every
//! item's texts in it by key, so that a translator works in one file. The loader
//! attaches them to the items ([`attach`]); the export writes them back ([`file_of`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::records::{ConditionRecord, PointRecord, RoutineRecord, SafetyRecord};
use super::translations::{
    ConditionTexts, LinkTexts, PointTexts, PrecautionTexts, RoutineTexts, SafetyTexts, StepTexts,
    TRANSLATED,
};
use super::{DataError, fail, known};
use crate::http::Lang;

/// The shape of `i18n/<tag>.toml`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LanguageFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    disclaimer: Option<String>,
    /// By point code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    points: BTreeMap<String, PointTexts>,
    /// By condition slug.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    conditions: BTreeMap<String, ConditionEntry>,
    /// By routine slug.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    routines: BTreeMap<String, RoutineEntry>,
    /// By precaution slug.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    precautions: BTreeMap<String, PrecautionTexts>,
}

/// A condition's texts, and its links' notes by point code.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ConditionEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    see_a_doctor_when: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    caution: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    notes: BTreeMap<String, String>,
}

/// A routine's description, and one instruction per step, in order (blank: the step
/// is not translated).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RoutineEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    steps: Vec<String>,
}

/// The items the language files speak of.
pub(super) struct Items<'a> {
    pub(super) points: &'a mut [PointRecord],
    pub(super) conditions: &'a mut [ConditionRecord],
    pub(super) routines: &'a mut [RoutineRecord],
    pub(super) safety: &'a mut SafetyRecord,
}

impl Items<'_> {
    pub(super) fn reborrow(&mut self) -> Items<'_> {
        Items {
            points: self.points,
            conditions: self.conditions,
            routines: self.routines,
            safety: self.safety,
        }
    }
}

/// The file of `lang` under `dir`.
pub(super) fn path(dir: &Path, lang: Lang) -> std::path::PathBuf {
    dir.join("i18n").join(format!("{}.toml", lang.tag()))
}

/// Attaches the texts of `file` (the language `lang`) to the items; a key that names
/// no item, or a routine with another number of steps, is refused.
pub(super) fn attach(
    path: &Path,
    lang: Lang,
    file: LanguageFile,
    items: Items,
) -> Result<(), DataError> {
    if let Some(text) = file.disclaimer {
        set(
            items.safety.translations.slot(lang),
            SafetyTexts {
                disclaimer: Some(text),
            },
        );
    }
    for (code, texts) in file.points {
        let point = known(path, items.points, "point", &code, |p| &p.code)?;
        set(point.translations.slot(lang), texts);
    }
    for (slug, entry) in file.conditions {
        let condition = known(path, items.conditions, "condition", &slug, |c| &c.slug)?;
        for (code, note) in entry.notes {
            let what = format!("link from {slug} to");
            let link = known(path, &mut condition.points, &what, &code, |l| &l.code)?;
            set(link.translations.slot(lang), LinkTexts { note: Some(note) });
        }
        let texts = ConditionTexts {
            description: entry.description,
            see_a_doctor_when: entry.see_a_doctor_when,
            caution: entry.caution,
        };
        if texts != ConditionTexts::default() {
            set(condition.translations.slot(lang), texts);
        }
    }
    for (slug, entry) in file.routines {
        let routine = known(path, items.routines, "routine", &slug, |r| &r.slug)?;
        if !entry.steps.is_empty() && entry.steps.len() != routine.steps.len() {
            return Err(fail(
                path,
                format!(
                    "routine {slug}: {} step instructions for {} steps",
                    entry.steps.len(),
                    routine.steps.len()
                ),
            ));
        }
        for (step, instruction) in routine.steps.iter_mut().zip(entry.steps) {
            if !instruction.is_empty() {
                let texts = StepTexts {
                    instruction: Some(instruction),
                };
                set(step.translations.slot(lang), texts);
            }
        }
        if let Some(description) = entry.description {
            let texts = RoutineTexts {
                description: Some(description),
            };
            set(routine.translations.slot(lang), texts);
        }
    }
    for (slug, texts) in file.precautions {
        let precautions = &mut items.safety.precautions;
        let precaution = known(path, precautions, "precaution", &slug, |p| &p.slug)?;
        set(precaution.translations.slot(lang), texts);
    }
    Ok(())
}

fn set<T>(slot: Option<&mut Option<T>>, texts: T) {
    if let Some(slot) = slot {
        *slot = Some(texts);
    }
}

/// Whether any item carries translations in the main files, where they do not belong.
pub(super) fn misplaced(items: &Items) -> Option<String> {
    let point = items.points.iter().find(|p| !p.translations.is_empty());
    let condition = items.conditions.iter().find(|c| {
        !c.translations.is_empty() || c.points.iter().any(|l| !l.translations.is_empty())
    });
    let routine = items
        .routines
        .iter()
        .find(|r| !r.translations.is_empty() || r.steps.iter().any(|s| !s.translations.is_empty()));
    let precaution = items
        .safety
        .precautions
        .iter()
        .find(|p| !p.translations.is_empty());
    point
        .map(|p| p.code.clone())
        .or_else(|| condition.map(|c| c.slug.clone()))
        .or_else(|| routine.map(|r| r.slug.clone()))
        .or_else(|| precaution.map(|p| p.slug.clone()))
        .or_else(|| (!items.safety.translations.is_empty()).then(|| "disclaimer".to_owned()))
}

/// The language file of `lang` for these items (what [`attach`] reads back).
pub(super) fn file_of(
    lang: Lang,
    points: &[PointRecord],
    conditions: &[ConditionRecord],
    routines: &[RoutineRecord],
    safety: &SafetyRecord,
) -> LanguageFile {
    debug_assert!(TRANSLATED.contains(&lang));
    let mut file = LanguageFile {
        disclaimer: safety
            .translations
            .get(lang)
            .and_then(|t| t.disclaimer.clone()),
        ..LanguageFile::default()
    };
    for p in points {
        if let Some(texts) = p.translations.get(lang) {
            file.points.insert(p.code.clone(), texts.clone());
        }
    }
    for c in conditions {
        let texts = c.translations.get(lang).cloned().unwrap_or_default();
        let notes: BTreeMap<String, String> = c
            .points
            .iter()
            .filter_map(|l| {
                let note = l.translations.get(lang)?.note.clone()?;
                Some((l.code.clone(), note))
            })
            .collect();
        if texts != ConditionTexts::default() || !notes.is_empty() {
            let entry = ConditionEntry {
                description: texts.description,
                see_a_doctor_when: texts.see_a_doctor_when,
                caution: texts.caution,
                notes,
            };
            file.conditions.insert(c.slug.clone(), entry);
        }
    }
    for r in routines {
        let steps: Vec<String> = r
            .steps
            .iter()
            .map(|s| {
                s.translations
                    .get(lang)
                    .and_then(|t| t.instruction.clone())
                    .unwrap_or_default()
            })
            .collect();
        let steps = if steps.iter().all(String::is_empty) {
            Vec::new()
        } else {
            steps
        };
        let description = r.translations.get(lang).and_then(|t| t.description.clone());
        if description.is_some() || !steps.is_empty() {
            let entry = RoutineEntry { description, steps };
            file.routines.insert(r.slug.clone(), entry);
        }
    }
    for p in &safety.precautions {
        if let Some(texts) = p.translations.get(lang) {
            file.precautions.insert(p.slug.clone(), texts.clone());
        }
    }
    file
}

impl LanguageFile {
    pub(super) fn is_empty(&self) -> bool {
        self.disclaimer.is_none()
            && self.points.is_empty()
            && self.conditions.is_empty()
            && self.routines.is_empty()
            && self.precautions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::data::Dataset;

    #[test]
    fn a_language_file_speaks_only_of_items_there_are() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let mut data = Dataset::load(&dir).unwrap();
        let steps = data.routines[0].steps.len();
        let routine = data.routines[0].slug.clone();
        let condition = data.conditions[0].slug.clone();
        let cases = [
            (
                "[points.XX9]\nlocation = \"某处。\"".to_owned(),
                "unknown point XX9".to_owned(),
            ),
            (
                format!("[conditions.{condition}.notes]\nZZ1 = \"某处。\""),
                format!("unknown link from {condition} to ZZ1"),
            ),
            (
                "[conditions.nowhere]\ndescription = \"某处。\"".to_owned(),
                "unknown condition nowhere".to_owned(),
            ),
            (
                format!("[routines.{routine}]\nsteps = [\"按压。\"]"),
                format!("routine {routine}: 1 step instructions for {steps} steps"),
            ),
            (
                "[precautions.nowhere]\ntitle = \"某处。\"".to_owned(),
                "unknown precaution nowhere".to_owned(),
            ),
        ];
        let path = Path::new("i18n/zh-Hans.toml");
        for (text, words) in cases {
            let file: LanguageFile = toml::from_str(&text).unwrap();
            let items = Items {
                points: &mut data.points,
                conditions: &mut data.conditions,
                routines: &mut data.routines,
                safety: &mut data.safety,
            };
            let err = attach(path, Lang::ZhHans, file, items)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("i18n/zh-Hans.toml: "), "{err}");
            assert!(err.contains(&words), "`{words}` in {err}");
        }
        // Translations belong in the language files, not in the item files.
        for p in &mut data.points {
            p.translations = Default::default();
        }
        data.points[1].translations.zh_hant = Some(PointTexts::default());
        let code = data.points[1].code.clone();
        let items = Items {
            points: &mut data.points,
            conditions: &mut [],
            routines: &mut [],
            safety: &mut SafetyRecord::default(),
        };
        assert_eq!(misplaced(&items), Some(code));
    }
}
