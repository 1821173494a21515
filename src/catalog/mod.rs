//! The point catalog: meridians, points, conditions, routines and safety data.

pub mod cache;
pub mod content;
pub mod data;
pub mod handlers;
pub mod model;
pub mod query;
pub mod safety;
pub mod search;
pub mod seed;
pub mod store;
