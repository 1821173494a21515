//! The response bodies a snapshot renders: summaries and details of points,
//! conditions and routines, safety, the version and the offline bundle.

use std::io::Write;

use actix_web::web::Bytes;

use super::{Bundle, Snapshot};
use crate::catalog::data::{PointKind, PointRecord, Pregnancy, SelfCare, SelfCareSides, Side};
use crate::catalog::model::*;
use crate::http::Lang;

/// A point's name in the reader's language: its Chinese name, or ours in English.
fn point_name(p: &PointRecord, tr: &Localizer) -> String {
    tr.name(&p.english_name, Some(&p.hanzi), Some(&p.hanzi_traditional))
}

/// A condition's or routine's name in the reader's language.
fn item_name(
    tr: &Localizer,
    english: &str,
    hans: &Option<String>,
    hant: &Option<String>,
) -> String {
    tr.name(english, hans.as_deref(), hant.as_deref())
}

impl Snapshot {
    pub fn point_summary(
        &self,
        i: usize,
        tr: &Localizer,
        matches: Vec<MatchReason>,
    ) -> PointSummary {
        let p = &self.points[i];
        PointSummary {
            code: p.code.clone(),
            name: point_name(p, tr),
            english_name: p.english_name.clone(),
            pinyin: p.pinyin.clone(),
            pinyin_ascii: p.pinyin_ascii.clone(),
            hanzi: p.hanzi.clone(),
            hanzi_traditional: p.hanzi_traditional.clone(),
            kind: p.kind,
            meridian: p.meridian.clone(),
            number: p.number,
            body_region: p.body_region,
            pregnancy: p.pregnancy,
            has_selfcare: p.selfcare.is_some(),
            retired: self.retired.point(i),
            matches,
        }
    }

    /// A point's name in `lang` and its pregnancy level (the code itself when unknown).
    pub fn point_name(&self, code: &str, tr: &Localizer) -> (String, Pregnancy) {
        match self.point_index(code) {
            Some(i) => {
                let p = &self.points[i];
                (point_name(p, tr), p.pregnancy)
            }
            None => (code.to_owned(), Pregnancy::NotListed),
        }
    }

