//! The items the data files give: the shipped baseline the start-up loader merges.

use serde::Serialize;
use serde_json::Value;

use super::{ConditionContent, ItemKind, LinkContent, StoredItem};
use crate::catalog::data::Dataset;

fn to_doc<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("catalog records serialize")
}

fn item(kind: ItemKind, key: &str, position: usize, doc: Value) -> StoredItem {
    StoredItem {
        kind,
        key: key.to_owned(),
        position: position as i32 + 1,
        doc,
        retired: false,
    }
}

/// Every item of `data`, each kind in its files' order.
pub fn baseline_items(data: &Dataset) -> Vec<StoredItem> {
    let mut items = Vec::new();
    for (i, p) in data.points.iter().enumerate() {
        items.push(item(ItemKind::Point, &p.code, i, to_doc(p)));
    }
    for (i, c) in data.conditions.iter().enumerate() {
        items.push(item(
            ItemKind::Condition,
            &c.slug,
            i,
            to_doc(&ConditionContent::from(c)),
        ));
        for (rank, link) in c.points.iter().enumerate() {
            let content = LinkContent::of(&c.slug, rank as u32 + 1, link.clone());
            let key = LinkContent::key(&c.slug, &link.code);
            items.push(item(ItemKind::Link, &key, rank, to_doc(&content)));
        }
    }
    for (i, r) in data.routines.iter().enumerate() {
        items.push(item(ItemKind::Routine, &r.slug, i, to_doc(r)));
    }
    for (i, p) in data.safety.precautions.iter().enumerate() {
        items.push(item(ItemKind::Precaution, &p.slug, i, to_doc(p)));
    }
    items
}
