//! Language negotiation: which of the catalog's languages a request is answered in.

use actix_web::HttpRequest;
use actix_web::http::header;

pub use crate::lang::Lang;

impl Lang {
    /// Picks the best language from `Accept-Language` (q-values honoured); English otherwise.
    pub fn negotiate(req: &HttpRequest) -> Self {
        let Some(value) = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Self::En;
        };
        let mut best: Option<(f32, usize, Self)> = None;
        for (index, part) in value.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(lang) = Self::from_tag(tag) {
                let better = match best {
                    None => true,
                    Some((bq, bi, _)) => q > bq || (q == bq && index < bi),
                };
                if better {
                    best = Some((q, index, lang));
                }
            }
        }
        best.map_or(Self::En, |(_, _, lang)| lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn lang(header: &str) -> Lang {
        Lang::negotiate(
            &TestRequest::default()
                .insert_header((header::ACCEPT_LANGUAGE, header))
                .to_http_request(),
        )
    }

    #[test]
    fn negotiates_languages() {
        assert_eq!(lang("zh-CN,zh;q=0.9,en;q=0.8"), Lang::ZhHans);
        assert_eq!(lang("zh-TW"), Lang::ZhHant);
        assert_eq!(lang("zh-Hant-HK, en;q=0.5"), Lang::ZhHant);
        assert_eq!(lang("fr-FR, en;q=0.3, zh;q=0.2"), Lang::En);
        assert_eq!(lang("fr"), Lang::En);
        assert_eq!(lang("en;q=0.1, zh-Hans;q=0.9"), Lang::ZhHans);
        assert_eq!(lang("zh;q=0, en"), Lang::En);
    }
}
