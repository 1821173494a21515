//! HTTP plumbing shared by every feature: request bodies, problem+json for malformed
//! parameters, 404/405 for unmatched requests, language negotiation, caching and the
//! JSON merge patch field readers.

mod body;
mod caching;
mod fallback;
mod lang;
pub mod page;
mod params;
pub mod patch;

pub use body::{BodyLimits, Json, OptionalJson};
pub use caching::{Cacheable, etag_per_coding, head_as_get, private_no_store, strip_coding};
pub use fallback::{RouteTable, unmatched};
pub use lang::Lang;
pub use params::extractor_configs;
