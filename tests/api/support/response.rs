//! A whole response, read once: status, headers and body, with the checks every test
//! makes of a problem answer.

use std::io::Read;

use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;
use serde_json::Value;

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// Asserts a page of the server's own forms: 200 HTML under the forms' policy (no
    /// script, posts back here only), not framed, no referrer, stored by no cache.
    pub fn assert_form_page(&self) {
        assert_eq!(self.status, 200, "{}", self.text());
        assert!(
            self.header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        let csp = self.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("form-action 'self'"));
        assert_eq!(self.header("x-frame-options"), Some("DENY"));
        assert_eq!(self.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(self.header("cache-control"), Some("no-store"));
        assert!(!self.text().contains("<script"));
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts the status (the body in the message when it differs) and passes the
    /// response on.
    #[track_caller]
    pub fn assert_status(self, status: u16) -> Self {
        assert_eq!(self.status, status, "{}", self.text());
        self
    }

    /// The body, decompressed from gzip, as JSON.
    pub fn gunzip_json(&self) -> Value {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&self.body[..])
            .read_to_string(&mut text)
            .expect("a gzip body");
        serde_json::from_str(&text).expect("JSON inside the gzip body")
    }

    /// The body as text, for failure messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and code, and returns it.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(
            body["type"],
            format!("/problems/{}", code.replace('_', "-"))
        );
        assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(
            body["request_id"].as_str(),
            self.header("x-request-id"),
            "problem carries the request id"
        );
        body
    }
}
