//! Each check refuses a bad record with an error that names the file and the record.

use super::*;
use crate::catalog::data::records::{ConditionPointRecord, PrecautionRecord};
use crate::catalog::data::translations::{
    ConditionTexts, PointTexts, PrecautionTexts, SafetyTexts, StepTexts,
};
use crate::catalog::data::vocab::{
    BodyRegion, ConditionCategory, EvidenceLevel, Finger, PrecautionLevel, Pressure, ReviewScope,
    RoutineLevel, SelfCareSides, Side,
};

/// An edit that makes a good record bad.
type Spoil<T> = fn(&mut T);

const FILE: &str = "data/x.toml";

fn file() -> &'static Path {
    Path::new(FILE)
}

/// The error's text, which must name the file and contain every one of `words`.
fn refused<T: std::fmt::Debug>(result: Result<T, DataError>, words: &[&str]) -> String {
    let err = result
        .expect_err("the check refuses the record")
        .to_string();
    assert!(err.starts_with(FILE), "{err}");
    for word in words {
        assert!(err.contains(word), "`{word}` in {err}");
    }
    err
}

fn meridian(code: &str, aliases: &str, point_count: i32) -> MeridianRow {
    MeridianRow {
        code: code.into(),
        english_name: format!("{code} Meridian"),
        pinyin: "Jīng".into(),
        hanzi: "经".into(),
        hanzi_traditional: "經".into(),
        aliases: aliases.into(),
        point_count,
    }
}

fn fact(meridian: &str, number: i32) -> PointFacts {
    PointFacts {
        code: format!("{meridian}{number}"),
        meridian_code: meridian.into(),
        number,
        pinyin: "Hégǔ".into(),
        pinyin_ascii: "Hegu".into(),
        hanzi: "合谷".into(),
        hanzi_traditional: "合谷".into(),
        body_region: BodyRegion::Hand,
    }
}

fn point(code: &str, kind: PointKind, pregnancy: Pregnancy) -> PointRecord {
    PointRecord {
        code: code.into(),
        kind,
        meridian: None,
        number: None,
        pinyin: "Hégǔ".into(),
        pinyin_ascii: "Hegu".into(),
        hanzi: "合谷".into(),
        hanzi_traditional: "合谷".into(),
        body_region: BodyRegion::Hand,
        english_name: "Joining Valley".into(),
        location: "Between the thumb and the index finger.".into(),
        aliases: Vec::new(),
        code_note: None,
        pregnancy,
        pregnancy_sources: Vec::new(),
        pregnancy_listed: pregnancy,
        selfcare: None,
        translations: Default::default(),
    }
}

fn selfcare() -> SelfCare {
    SelfCare {
        code: "LI4".into(),
        how_to_find: vec!["Spread the thumb.".into(), "Find the high point.".into()],
        finger: Finger::Thumb,
        pressure: Pressure::Medium,
        seconds: 60,
        breaths: 6,
        sides: SelfCareSides::Both,
        technique: "Press and circle slowly.".into(),
        traditional_uses: vec!["Headache.".into()],
        cautions: vec!["Not in pregnancy.".into()],
    }
}

fn condition(slug: &str, codes: &[&str]) -> ConditionRecord {
    ConditionRecord {
        slug: slug.into(),
        name: "Headache".into(),
        name_zh_hans: None,
        name_zh_hant: None,
        category: ConditionCategory::Pain,
        keywords: Vec::new(),
        description: "Pain in the head.".into(),
        see_a_doctor_when: vec!["Sudden and severe.".into()],
        caution: None,
        translations: Default::default(),
        points: codes
            .iter()
            .map(|code| ConditionPointRecord {
                code: (*code).into(),
                evidence: EvidenceLevel::Traditional,
                note: "Often used.".into(),
                review: None,
                review_scope: None,
                translations: Default::default(),
            })
            .collect(),
    }
}

fn step(point: &str) -> StepRecord {
    StepRecord {
        point: point.into(),
        side: Side::Both,
        seconds: 60,
        pressure: Pressure::Medium,
        instruction: "Press and breathe.".into(),
        translations: Default::default(),
    }
}

