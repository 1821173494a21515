//! The response bodies a snapshot renders: summaries and details of points,
//! conditions and routines, safety, the version and the offline bundle.

use std::io::Write;

use actix_web::web::Bytes;

use super::{Bundle, Snapshot};
use crate::catalog::data::{PointKind, Pregnancy, SelfCareSides, Side};
use crate::catalog::model::*;
use crate::http::Lang;

fn localized<'a>(
    lang: Lang,
    en: &'a str,
    hans: &'a Option<String>,
    hant: &'a Option<String>,
) -> &'a str {
    pick(
        lang,
        en,
        hans.as_deref().unwrap_or(""),
        hant.as_deref().unwrap_or(""),
    )
}

impl Snapshot {
    pub fn point_summary(&self, i: usize, lang: Lang, matches: Vec<MatchReason>) -> PointSummary {
        let p = &self.points[i];
        PointSummary {
            code: p.code.clone(),
            name: pick(lang, &p.english_name, &p.hanzi, &p.hanzi_traditional).to_owned(),
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
    pub fn point_name(&self, code: &str, lang: Lang) -> (String, Pregnancy) {
        match self.point_index(code) {
            Some(i) => {
                let p = &self.points[i];
                (
                    pick(lang, &p.english_name, &p.hanzi, &p.hanzi_traditional).to_owned(),
                    p.pregnancy,
                )
            }
            None => (code.to_owned(), Pregnancy::NotListed),
        }
    }

    pub fn point_detail(&self, i: usize, lang: Lang) -> PointDetail {
        let p = &self.points[i];
        let mut conditions: Vec<PointCondition> = self.point_conditions[i]
            .iter()
            .map(|&(ci, li)| {
                let c = &self.conditions[ci];
                let link = &c.points[li];
                PointCondition {
                    slug: c.slug.clone(),
                    name: localized(lang, &c.name, &c.name_zh_hans, &c.name_zh_hant).to_owned(),
                    rank: li as i32 + 1,
                    evidence: link.evidence,
                    note: link.note.clone(),
                }
            })
            .collect();
        conditions.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.slug.cmp(&b.slug)));
        PointDetail {
            summary: self.point_summary(i, lang, Vec::new()),
            location: p.location.clone(),
            aliases: p.aliases.clone(),
            code_note: p.code_note.clone(),
            pregnancy_sources: p.pregnancy_sources.clone(),
            pregnancy_listed: p.pregnancy_listed,
            selfcare: p.selfcare.clone(),
            conditions,
            routines: self.point_routines[i]
                .iter()
                .map(|&ri| self.routine_ref(ri, lang))
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

    pub fn routine_ref(&self, ri: usize, lang: Lang) -> RoutineRef {
        let r = &self.routines[ri];
        RoutineRef {
            slug: r.slug.clone(),
            name: localized(lang, &r.name, &r.name_zh_hans, &r.name_zh_hant).to_owned(),
        }
    }

    /// Point `pi` as a routine step at `position`, timed and pressed as its self-care
    /// guidance says (one side at a time takes twice the seconds); `None` without one.
    pub fn selfcare_step(&self, pi: usize, position: usize, lang: Lang) -> Option<RoutineStep> {
        let p = &self.points[pi];
        let care = p.selfcare.as_ref()?;
        let (side, seconds) = match care.sides {
            SelfCareSides::Both => (Side::Both, care.seconds),
            SelfCareSides::OneSideAtATime => (Side::Both, care.seconds * 2),
            SelfCareSides::Midline => (Side::Midline, care.seconds),
        };
        let (point_name, pregnancy) = self.point_name(&p.code, lang);
        Some(RoutineStep {
            position,
            point: p.code.clone(),
            point_name,
            side,
            seconds,
            pressure: care.pressure,
            instruction: care.technique.clone(),
            pregnancy,
        })
    }

    pub fn condition_summary(&self, ci: usize, lang: Lang) -> ConditionSummary {
        let c = &self.conditions[ci];
        ConditionSummary {
            slug: c.slug.clone(),
            name: localized(lang, &c.name, &c.name_zh_hans, &c.name_zh_hant).to_owned(),
            english_name: c.name.clone(),
            category: c.category,
            description: c.description.clone(),
            point_count: c.points.len(),
            retired: self.retired.condition(ci),
        }
    }

    pub fn condition_detail(&self, ci: usize, lang: Lang) -> ConditionDetail {
        let c = &self.conditions[ci];
        ConditionDetail {
            summary: self.condition_summary(ci, lang),
            see_a_doctor_when: c.see_a_doctor_when.clone(),
            caution: c.caution.clone(),
            points: c
                .points
                .iter()
                .enumerate()
                .map(|(li, link)| {
                    let (name, pregnancy) = self.point_name(&link.code, lang);
                    ConditionPoint {
                        rank: li as i32 + 1,
                        code: link.code.clone(),
                        name,
                        evidence: link.evidence,
                        note: link.note.clone(),
                        pregnancy,
                    }
                })
                .collect(),
            routines: self
                .live_routines()
                .filter(|&ri| self.routines[ri].conditions.contains(&c.slug))
                .map(|ri| self.routine_ref(ri, lang))
                .collect(),
            warnings: None,
        }
    }

    pub fn routine_summary(&self, ri: usize, lang: Lang) -> RoutineSummary {
        let r = &self.routines[ri];
        RoutineSummary {
            slug: r.slug.clone(),
            name: localized(lang, &r.name, &r.name_zh_hans, &r.name_zh_hant).to_owned(),
            english_name: r.name.clone(),
            description: r.description.clone(),
            level: r.level,
            conditions: r.conditions.clone(),
            step_count: r.steps.len(),
            total_seconds: r.steps.iter().map(|s| s.seconds).sum(),
            pregnancy: r
                .steps
                .iter()
                .map(|s| self.point_name(&s.point, lang).1)
                .max()
                .unwrap_or(Pregnancy::NotListed),
            retired: self.retired.routine(ri),
        }
    }

    pub fn routine_detail(&self, ri: usize, lang: Lang) -> RoutineDetail {
        let r = &self.routines[ri];
        RoutineDetail {
            summary: self.routine_summary(ri, lang),
            steps: r
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let (point_name, pregnancy) = self.point_name(&s.point, lang);
                    RoutineStep {
                        position: i + 1,
                        point: s.point.clone(),
                        point_name,
                        side: s.side,
                        seconds: s.seconds,
                        pressure: s.pressure,
                        instruction: s.instruction.clone(),
                        pregnancy,
                    }
                })
                .collect(),
            warnings: None,
        }
    }

    pub fn safety(&self) -> Safety {
        let codes = |level: Pregnancy| {
            self.live_points()
                .map(|i| &self.points[i])
                .filter(|p| p.pregnancy == level)
                .map(|p| p.code.clone())
                .collect()
        };
        Safety {
            disclaimer: self.safety.disclaimer.clone(),
            precautions: self.safety.precautions.clone(),
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
        let catalog = Catalog {
            version: self.version.clone(),
            language: lang,
            meridians: self.meridians.iter().map(|m| m.localized(lang)).collect(),
            points: self
                .live_points()
                .map(|i| self.point_detail(i, lang))
                .collect(),
            conditions: self
                .live_conditions()
                .map(|i| self.condition_detail(i, lang))
                .collect(),
            routines: self
                .live_routines()
                .map(|i| self.routine_detail(i, lang))
                .collect(),
            safety: self.safety(),
        };
        let json = serde_json::to_vec(&catalog).expect("the catalog serializes");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&json).expect("gzip into memory");
        let gzip = encoder.finish().expect("gzip into memory");
        Bundle {
            json: Bytes::from(json),
            gzip: Bytes::from(gzip),
        }
    }
}
