//! Checks of the repository itself: the dependency rule, migrations that revert
//! cleanly, the committed OpenAPI document and the contract read from it.

mod architecture;
mod contract;
mod migrations;
mod openapi;
mod spec_rules;