fn routine(slug: &str, steps: Vec<StepRecord>) -> RoutineRecord {
    RoutineRecord {
        slug: slug.into(),
        name: "Evening".into(),
        name_zh_hans: None,
        name_zh_hant: None,
        description: "Wind down.".into(),
        conditions: vec!["headache".into()],
        level: RoutineLevel::Beginner,
        steps,
        translations: Default::default(),
    }
}

fn safety() -> SafetyRecord {
    SafetyRecord {
        disclaimer: "Not medical advice.".into(),
        precautions: vec![PrecautionRecord {
            slug: "broken-skin".into(),
            level: PrecautionLevel::Avoid,
            title: "Broken skin".into(),
            detail: "Do not press on cuts.".into(),
            translations: Default::default(),
        }],
        translations: Default::default(),
    }
}

#[test]
fn slugs_are_kebab_case() {
    for good in ["headache", "low-back-pain", "pms2"] {
        assert!(is_slug(good), "{good}");
    }
    for bad in ["", "-a", "a-", "a--b", "Headache", "low_back", "nausée"] {
        assert!(!is_slug(bad), "{bad}");
    }
}

#[test]
fn text_must_be_written_and_free_of_control_characters() {
    assert!(check_text(file(), "detail", "Press gently.").is_ok());
    for bad in ["", "   ", "line\nbreak", "tab\there"] {
        refused(check_text(file(), "detail", bad), &["detail", "empty"]);
    }
}

fn fourteen_meridians() -> Vec<MeridianRow> {
    (0..MERIDIAN_COUNT)
        .map(|i| meridian(&format!("M{i}"), "", 1))
        .collect()
}

#[test]
fn meridians_are_fourteen_with_unique_codes_and_aliases() {
    let mut rows = fourteen_meridians();
    assert!(check_meridians(file(), &rows).is_ok());
    refused(
        check_meridians(file(), &rows[1..]),
        &["expected 14", "found 13"],
    );
    rows[3].aliases = "m1; TW".into();
    refused(check_meridians(file(), &rows), &["M1 appears twice"]);
    rows[3].aliases = "TW;SJ".into();
    rows[5].aliases = "sj".into();
    refused(check_meridians(file(), &rows), &["SJ appears twice"]);
}

#[test]
fn points_csv_has_every_standard_point_and_each_meridian_its_count() {
    let meridians = vec![meridian("LU", "", 11), meridian("LI", "", 350)];
    let mut facts: Vec<PointFacts> = (1..=11)
        .map(|n| fact("LU", n))
        .chain((1..=350).map(|n| fact("LI", n)))
        .collect();
    assert!(check_point_counts(file(), &facts, &meridians).is_ok());
    facts[0].meridian_code = "LI".into();
    refused(
        check_point_counts(file(), &facts, &meridians),
        &["meridian LU should have 11 points, found 10"],
    );
    facts.pop();
    refused(
        check_point_counts(file(), &facts, &meridians),
        &["expected 361 standard points, found 360"],
    );
}

#[test]
fn a_meridian_file_has_one_entry_a_point_in_order() {
    assert!(check_entry_count(file(), 11, 11).is_ok());
    refused(
        check_entry_count(file(), 10, 11),
        &["10 entries for 11 points"],
    );
    assert!(check_in_order(file(), "LU11", "LU11").is_ok());
    refused(
        check_in_order(file(), "LU11", "LU12"),
        &["expected LU11 in order, found LU12"],
    );
}

#[test]
fn every_point_has_words_and_a_code_of_its_own() {
    let mut points = vec![
        point("LI4", PointKind::Standard, Pregnancy::NotListed),
        point("EX-HN3", PointKind::Extra, Pregnancy::NotListed),
    ];
    assert!(check_points(file(), &points).is_ok());
    points[1].location = " ".into();
    refused(check_points(file(), &points), &["EX-HN3 location"]);
    points[1].location = "Between the eyebrows.".into();
    points[0].english_name = "Joining\u{7}Valley".into();
    refused(check_points(file(), &points), &["LI4 english_name"]);
    points[0].english_name = "Joining Valley".into();
    points.push(point("li-4", PointKind::Extra, Pregnancy::NotListed));
    refused(
        check_points(file(), &points),
        &["point code li-4 appears twice"],
    );
}

