//! Favorite types: what phones send and what they get back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalog::model::RoutineStep;
use crate::catalog::safety::Warning;

/// What a favorite is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FavoriteKind {
    /// A catalog point, by code.
    Point,
    /// A curated routine, by slug.
    Routine,
    /// One of the account's own routines, by id.
    OwnRoutine,
}

impl FavoriteKind {
    /// The word in paths and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Point => "point",
            Self::Routine => "routine",
            Self::OwnRoutine => "own_routine",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Point, Self::Routine, Self::OwnRoutine]
            .into_iter()
            .find(|kind| kind.as_str() == raw)
    }
}

/// One favorite, in the account's order.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"kind": "point", "id": "PC6", "name": "Inner Pass", "retired": false,
    "added_at": "2026-12-01T20:00:00Z"}))]
pub struct Favorite {
    pub kind: FavoriteKind,
    /// The point's code, the curated routine's slug or the own routine's id, in canonical
    /// form.
    pub id: String,
    /// The name in the language served; null for a retired item.
    #[schema(required = true)]
    pub name: Option<String>,
    /// The item has left the catalog; it stays listed until removed.
    pub retired: bool,
    pub added_at: DateTime<Utc>,
}

/// The account's favorites, in its order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": []}))]
pub struct FavoriteList {
    pub items: Vec<Favorite>,
}

/// One favorite named in a new order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FavoriteRef {
    pub kind: FavoriteKind,
    #[schema(max_length = 80)]
    pub id: String,
}

/// Every favorite of the account, in the order wanted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"kind": "routine", "id": "sleep-wind-down"},
    {"kind": "point", "id": "PC6"}]}))]
pub struct FavoriteOrder {
    #[schema(max_items = 100)]
    pub items: Vec<FavoriteRef>,
}

/// The favorite points as one routine, each step timed as its self-care guidance says.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"steps": [{"position": 1, "point": "PC6", "point_name": "Inner Pass",
    "side": "both", "seconds": 120, "pressure": "medium",
    "instruction": "Press steadily between the tendons.", "pregnancy": "not_listed"}],
    "step_count": 1, "total_seconds": 120, "left_out": [], "warnings": []}))]
pub struct FavoritesRoutine {
    pub steps: Vec<RoutineStep>,
    pub step_count: usize,
    pub total_seconds: u32,
    /// Favorite points that are not steps: retired, or without self-care guidance.
    pub left_out: Vec<String>,
    /// What the account's safety profile says about the steps.
    pub warnings: Vec<Warning>,
}
