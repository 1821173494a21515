//! Requests no route matches: 405 with `Allow` when the path exists under another
//! method, 404 otherwise.

use std::collections::BTreeSet;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::ApiError;

/// The routes the app serves, used to tell 404 from 405 for unmatched requests.
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, BTreeSet<String>)>,
}

impl RouteTable {
    /// Builds the table from the generated OpenAPI paths plus extra fixed routes.
    pub fn from_openapi(api: &serde_json::Value, extra: &[(&str, &str)]) -> Self {
        let mut table = Self::default();
        for (path, item) in api["paths"].as_object().into_iter().flatten() {
            for method in method_names(item) {
                table.add(path, method);
            }
        }
        for (method, path) in extra {
            table.add(path, method);
        }
        table
    }

    fn add(&mut self, path: &str, method: &str) {
        let segments = split(path);
        match self.routes.iter_mut().find(|(s, _)| *s == segments) {
            Some((_, methods)) => {
                methods.insert(method.to_owned());
            }
            None => self
                .routes
                .push((segments, BTreeSet::from([method.to_owned()]))),
        }
    }

    /// Methods allowed on a concrete path, if any route template matches it.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let segments = split(path);
        let methods: BTreeSet<&str> = self
            .routes
            .iter()
            .filter(|(template, _)| matches_template(template, &segments))
            .flat_map(|(_, m)| m.iter().map(String::as_str))
            .collect();
        let head = methods.contains("GET").then_some("HEAD");
        (!methods.is_empty()).then(|| {
            methods
                .into_iter()
                .chain(head)
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

fn method_names(item: &serde_json::Value) -> Vec<&'static str> {
    ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .filter(|name| item.get(name.to_lowercase()).is_some())
        .collect()
}

fn split(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn matches_template(template: &[String], segments: &[String]) -> bool {
    template.len() == segments.len()
        && template
            .iter()
            .zip(segments)
            .all(|(t, s)| (t.starts_with('{') && t.ends_with('}')) || t == s)
}

/// The default service: 405 with `Allow` when the path exists, 404 otherwise.
pub async fn unmatched(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let method = req.method().as_str();
    Err(match routes.allowed(req.path()) {
        Some(allow) if !allow.split(", ").any(|m| m == method) => {
            ApiError::MethodNotAllowed { allow }
        }
        _ => ApiError::not_found(format!("no route for {} {}", req.method(), req.path())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_table_tells_404_from_405() {
        let mut t = RouteTable::default();
        t.add("/v1/points/{code}", "GET");
        t.add("/v1/me", "GET");
        t.add("/v1/me", "PATCH");
        assert_eq!(t.allowed("/v1/points/LI4").as_deref(), Some("GET, HEAD"));
        assert_eq!(t.allowed("/v1/me").as_deref(), Some("GET, PATCH, HEAD"));
        assert_eq!(t.allowed("/v1/nothing"), None);
    }
}