#[test]
fn an_extra_point_takes_the_strictest_level_of_flagged_standard_points() {
    let points = vec![
        point("BL25", PointKind::Standard, Pregnancy::Caution),
        point("SP6", PointKind::Standard, Pregnancy::Contraindicated),
        point("ST36", PointKind::Standard, Pregnancy::NotListed),
        point("EX-B2", PointKind::Extra, Pregnancy::Caution),
    ];
    let like = |codes: &[&str]| codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    let level = pregnancy_as_level(file(), "EX-B7", &like(&["BL25", "SP6"]), &points);
    assert_eq!(level.unwrap(), Pregnancy::Contraindicated);
    let level = pregnancy_as_level(file(), "EX-B7", &like(&["BL25"]), &points);
    assert_eq!(level.unwrap(), Pregnancy::Caution);
    for other in ["ST36", "EX-B2", "GB99"] {
        refused(
            pregnancy_as_level(file(), "EX-B7", &like(&["BL25", other]), &points),
            &["EX-B7", other, "not a flagged standard point"],
        );
    }
}

#[test]
fn selfcare_guidance_must_be_complete() {
    assert!(check_selfcare(file(), "LI4", &selfcare()).is_ok());
    let incomplete: [Spoil<SelfCare>; 7] = [
        |c| c.how_to_find.truncate(1),
        |c| c.seconds = 9,
        |c| c.seconds = 301,
        |c| c.breaths = 0,
        |c| c.breaths = 31,
        |c| c.traditional_uses.clear(),
        |c| c.cautions.clear(),
    ];
    for spoil in incomplete {
        let mut care = selfcare();
        spoil(&mut care);
        refused(
            check_selfcare(file(), "LI4", &care),
            &["LI4", "needs at least two finding steps"],
        );
    }
}

#[test]
fn selfcare_guidance_is_written_text() {
    let mut care = selfcare();
    care.technique = String::new();
    refused(check_selfcare(file(), "LI4", &care), &["LI4: empty"]);
    let mut care = selfcare();
    care.cautions[0] = "two\nlines".into();
    refused(
        check_selfcare(file(), "LI4", &care),
        &["LI4: empty or contains control"],
    );
}

#[test]
fn conditions_link_known_points_once() {
    let codes: HashSet<&str> = ["LI4", "GB20"].into();
    let good = vec![condition("headache", &["LI4", "GB20"])];
    assert!(check_conditions(file(), &good, &codes).is_ok());

    let cases: [(ConditionRecord, &str); 4] = [
        (
            condition("headache", &["LI4", "GB99"]),
            "unknown or repeated point GB99",
        ),
        (
            condition("headache", &["LI4", "LI4"]),
            "unknown or repeated point LI4",
        ),
        (
            condition("headache", &[]),
            "headache needs points and red flags",
        ),
        (
            condition("Head_ache", &["LI4"]),
            "slug `Head_ache` is repeated",
        ),
    ];
    for (bad, words) in cases {
        refused(check_conditions(file(), &[bad], &codes), &[words]);
    }
    let mut bad = condition("headache", &["LI4"]);
    bad.see_a_doctor_when.clear();
    refused(
        check_conditions(file(), &[bad], &codes),
        &["needs points and red flags"],
    );
    let twice = vec![
        condition("headache", &["LI4"]),
        condition("headache", &["GB20"]),
    ];
    refused(
        check_conditions(file(), &twice, &codes),
        &["slug `headache` is repeated"],
    );
}

#[test]
fn routine_steps_need_points_with_selfcare_guidance() {
    let conditions = vec![condition("headache", &["LI4"])];
    let guided: Guidance = [("LI4", (Pressure::Medium, 60, Pregnancy::NotListed))].into();
    let good = vec![routine("evening", vec![step("LI4")])];
    assert!(check_routines(file(), &good, &conditions, &guided).is_ok());
    for point in ["GB20", "GB99"] {
        let bad = vec![routine("evening", vec![step("LI4"), step(point)])];
        refused(
            check_routines(file(), &bad, &conditions, &guided),
            &["evening", point, "no self-care guidance"],
        );
    }
}

