//! The form names and queries are compared in: search keys and their trigrams.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// How `ü` is spelled in a key: as `u` (what the database's `unaccent` did, and what
/// most people type) or as `v` (the pinyin keyboard spelling: `lv` for `lǜ`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Umlaut {
    U,
    V,
}

const DIAERESIS: char = '\u{308}';

/// Lower case, without accents, tone marks, spaces or punctuation: `Hé gǔ` → `hegu`,
/// `LI-4` → `li4`, `合谷` stays `合谷`. Compatibility forms fold too (full-width
/// `ＬＩ４` → `li4`). Only letters and digits (of any script) are kept.
pub fn key(text: &str, umlaut: Umlaut) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            if c == DIAERESIS && umlaut == Umlaut::V && out.ends_with('u') {
                out.pop();
                out.push('v');
            }
        } else if c.is_alphanumeric() {
            out.push(c);
        }
    }
    out
}

/// One trigram: three characters packed into 63 bits.
pub type Trigram = u64;

/// The distinct trigrams of a key, sorted, as `pg_trgm` forms them for one word: the
/// key padded with two spaces in front and one behind (`zus` → `  z`, ` zu`, `zus`,
/// `us `).
pub fn trigrams(key: &str) -> Vec<Trigram> {
    let padded: Vec<char> = "  ".chars().chain(key.chars()).chain([' ']).collect();
    let mut grams: Vec<Trigram> = padded
        .windows(3)
        .map(|w| (u64::from(w[0]) << 42) | (u64::from(w[1]) << 21) | u64::from(w[2]))
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// `pg_trgm`'s similarity from the trigram counts: shared / (all distinct of both).
pub fn similarity(shared: usize, a: usize, b: usize) -> f64 {
    shared as f64 / (a + b - shared) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_drop_case_accents_tones_and_separators() {
        for (text, expected) in [
            ("Hégǔ", "hegu"),
            ("he gu", "hegu"),
            ("HE-GU", "hegu"),
            ("LI-4", "li4"),
            ("Li 4", "li4"),
            ("ＬＩ４", "li4"),
            ("Zú Sān Lǐ", "zusanli"),
            ("Leg Three Miles", "legthreemiles"),
            ("合谷", "合谷"),
            ("內關", "內關"),
            ("it's (old) / new.", "itsoldnew"),
            ("!!!", ""),
            ("İstanbul", "istanbul"),
        ] {
            assert_eq!(key(text, Umlaut::U), expected, "{text}");
            assert_eq!(key(expected, Umlaut::U), expected, "a key is its own key");
        }
    }

    #[test]
    fn u_umlaut_is_u_or_v() {
        assert_eq!(key("Zhōnglǚshū", Umlaut::U), "zhonglushu");
        assert_eq!(key("Zhōnglǚshū", Umlaut::V), "zhonglvshu");
        assert_eq!(key("Nüxi", Umlaut::V), "nvxi");
        // Only a diaeresis on u turns into v; other accents just go.
        assert_eq!(key("Hégǔ", Umlaut::V), "hegu");
        assert_eq!(key("Zoë", Umlaut::V), "zoe");
    }

    #[test]
    fn trigrams_and_similarity_match_pg_trgm() {
        // SELECT show_trgm('zus') → {"  z"," zu","us ","zus"}
        assert_eq!(trigrams("zus").len(), 4);
        assert_eq!(trigrams("zusanli").len(), 8);
        // Repeated trigrams count once: "aaaa" → "  a"," aa","aaa","aa ".
        assert_eq!(trigrams("aaaa").len(), 4);
        // SELECT similarity('zusanli', 'zusanly') → 0.6
        let (a, b) = (trigrams("zusanli"), trigrams("zusanly"));
        let shared = a.iter().filter(|g| b.binary_search(g).is_ok()).count();
        assert_eq!(shared, 6);
        assert!((similarity(shared, a.len(), b.len()) - 0.6).abs() < 1e-9);
        // Hanzi are word characters like letters.
        assert_eq!(trigrams("合谷").len(), 3);
    }
}
