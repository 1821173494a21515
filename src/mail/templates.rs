//! The messages acupress sends, written by us in English, Simplified and Traditional
//! Chinese (`templates/mail/*.toml`, compiled in), rendered by the account's language.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::lang::Lang;

/// A message kind, with its template file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Template {
    VerifyEmail,
    PasswordReset,
    /// A sign-in on a device the account had not used before.
    NewSignIn,
    /// The code that confirms a new address, sent to it.
    EmailChangeCode,
    /// The notice of a change to the old address, with the link that undoes it.
    EmailChangeNotice,
    /// The code and link that delete the account from the web page.
    AccountDelete,
    /// Sign in with Apple or Google was added to the account.
    SignInAdded,
}

impl Template {
    pub const ALL: [Self; 7] = [
        Self::VerifyEmail,
        Self::PasswordReset,
        Self::NewSignIn,
        Self::EmailChangeCode,
        Self::EmailChangeNotice,
        Self::AccountDelete,
        Self::SignInAdded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
            Self::NewSignIn => "new_sign_in",
            Self::EmailChangeCode => "email_change_code",
            Self::EmailChangeNotice => "email_change_notice",
            Self::AccountDelete => "account_delete",
            Self::SignInAdded => "sign_in_added",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Self::VerifyEmail => include_str!("../../templates/mail/verify_email.toml"),
            Self::PasswordReset => include_str!("../../templates/mail/password_reset.toml"),
            Self::NewSignIn => include_str!("../../templates/mail/new_sign_in.toml"),
            Self::EmailChangeCode => include_str!("../../templates/mail/email_change_code.toml"),
            Self::EmailChangeNotice => {
                include_str!("../../templates/mail/email_change_notice.toml")
            }
            Self::AccountDelete => include_str!("../../templates/mail/account_delete.toml"),
            Self::SignInAdded => include_str!("../../templates/mail/sign_in_added.toml"),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Texts {
    subject: String,
    text: String,
    html: String,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

static TEXTS: LazyLock<HashMap<(Template, Lang), Texts>> = LazyLock::new(|| {
    let mut all = HashMap::new();
    for template in Template::ALL {
        let mut by_tag: HashMap<String, Texts> = toml::from_str(template.source())
            .unwrap_or_else(|e| panic!("templates/mail/{}.toml: {e}", template.name()));
        for lang in Lang::ALL {
            let texts = by_tag.remove(lang.tag()).unwrap_or_else(|| {
                panic!(
                    "templates/mail/{}.toml has no [{}]",
                    template.name(),
                    lang.tag()
                )
            });
            all.insert((template, lang), texts);
        }
    }
    all
});

fn fill(text: &str, params: &[(&str, &str)], escape: fn(&str) -> String) -> String {
    params
        .iter()
        .fold(text.trim().to_owned(), |out, (name, value)| {
            out.replace(&format!("{{{name}}}"), &escape(value))
        })
}

/// `s` safe as HTML text or an attribute value.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The message in `lang` with `params` filled in (escaped in the HTML body).
pub fn render(template: Template, lang: Lang, params: &[(&str, &str)]) -> Rendered {
    let texts = &TEXTS[&(template, lang)];
    let body = fill(&texts.html, params, escape_html);
    Rendered {
        // A subject is one line whatever a parameter holds.
        subject: fill(&texts.subject, params, |s| s.replace(['\r', '\n'], " ")),
        text: fill(&texts.text, params, str::to_owned) + "\n",
        html: format!(
            "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family:sans-serif;line-height:1.5\">\n{body}\n</body></html>\n",
            lang.tag(),
            escape_html(&fill(&texts.subject, params, str::to_owned)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_has_every_language_and_uses_every_parameter() {
        let params = [
            ("name", "Mei <b>"),
            ("code", "123456"),
            ("link", "https://app.example/x?a=1&b=2"),
            ("minutes", "15"),
            ("device", "Mei's <Pixel>"),
            ("time", "2026-12-01 09:00"),
            ("new_email", "new@example.org"),
            ("days", "7"),
            ("method", "Apple"),
        ];
        for template in Template::ALL {
            for lang in Lang::ALL {
                let m = render(template, lang, &params);
                for part in [&m.subject, &m.text, &m.html] {
                    assert!(!part.contains('{'), "{template:?} {lang:?}: {part}");
                }
                assert!(
                    m.html.contains("Mei &lt;b&gt;"),
                    "names are escaped in HTML"
                );
                assert!(m.html.contains(&format!("lang=\"{}\"", lang.tag())));
                let (code, link) = match template {
                    Template::NewSignIn => {
                        assert!(m.html.contains("Mei&#39;s &lt;Pixel&gt;"), "{lang:?}");
                        assert!(m.text.contains("2026-12-01 09:00"));
                        (false, false)
                    }
                    Template::EmailChangeCode => (true, false),
                    Template::SignInAdded => {
                        assert!(m.text.contains("Apple") && m.text.contains("2026-12-01 09:00"));
                        (false, false)
                    }
                    Template::EmailChangeNotice => {
                        assert!(m.text.contains("new@example.org") && m.text.contains('7'));
                        (false, true)
                    }
                    Template::VerifyEmail | Template::PasswordReset | Template::AccountDelete => {
                        (true, true)
                    }
                };
                assert_eq!(m.subject.contains("123456"), code, "{template:?}");
                assert_eq!(m.text.contains("123456"), code, "{template:?}");
                assert_eq!(m.text.contains("https://app.example/x?a=1&b=2"), link);
                assert_eq!(
                    m.html.contains("a=1&amp;b=2"),
                    link,
                    "links are escaped in HTML"
                );
            }
        }
    }
}