#[test]
fn routines_have_steps_known_conditions_and_sane_steps() {
    let conditions = vec![condition("headache", &["LI4"])];
    let guided: Guidance = [("LI4", (Pressure::Medium, 60, Pregnancy::NotListed))].into();
    let check = |r: RoutineRecord| check_routines(file(), &[r], &conditions, &guided);

    refused(
        check(routine("evening", Vec::new())),
        &["evening has no steps"],
    );
    let mut bad = routine("evening", vec![step("LI4")]);
    bad.conditions.push("insomnia".into());
    refused(check(bad), &["evening: unknown condition insomnia"]);

    let spoiled: [(Spoil<StepRecord>, &str); 5] = [
        (|s| s.instruction.clear(), "evening: empty"),
        (|s| s.seconds = 4, "evening: 4 seconds is out of range"),
        (|s| s.seconds = 601, "evening: 601 seconds is out of range"),
        (
            |s| s.pressure = Pressure::Firm,
            "evening: LI4 is pressed firm but its guidance says medium",
        ),
        (
            |s| s.seconds = 44,
            "shorter than three quarters of its guidance's 60 s",
        ),
    ];
    for (spoil, words) in spoiled {
        let mut s = step("LI4");
        spoil(&mut s);
        refused(check(routine("evening", vec![s])), &[words]);
    }
    let flagged: Guidance = [("LI4", (Pressure::Medium, 60, Pregnancy::Caution))].into();
    refused(
        check_routines(
            file(),
            &[routine("evening", vec![step("LI4")])],
            &conditions,
            &flagged,
        ),
        &[
            "LI4 is `caution` in pregnancy",
            "says nothing about pregnancy",
        ],
    );
    let mut noted = step("LI4");
    noted.instruction.push_str(" Skip it if you are pregnant.");
    assert!(
        check_routines(
            file(),
            &[routine("evening", vec![noted])],
            &conditions,
            &flagged
        )
        .is_ok()
    );
    let twice = vec![routine("evening", vec![step("LI4")]); 2];
    refused(
        check_routines(file(), &twice, &conditions, &guided),
        &["slug `evening` is repeated"],
    );
}

#[test]
fn safety_has_a_disclaimer_and_written_precautions() {
    assert!(check_safety(file(), &safety()).is_ok());
    let mut bad = safety();
    bad.disclaimer = "\n".into();
    refused(check_safety(file(), &bad), &["disclaimer: empty"]);
    let mut bad = safety();
    bad.precautions[0].detail = String::new();
    refused(check_safety(file(), &bad), &["broken-skin: empty"]);
}

#[test]
fn a_reviewed_link_names_a_review_of_this_point() {
    let link = |evidence, review: Option<&str>, review_scope| ConditionPointRecord {
        code: "LI4".into(),
        evidence,
        note: "Used.".into(),
        review: review.map(str::to_owned),
        review_scope,
        translations: Default::default(),
    };
    let (r, p) = (Some("Someone et al. 2020"), Some(ReviewScope::Point));
    for good in [
        link(EvidenceLevel::Reviewed, r, p),
        link(EvidenceLevel::Limited, r, Some(ReviewScope::Protocol)),
        link(EvidenceLevel::Limited, None, None),
        link(EvidenceLevel::Traditional, None, None),
    ] {
        assert!(
            check_evidence(file(), "headache", &good).is_ok(),
            "{good:?}"
        );
    }
    for (bad, words) in [
        (link(EvidenceLevel::Reviewed, None, None), "names no review"),
        (link(EvidenceLevel::Reviewed, Some("  "), p), "no review"),
        (
            link(EvidenceLevel::Reviewed, r, Some(ReviewScope::Protocol)),
            "protocols",
        ),
        (link(EvidenceLevel::Reviewed, r, None), "not of this point"),
        (link(EvidenceLevel::Limited, None, p), "no review"),
    ] {
        refused(
            check_evidence(file(), "headache", &bad),
            &["headache/LI4", words],
        );
    }
}

#[test]
fn every_linked_point_has_guidance() {
    let conditions = vec![condition("headache", &["LI4"])];
    let guided: Guidance = [("LI4", (Pressure::Medium, 60, Pregnancy::NotListed))].into();
    assert!(check_links_guided(file(), &conditions, &guided).is_ok());
    refused(
        check_links_guided(file(), &conditions, &Guidance::new()),
        &["headache: point LI4 has no self-care guidance"],
    );
}

/// Gives the items of [`translated`]'s catalog their translations.
type Translate = fn(&mut PointRecord, &mut ConditionRecord, &mut RoutineRecord, &mut SafetyRecord);

