//! The contract every response of a test is held to, read from the committed
//! `openapi/openapi.json`. It applies to the operations that list their problem codes
//! (an `x-problem-codes` member: status -> codes): the status must be documented, a
//! problem's `code` listed for that status, and every header sent (but the transport
//! ones) documented for that response. Other operations are not checked yet.

use std::sync::OnceLock;

use serde_json::Value;

use super::Response;

/// Headers of the transport, not of the API: never documented per operation.
const TRANSPORT_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "date",
    "connection",
    "transfer-encoding",
    "content-encoding",
    "vary",
    "keep-alive",
];

/// Checks a response of the app against the committed spec; panics naming what the
/// response breaks. Every response a [`super::TestApp`] receives passes here.
pub fn observe(method: &str, path: &str, res: &Response) {
    static COMMITTED: OnceLock<Contract> = OnceLock::new();
    let contract = COMMITTED.get_or_init(|| {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
        let text = std::fs::read_to_string(&file).expect("openapi/openapi.json is readable");
        Contract::new(serde_json::from_str(&text).expect("openapi/openapi.json is JSON"))
    });
    let broken = contract.violations(method, path, res);
    assert!(
        broken.is_empty(),
        "{method} {path} answered {} against openapi/openapi.json:\n  {}\n{}",
        res.status,
        broken.join("\n  "),
        res.text()
    );
}

/// An OpenAPI document, as the contract to check responses against.
pub struct Contract {
    spec: Value,
}

impl Contract {
    pub fn new(spec: Value) -> Self {
        Self { spec }
    }

    /// What `res`, the answer to `method path` (no query), breaks of the contract; empty
    /// when nothing, or when its operation lists no problem codes.
    pub fn violations(&self, method: &str, path: &str, res: &Response) -> Vec<String> {
        let Some(op) = self.operation(method, path) else {
            return Vec::new();
        };
        let Some(codes) = op.get("x-problem-codes") else {
            return Vec::new();
        };
        let status = res.status.to_string();
        let Some(response) = self.response(op, &status) else {
            return vec![format!("status {status} is not documented")];
        };
        let mut broken = Vec::new();
        let problem = res
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/problem+json"));
        if problem {
            let code = serde_json::from_slice::<Value>(&res.body)
                .ok()
                .and_then(|body| body["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let listed = codes[&status].as_array().cloned().unwrap_or_default();
            if !listed.iter().any(|c| c.as_str() == Some(&code)) {
                broken.push(format!(
                    "problem code `{code}` is not listed for {status} in x-problem-codes"
                ));
            }
        }
        let documented = self.documented_headers(response, &mut broken);
        for name in res.headers.keys().map(|n| n.as_str()) {
            // CORS headers go only to configured origins, the same on every answer: the
            // contract (docs/api-contract.md) names them once instead of per response.
            let cors = name.starts_with("access-control-");
            if !TRANSPORT_HEADERS.contains(&name) && !cors && !documented.contains(&name.to_owned())
            {
                broken.push(format!("header `{name}` is not documented for {status}"));
            }
        }
        broken
    }

    /// The operation for `method` at the path template `path` matches, literal
    /// segments preferred over `{parameters}` (`/v1/me/sessions` before `/v1/me/{x}`).
    /// Methods are case-sensitive: `get` is not `GET`, and no operation of the spec.
    fn operation(&self, method: &str, path: &str) -> Option<&Value> {
        if method != method.to_ascii_uppercase() {
            return None;
        }
        let segments: Vec<&str> = path.split('/').collect();
        let (_, item) = self
            .spec
            .get("paths")?
            .as_object()?
            .iter()
            .filter_map(|(template, item)| {
                literal_segments(template, &segments).map(|literal| (literal, item))
            })
            .max_by_key(|(literal, _)| *literal)?;
        item.get(method.to_ascii_lowercase())
    }

    /// The documented response for `status`: exactly, else its range (`4XX`), else
    /// `default`; references resolved.
    fn response<'a>(&'a self, op: &'a Value, status: &str) -> Option<&'a Value> {
        let responses = op.get("responses")?;
        let range = format!("{}XX", &status[..1]);
        [status, range.as_str(), "default"]
            .iter()
            .find_map(|key| responses.get(*key))
            .and_then(|r| self.resolve(r))
    }

    /// The lower-cased names of the headers a response documents; a reference that
    /// leads nowhere is a violation.
    fn documented_headers(&self, response: &Value, broken: &mut Vec<String>) -> Vec<String> {
        let Some(headers) = response.get("headers").and_then(|h| self.resolve(h)) else {
            return Vec::new();
        };
        let mut names = Vec::new();
        for (name, header) in headers.as_object().into_iter().flatten() {
            if self.resolve(header).is_none() {
                broken.push(format!("header `{name}` refers to nothing: {header}"));
            }
            names.push(name.to_ascii_lowercase());
        }
        names
    }

    /// `value`, or what its `$ref` (within this document) points at, followed to the end.
    fn resolve<'a>(&'a self, mut value: &'a Value) -> Option<&'a Value> {
        for _ in 0..8 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(reference) => value = self.spec.pointer(reference.strip_prefix('#')?)?,
                None => return Some(value),
            }
        }
        None
    }
}

/// How many literal segments of `template` match `segments` when it matches as a whole
/// (a `{parameter}` matches any non-empty segment); `None` when it does not.
fn literal_segments(template: &str, segments: &[&str]) -> Option<usize> {
    let parts: Vec<&str> = template.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut literal = 0;
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') && part.ends_with('}') {
            if segment.is_empty() {
                return None;
            }
        } else if part == segment {
            literal += 1;
        } else {
            return None;
        }
    }
    Some(literal)
}
