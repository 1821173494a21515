//! Point search served from memory: every name of every point, normalised once per
//! catalog snapshot, so that a query (each keystroke of a search box) costs
//! microseconds and no database trip.
//!
//! Matching and ranking: a name whose key equals the query's scores 100, one that
//! starts with it 80, one that contains it 60 (queries of 3 characters or more), and
//! otherwise one similar by trigrams (queries of 4 or more, similarity at least 0.3)
//! 50 × similarity. The score is multiplied by the weight of the kind of name: codes
//! 1.5, pinyin, hanzi and English names 1, old names 0.95, condition names 0.7 less
//! 0.02 per rank of the point for the condition. So an exact code beats a code prefix,
//! which beats an exact name, then name prefixes, substrings and typos. Each point
//! keeps its best-scoring name (the first indexed among equals), which is the reason
//! the response gives; points with equal scores keep the catalog's order.

mod normalise;

use std::collections::HashMap;

use normalise::{Trigram, similarity, trigrams};
pub use normalise::{Umlaut, key};

use crate::catalog::data::{ConditionRecord, PointRecord};
use crate::catalog::model::Meridian;

/// Which kind of name matched a search, or that a condition filter matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MatchField)]
pub enum Field {
    /// The point code, in any spelling (`LI4`, `li-4`, an old meridian code).
    Code,
    /// The pinyin name, with or without tones and spaces.
    Pinyin,
    /// The Chinese name, in simplified or traditional characters.
    Hanzi,
    /// The English name.
    EnglishName,
    /// Another name the point is known by.
    Alias,
    /// A condition the point serves (a condition filter, or a search for a condition).
    Condition,
}

impl Field {
    /// The name of the field in a response's `matches`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Code => "code",
            Field::Pinyin => "pinyin",
            Field::Hanzi => "hanzi",
            Field::EnglishName => "english_name",
            Field::Alias => "alias",
            Field::Condition => "condition",
        }
    }
}

const CODE_WEIGHT: f32 = 1.5;
const NAME_WEIGHT: f32 = 1.0;
const ALIAS_WEIGHT: f32 = 0.95;
const CONDITION_WEIGHT: f32 = 0.7;
const CONDITION_RANK_STEP: f32 = 0.02;

const EXACT: f64 = 100.0;
const PREFIX: f64 = 80.0;
const SUBSTRING: f64 = 60.0;
const SIMILAR: f64 = 50.0;
/// Shortest queries (in characters) matched inside a name, and by similarity.
const MIN_SUBSTRING: usize = 3;
const MIN_SIMILAR: usize = 4;
/// `pg_trgm`'s default `similarity_threshold`.
const MIN_SIMILARITY: f64 = 0.3;

/// The best match of a search for one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit<'a> {
    pub score: f64,
    pub field: Field,
    /// The name as written in the catalog.
    pub value: &'a str,
}

/// One point's claim on a key.
#[derive(Debug)]
struct Owner {
    point: u32,
    field: Field,
    display: String,
    weight: f32,
    /// Indexing order: the first of a point's equally scoring names is its reason.
    seq: u32,
}

#[derive(Debug)]
struct Term {
    key: String,
    trigrams: u32,
    owners: Vec<Owner>,
}

/// The search index of one catalog snapshot. Built once; queries only read it.
#[derive(Debug)]
pub struct SearchIndex {
    points: usize,
    /// Distinct keys, sorted: the keys starting with a query are one range.
    terms: Vec<Term>,
    /// (term, byte offset > 0) sorted by the key's suffix from there: the keys
    /// containing a query are one range.
    suffixes: Vec<(u32, u32)>,
    /// The terms holding each trigram, sorted by trigram (a binary search finds one).
    postings: Vec<(Trigram, Vec<u32>)>,
}

/// Collects names, then builds the index.
#[derive(Default)]
pub struct Builder {
    points: usize,
    keys: HashMap<String, Vec<Owner>>,
    seq: u32,
}

impl Builder {
    /// Adds one name of `point` under its `u` key and, when it has a `ü`, its `v` key.
    pub fn add(&mut self, point: usize, field: Field, display: &str, weight: f32) {
        let display = display.trim();
        self.points = self.points.max(point + 1);
        let u = key(display, Umlaut::U);
        let v = key(display, Umlaut::V);
        for k in [Some(u.clone()), (v != u).then_some(v)]
            .into_iter()
            .flatten()
        {
            if k.is_empty() {
                continue;
            }
            self.keys.entry(k).or_default().push(Owner {
                point: point as u32,
                field,
                display: display.to_owned(),
                weight,
                seq: self.seq,
            });
        }
        self.seq += 1;
    }

