//! Black-box mode: with `ACUPRESS_TEST_BASE_URL` set (say `http://127.0.0.1:8080`), the
//! tests that speak HTTP only send their requests over real HTTP to that running
//! instance; the tests that need the app's internals are skipped, each with one line
//! on stderr saying why.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use actix_http::Request;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use futures_util::StreamExt;

use super::Response;

/// The running instance the requests go to.
pub struct Remote {
    base: &'static str,
    http: reqwest::Client,
}

/// The base URL of black-box mode, without a trailing `/`; `None` when it is off.
fn base_url() -> Option<&'static str> {
    static BASE: OnceLock<Option<String>> = OnceLock::new();
    BASE.get_or_init(|| {
        std::env::var("ACUPRESS_TEST_BASE_URL")
            .ok()
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty())
    })
    .as_deref()
}

/// In black-box mode, says on stderr that the running test is skipped and why, and
/// returns true. Written to stderr directly, so that it shows whether or not the test
/// harness captures the test's output.
pub fn skipped_in_black_box(why: &str) -> bool {
    let Some(base) = base_url() else {
        return false;
    };
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr(), "skipped against {base}: {test} {why}");
    true
}

/// Returns from the test at once in black-box mode, saying why on stderr; `why`
/// completes "<test> ...", e.g. `"reads the database"`.
macro_rules! skip_in_black_box {
    ($why:expr) => {
        if $crate::support::skipped_in_black_box($why) {
            return;
        }
    };
}

/// The real application in process for a test that needs its internals (optionally
/// with a configuration of its own); in black-box mode the test is skipped instead.
macro_rules! local_app {
    ($why:expr) => {
        local_app!($why, |_| {})
    };
    ($why:expr, $adjust:expr) => {{
        skip_in_black_box!($why);
        $crate::support::LocalApp::with_config($adjust).await
    }};
}

/// Headers the HTTP client sets itself from the request it sends.
const CLIENT_SET: [&str; 3] = ["host", "content-length", "transfer-encoding"];

impl Remote {
    /// The instance of black-box mode, when it is on.
    pub fn from_env() -> Option<Self> {
        let base = base_url()?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("an HTTP client");
        Some(Self { base, http })
    }

    /// Sends `req` to the instance as it stands (method, path and query, headers and
    /// body) and reads the whole answer; the client decompresses nothing.
    pub async fn send(&self, mut req: Request) -> Response {
        let mut body = Vec::new();
        let mut payload = req.take_payload();
        while let Some(chunk) = payload.next().await {
            body.extend_from_slice(&chunk.expect("a test body"));
        }
        let method =
            reqwest::Method::from_bytes(req.method().as_str().as_bytes()).expect("an HTTP method");
        let mut sent = self
            .http
            .request(method, format!("{}{}", self.base, req.uri()));
        for (name, value) in req.head().headers.iter() {
            if !CLIENT_SET.contains(&name.as_str()) {
                sent = sent.header(name.as_str(), value.as_bytes());
            }
        }
        if !body.is_empty() {
            sent = sent.body(body);
        }
        let res = sent
            .send()
            .await
            .unwrap_or_else(|e| panic!("{} {}: {e}", req.method(), req.uri()));
        let status = res.status().as_u16();
        let mut headers = HeaderMap::new();
        for (name, value) in res.headers() {
            headers.append(
                HeaderName::from_bytes(name.as_str().as_bytes()).expect("a header name"),
                HeaderValue::from_bytes(value.as_bytes()).expect("a header value"),
            );
        }
        let body = res.bytes().await.expect("the whole body");
        Response {
            status,
            headers,
            body,
        }
    }
}
