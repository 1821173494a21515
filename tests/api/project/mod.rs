//! Checks of the repository itself: the dependency rule, migrations that revert
//! cleanly, and the committed OpenAPI document.

mod architecture;
mod migrations;
mod openapi;