/// A catalog of one guided point (LI4, flagged `flag`), a condition linking it and a
/// routine pressing it, translated into Simplified Chinese by `translate`.
fn translated(flag: Pregnancy, translate: Translate) -> Result<(), DataError> {
    let mut p = point("LI4", PointKind::Standard, flag);
    p.selfcare = Some(selfcare());
    let mut c = condition("headache", &["LI4"]);
    let mut instruction = step("LI4");
    instruction.instruction.push_str(" Not in pregnancy.");
    let mut r = routine("evening", vec![instruction]);
    let mut s = safety();
    translate(&mut p, &mut c, &mut r, &mut s);
    if p.selfcare.is_none() {
        // The routine would be refused first; the translation rule is what is checked.
        r.steps.clear();
        let catalog = Catalog {
            points: &[p],
            conditions: &[c],
            routines: &[],
            safety: &s,
        };
        return check_translations(file(), &catalog);
    }
    let catalog = Catalog {
        points: &[p],
        conditions: &[c],
        routines: &[r],
        safety: &s,
    };
    check_translations(file(), &catalog)?;
    check_catalog(file(), &catalog)
}

#[test]
fn translations_are_written_in_full_and_in_chinese() {
    assert!(translated(Pregnancy::NotListed, |_, _, _, _| {}).is_ok());
    assert!(
        translated(Pregnancy::Caution, |p, c, r, s| {
            p.translations.zh_hans = Some(PointTexts {
                location: Some("拇指与食指之间。".into()),
                cautions: Some(vec!["孕期不要按压。".into()]),
                ..Default::default()
            });
            c.translations.zh_hant = Some(ConditionTexts {
                see_a_doctor_when: Some(vec!["突然而劇烈。".into()]),
                ..Default::default()
            });
            r.steps[0].translations.zh_hans = Some(StepTexts {
                instruction: Some("按压并呼吸；孕期不要按压。".into()),
            });
            s.precautions[0].translations.zh_hans = Some(PrecautionTexts {
                title: Some("破损皮肤".into()),
                detail: None,
            });
        })
        .is_ok()
    );
    let spoiled: [(Translate, &str); 8] = [
        (
            |p, _, _, _| {
                p.translations.zh_hans = Some(PointTexts {
                    location: Some("Between the thumb and the finger.".into()),
                    ..Default::default()
                })
            },
            "LI4 location (zh-Hans): is not written in Chinese",
        ),
        (
            |p, _, _, _| {
                p.translations.zh_hant = Some(PointTexts {
                    cautions: Some(vec!["孕期不要按壓。".into(), "停。".into()]),
                    ..Default::default()
                })
            },
            "LI4 cautions (zh-Hant): 2 entries where the English has 1",
        ),
        (
            |p, _, _, _| {
                p.translations.zh_hans = Some(PointTexts {
                    how_to_find: Some(Vec::new()),
                    ..Default::default()
                })
            },
            "how_to_find (zh-Hans): an empty list",
        ),
        (
            |p, _, _, _| {
                p.selfcare = None;
                p.translations.zh_hans = Some(PointTexts {
                    technique: Some("按压。".into()),
                    ..Default::default()
                })
            },
            "translates self-care guidance it does not have",
        ),
        (
            |_, c, _, _| {
                c.translations.zh_hans = Some(ConditionTexts {
                    see_a_doctor_when: Some(vec!["突然。".into(), "剧烈。".into()]),
                    ..Default::default()
                })
            },
            "headache see_a_doctor_when (zh-Hans): 2 entries where the English has 1",
        ),
        (
            |_, c, _, _| {
                c.translations.zh_hans = Some(ConditionTexts {
                    caution: Some("小心。".into()),
                    ..Default::default()
                })
            },
            "there is no English caution to translate",
        ),
        (
            |_, _, r, _| {
                r.steps[0].translations.zh_hant = Some(StepTexts {
                    instruction: Some("按壓並呼吸。".into()),
                })
            },
            "evening step 1 instruction (zh-Hant): LI4 is on the pregnancy lists",
        ),
        (
            |_, _, _, s| {
                s.translations.zh_hans = Some(SafetyTexts {
                    disclaimer: Some(" ".into()),
                })
            },
            "disclaimer (zh-Hans): empty",
        ),
    ];
    for (spoil, words) in spoiled {
        refused(translated(Pregnancy::Caution, spoil), &[words]);
    }
}