    pub fn build(self) -> SearchIndex {
        let mut terms: Vec<Term> = self
            .keys
            .into_iter()
            .map(|(key, owners)| Term {
                trigrams: trigrams(&key).len() as u32,
                key,
                owners,
            })
            .collect();
        terms.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        let mut suffixes = Vec::new();
        let mut postings: HashMap<Trigram, Vec<u32>> = HashMap::new();
        for (t, term) in terms.iter().enumerate() {
            for (offset, _) in term.key.char_indices().skip(1) {
                suffixes.push((t as u32, offset as u32));
            }
            for gram in trigrams(&term.key) {
                postings.entry(gram).or_default().push(t as u32);
            }
        }
        let suffix = |&(t, offset): &(u32, u32)| &terms[t as usize].key[offset as usize..];
        suffixes.sort_unstable_by(|a, b| suffix(a).cmp(suffix(b)));
        let mut postings: Vec<(Trigram, Vec<u32>)> = postings.into_iter().collect();
        postings.sort_unstable_by_key(|(gram, _)| *gram);
        SearchIndex {
            points: self.points,
            terms,
            suffixes,
            postings,
        }
    }
}

impl SearchIndex {
    /// Indexes every name of the catalog's points: codes (also with older meridian
    /// codes: `SJ5` for TE5), pinyin with and without tone marks, hanzi in both scripts,
    /// English names, old names, and the names and keywords of the conditions a point
    /// serves (`links[point]` = (condition, rank − 1)).
    pub fn for_catalog(
        points: &[PointRecord],
        meridians: &[Meridian],
        conditions: &[ConditionRecord],
        links: &[Vec<(usize, usize)>],
    ) -> Self {
        let mut index = Builder {
            points: points.len(),
            ..Builder::default()
        };
        for (i, p) in points.iter().enumerate() {
            index.add(i, Field::Code, &p.code, CODE_WEIGHT);
            if let (Some(code), Some(number)) = (&p.meridian, p.number) {
                let old = meridians.iter().filter(|m| &m.code == code);
                for alias in old.flat_map(|m| &m.aliases) {
                    index.add(i, Field::Code, &format!("{alias}{number}"), CODE_WEIGHT);
                }
            }
            index.add(i, Field::Pinyin, &p.pinyin, NAME_WEIGHT);
            index.add(i, Field::Pinyin, &p.pinyin_ascii, NAME_WEIGHT);
            index.add(i, Field::Hanzi, &p.hanzi, NAME_WEIGHT);
            index.add(i, Field::Hanzi, &p.hanzi_traditional, NAME_WEIGHT);
            index.add(i, Field::EnglishName, &p.english_name, NAME_WEIGHT);
            for alias in &p.aliases {
                index.add(i, Field::Alias, alias, ALIAS_WEIGHT);
            }
            for &(ci, li) in &links[i] {
                let c = &conditions[ci];
                let weight = CONDITION_WEIGHT - CONDITION_RANK_STEP * li.min(10) as f32;
                let names = std::iter::once(&c.name)
                    .chain(&c.name_zh_hans)
                    .chain(&c.name_zh_hant)
                    .chain(&c.keywords);
                for name in names {
                    index.add(i, Field::Condition, name, weight);
                }
            }
        }
        index.build()
    }