    pub fn point_detail(&self, i: usize, tr: &Localizer) -> PointDetail {
        let p = &self.points[i];
        let mut conditions: Vec<PointCondition> = self.point_conditions[i]
            .iter()
            .map(|&(ci, li)| {
                let c = &self.conditions[ci];
                let link = &c.points[li];
                PointCondition {
                    slug: c.slug.clone(),
                    name: item_name(tr, &c.name, &c.name_zh_hans, &c.name_zh_hant),
                    rank: li as i32 + 1,
                    evidence: link.evidence,
                    note: tr.field(&link.note, &link.translations, |t| t.note.as_ref()),
                }
            })
            .collect();
        conditions.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.slug.cmp(&b.slug)));
        PointDetail {
            summary: self.point_summary(i, tr, Vec::new()),
            location: tr.field(&p.location, &p.translations, |t| t.location.as_ref()),
            aliases: p.aliases.clone(),
            code_note: p.code_note.clone(),
            pregnancy_sources: p.pregnancy_sources.clone(),
            pregnancy_listed: p.pregnancy_listed,
            selfcare: p.selfcare.as_ref().map(|care| selfcare(p, care, tr)),
            conditions,
            routines: self.point_routines[i]
                .iter()
                .map(|&ri| self.routine_ref(ri, tr))
                .collect(),
            warnings: None,
        }
    }

    pub fn meridian_points(&self, code: &str) -> impl Iterator<Item = usize> + '_ {
        let code = code.to_owned();
        self.live_points()
            .filter(move |&i| self.points[i].meridian.as_deref() == Some(code.as_str()))
    }

    /// The indexes of the points not retired.
    pub fn live_points(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.points.len()).filter(|&i| !self.retired.point(i))
    }

    /// The indexes of the conditions not retired.
    pub fn live_conditions(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.conditions.len()).filter(|&i| !self.retired.condition(i))
    }

    /// The indexes of the routines not retired.
    pub fn live_routines(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.routines.len()).filter(|&i| !self.retired.routine(i))
    }

    pub fn routine_ref(&self, ri: usize, tr: &Localizer) -> RoutineRef {
        let r = &self.routines[ri];
        RoutineRef {
            slug: r.slug.clone(),
            name: item_name(tr, &r.name, &r.name_zh_hans, &r.name_zh_hant),
        }
    }

    /// Point `pi` as a routine step at `position`, timed and pressed as its self-care
    /// guidance says (one side at a time takes twice the seconds); `None` without one.
    pub fn selfcare_step(&self, pi: usize, position: usize, tr: &Localizer) -> Option<RoutineStep> {
        let p = &self.points[pi];
        let care = p.selfcare.as_ref()?;
        let (side, seconds) = match care.sides {
            SelfCareSides::Both => (Side::Both, care.seconds),
            SelfCareSides::OneSideAtATime => (Side::Both, care.seconds * 2),
            SelfCareSides::Midline => (Side::Midline, care.seconds),
        };
        let (point_name, pregnancy) = self.point_name(&p.code, tr);
        Some(RoutineStep {
            position,
            point: p.code.clone(),
            point_name,
            side,
            seconds,
            pressure: care.pressure,
            instruction: tr.field(&care.technique, &p.translations, |t| t.technique.as_ref()),
            pregnancy,
        })
    }

    pub fn condition_summary(&self, ci: usize, tr: &Localizer) -> ConditionSummary {
        let c = &self.conditions[ci];
        ConditionSummary {
            slug: c.slug.clone(),
            name: item_name(tr, &c.name, &c.name_zh_hans, &c.name_zh_hant),
            english_name: c.name.clone(),
            category: c.category,
            description: tr.field(&c.description, &c.translations, |t| t.description.as_ref()),
            point_count: c.points.len(),
            retired: self.retired.condition(ci),
        }
    }

    pub fn condition_detail(&self, ci: usize, tr: &Localizer) -> ConditionDetail {
        let c = &self.conditions[ci];
        let all = &c.translations;
        ConditionDetail {
            summary: self.condition_summary(ci, tr),
            see_a_doctor_when: tr
                .list_field(&c.see_a_doctor_when, all, |t| t.see_a_doctor_when.as_ref()),
            caution: c
                .caution
                .as_ref()
                .map(|caution| tr.field(caution, all, |t| t.caution.as_ref())),
            points: c
                .points
                .iter()
                .enumerate()
                .map(|(li, link)| {
                    let (name, pregnancy) = self.point_name(&link.code, tr);
                    ConditionPoint {
                        rank: li as i32 + 1,
                        code: link.code.clone(),
                        name,
                        evidence: link.evidence,
                        note: tr.field(&link.note, &link.translations, |t| t.note.as_ref()),
                        pregnancy,
                    }
                })
                .collect(),
            routines: self
                .live_routines()
                .filter(|&ri| self.routines[ri].conditions.contains(&c.slug))
                .map(|ri| self.routine_ref(ri, tr))
                .collect(),
            warnings: None,
        }
    }

    pub fn routine_summary(&self, ri: usize, tr: &Localizer) -> RoutineSummary {
        let r = &self.routines[ri];
        RoutineSummary {
            slug: r.slug.clone(),
            name: item_name(tr, &r.name, &r.name_zh_hans, &r.name_zh_hant),
            english_name: r.name.clone(),
            description: tr.field(&r.description, &r.translations, |t| t.description.as_ref()),
            level: r.level,
            conditions: r.conditions.clone(),
            step_count: r.steps.len(),
            total_seconds: r.steps.iter().map(|s| s.seconds).sum(),
            pregnancy: r
                .steps
                .iter()
                .map(|s| self.point_name(&s.point, tr).1)
                .max()
                .unwrap_or(Pregnancy::NotListed),
            retired: self.retired.routine(ri),
        }
    }

    pub fn routine_detail(&self, ri: usize, tr: &Localizer) -> RoutineDetail {
        let r = &self.routines[ri];
        RoutineDetail {
            summary: self.routine_summary(ri, tr),
            steps: r
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let (point_name, pregnancy) = self.point_name(&s.point, tr);
                    RoutineStep {
                        position: i + 1,
                        point: s.point.clone(),
                        point_name,
                        side: s.side,
                        seconds: s.seconds,
                        pressure: s.pressure,
                        instruction: tr
                            .field(&s.instruction, &s.translations, |t| t.instruction.as_ref()),
                        pregnancy,
                    }
                })
                .collect(),
            warnings: None,
        }
    }

    pub fn safety(&self, tr: &Localizer) -> Safety {
        let codes = |level: Pregnancy| {
            self.live_points()
                .map(|i| &self.points[i])
                .filter(|p| p.pregnancy == level)
                .map(|p| p.code.clone())
                .collect()
        };
        Safety {
            disclaimer: tr.field(&self.safety.disclaimer, &self.safety.translations, |t| {
                t.disclaimer.as_ref()
            }),
            precautions: self
                .safety
                .precautions
                .iter()
                .map(|p| {
                    let all = &p.translations;
                    Precaution {
                        slug: p.slug.clone(),
                        level: p.level,
                        title: tr.field(&p.title, all, |t| t.title.as_ref()),
                        detail: tr.field(&p.detail, all, |t| t.detail.as_ref()),
                    }
                })
                .collect(),
            pregnancy: PregnancyLists {
                contraindicated: codes(Pregnancy::Contraindicated),
                caution: codes(Pregnancy::Caution),
            },
        }
    }

    pub fn catalog_version(&self) -> CatalogVersion {
        CatalogVersion {
            version: self.version.clone(),
            meridians: self.meridians.len(),
            points: self.live_points().count(),
            standard_points: self
                .live_points()
                .filter(|&i| self.points[i].kind == PointKind::Standard)
                .count(),
            conditions: self.live_conditions().count(),
            routines: self.live_routines().count(),
        }
    }

    pub(super) fn render_bundle(&self, lang: Lang) -> Bundle {
        let tr = &Localizer::new(lang);
        let catalog = Catalog {
            version: self.version.clone(),
            language: lang,
            meridians: self.meridians.iter().map(|m| m.localized(tr)).collect(),
            points: self
                .live_points()
                .map(|i| self.point_detail(i, tr))
                .collect(),
            conditions: self
                .live_conditions()
                .map(|i| self.condition_detail(i, tr))
                .collect(),
            routines: self
                .live_routines()
                .map(|i| self.routine_detail(i, tr))
                .collect(),
            safety: self.safety(tr),
        };
        let json = serde_json::to_vec(&catalog).expect("the catalog serializes");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&json).expect("gzip into memory");
        let gzip = encoder.finish().expect("gzip into memory");
        Bundle {
            json: Bytes::from(json),
            gzip: Bytes::from(gzip),
            content_language: tr.content_language(),
        }
    }
}

/// Point `p`'s self-care guidance `care` in the reader's language, field by field.
fn selfcare(p: &PointRecord, care: &SelfCare, tr: &Localizer) -> SelfCare {
    let all = &p.translations;
    SelfCare {
        how_to_find: tr.list_field(&care.how_to_find, all, |t| t.how_to_find.as_ref()),
        technique: tr.field(&care.technique, all, |t| t.technique.as_ref()),
        traditional_uses: tr
            .list_field(&care.traditional_uses, all, |t| t.traditional_uses.as_ref()),
        cautions: tr.list_field(&care.cautions, all, |t| t.cautions.as_ref()),
        ..care.clone()
    }
}
