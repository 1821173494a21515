//! The catalog: points, meridians, conditions, routines and safety data, lists and
//! search, caching and languages, the loader of its content and the content studio.

mod caching;
mod conditions;
mod content;
mod instances;
mod languages;
mod lists;
mod meridians;
mod points;
mod routines;
mod safety;
mod search;
mod studio;

use serde_json::Value;

use crate::support::{Response, TestApp};

fn codes(res: &Response) -> Vec<String> {
    res.json()["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", res.text()))
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Every item of a list, following `next_cursor` to the end.
async fn walk(app: &TestApp, first: &str) -> Vec<Value> {
    let (mut items, mut uri) = (Vec::new(), first.to_owned());
    loop {
        let body = app.get_json(&uri).await;
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                let sep = if first.contains('?') { '&' } else { '?' };
                uri = format!("{first}{sep}cursor={cursor}");
            }
            None => return items,
        }
    }
}

async fn bundle(app: &TestApp) -> Value {
    app.get("/v1/catalog").await.json()
}