    /// The best match per point (indexed like the catalog's points) for a query's
    /// search key (see [`key`], with `ü` as `u`); `None` where the point does not match.
    pub fn search<'a>(&'a self, k: &str) -> Vec<Option<Hit<'a>>> {
        let mut best: Vec<Option<(f64, &'a Owner)>> = vec![None; self.points];
        if k.is_empty() {
            return vec![None; self.points];
        }
        let chars = k.chars().count();
        let mut offer = |term: &'a Term, base: f64| {
            for owner in &term.owners {
                let score = base * f64::from(owner.weight);
                let slot = &mut best[owner.point as usize];
                if slot.is_none_or(|(s, o)| score > s || (score == s && owner.seq < o.seq)) {
                    *slot = Some((score, owner));
                }
            }
        };
        let start = self.terms.partition_point(|t| t.key.as_str() < k);
        for term in self.terms[start..]
            .iter()
            .take_while(|t| t.key.starts_with(k))
        {
            offer(term, if term.key == k { EXACT } else { PREFIX });
        }
        if chars >= MIN_SUBSTRING {
            let suffix = |&(t, offset): &(u32, u32)| &self.terms[t as usize].key[offset as usize..];
            let start = self.suffixes.partition_point(|s| suffix(s) < k);
            for s in self.suffixes[start..]
                .iter()
                .take_while(|s| suffix(s).starts_with(k))
            {
                offer(&self.terms[s.0 as usize], SUBSTRING);
            }
        }
        if chars >= MIN_SIMILAR {
            let grams = trigrams(k);
            // Shared trigrams per term, and the terms that share any, in first-seen order.
            let mut shared = vec![0u16; self.terms.len()];
            let mut candidates = Vec::new();
            for gram in &grams {
                let Ok(at) = self.postings.binary_search_by_key(gram, |(g, _)| *g) else {
                    continue;
                };
                for &t in &self.postings[at].1 {
                    if shared[t as usize] == 0 {
                        candidates.push(t);
                    }
                    shared[t as usize] += 1;
                }
            }
            for t in candidates {
                let term = &self.terms[t as usize];
                let n = shared[t as usize];
                let sim = similarity(n as usize, grams.len(), term.trigrams as usize);
                if sim >= MIN_SIMILARITY {
                    offer(term, SIMILAR * sim);
                }
            }
        }
        best.into_iter()
            .map(|slot| {
                slot.map(|(score, owner)| Hit {
                    score,
                    field: owner.field,
                    value: &owner.display,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three points with names like the catalog's.
    fn index() -> SearchIndex {
        let mut b = Builder::default();
        b.add(0, Field::Code, "ST36", CODE_WEIGHT);
        b.add(0, Field::Pinyin, "Zúsānlǐ", NAME_WEIGHT);
        b.add(0, Field::Pinyin, "Zusanli", NAME_WEIGHT);
        b.add(0, Field::EnglishName, "Leg Three Miles", NAME_WEIGHT);
        b.add(1, Field::Code, "ST3", CODE_WEIGHT);
        b.add(1, Field::Pinyin, "Jùliáo", NAME_WEIGHT);
        b.add(2, Field::Code, "BL29", CODE_WEIGHT);
        b.add(2, Field::Pinyin, "Zhōnglǚshū", NAME_WEIGHT);
        b.add(2, Field::Condition, "Leg cramps", CONDITION_WEIGHT);
        b.add(3, Field::Pinyin, "Zulinqi", NAME_WEIGHT);
        b.add(3, Field::Alias, "Zusanli", ALIAS_WEIGHT);
        b.build()
    }

    fn find<'a>(index: &'a SearchIndex, q: &str) -> Vec<Option<Hit<'a>>> {
        index.search(&key(q, Umlaut::U))
    }

    fn ranked(index: &SearchIndex, q: &str) -> Vec<(usize, &'static str, f64)> {
        let mut hits: Vec<_> = find(index, q)
            .into_iter()
            .enumerate()
            .filter_map(|(i, h)| {
                h.map(|h| (i, h.field.as_str(), (h.score * 1000.0).round() / 1000.0))
            })
            .collect();
        hits.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        hits
    }

    #[test]
    fn exact_code_then_code_prefix_then_names() {
        let index = index();
        let hits = ranked(&index, "st3");
        assert_eq!(hits[0], (1, "code", 150.0));
        assert_eq!(hits[1], (0, "code", 120.0));
        let hits = ranked(&index, "zusanli");
        assert_eq!(hits[0], (0, "pinyin", 100.0), "exact name");
        assert_eq!(hits[1], (3, "alias", 95.0), "exact old name");
    }

    #[test]
    fn prefixes_as_typed() {
        let index = index();
        assert_eq!(
            ranked(&index, "z").iter().map(|h| h.0).collect::<Vec<_>>(),
            [0, 2, 3],
            "one letter: every name starting with it, ties in catalog order"
        );
        assert_eq!(ranked(&index, "zus")[0], (0, "pinyin", 80.0));
        assert_eq!(ranked(&index, "zu s")[0], (0, "pinyin", 80.0));
    }

    #[test]
    fn substrings_from_three_characters() {
        let index = index();
        assert_eq!(ranked(&index, "three"), [(0, "english_name", 60.0)]);
        assert!(
            ranked(&index, "an").is_empty(),
            "two letters only as a prefix"
        );
    }

    #[test]
    fn typos_by_trigram_similarity() {
        let index = index();
        let hits = ranked(&index, "zusanly");
        assert_eq!(hits[0], (0, "pinyin", 30.0), "50 × similarity 0.6");
        assert_eq!(ranked(&index, "zusanly")[1], (3, "alias", 28.5));
        assert!(ranked(&index, "xqzxqz").is_empty());
    }

    #[test]
    fn u_umlaut_as_u_or_v_and_the_reason_is_the_name_as_written() {
        let index = index();
        for q in ["zhonglushu", "zhonglvshu", "Zhōnglǚshū", "zhong lv"] {
            let hits = find(&index, q);
            let hit = hits[2].expect(q);
            assert_eq!((hit.field, hit.value), (Field::Pinyin, "Zhōnglǚshū"), "{q}");
        }
    }

    #[test]
    fn a_point_keeps_its_best_name_and_equal_names_the_first_indexed() {
        let index = index();
        let hit = find(&index, "zusanli")[0].unwrap();
        assert_eq!(hit.value, "Zúsānlǐ", "first of two equal pinyin spellings");
        assert_eq!(ranked(&index, "leg")[1], (2, "condition", 56.0));
    }

    #[test]
    fn empty_keys_match_nothing() {
        let index = index();
        assert!(find(&index, "!!!").iter().all(Option::is_none));
        assert_eq!(find(&index, "").len(), 4);
    }
}
