//! ecsc: a compiler from `.ecs` programs to AWS CloudFormation for Amazon ECS.
//!
//! The pipeline (see `ARCHITECTURE.md`):
//! syntax -> resolve -> types -> rules -> lower -> schema -> emit,
//! driven by [`driver`], which the CLI, watch mode and the LSP all call.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unimplemented,
    clippy::todo
)]

pub mod cfn;
pub mod cli;
pub mod diagnostics;
pub mod driver;
pub mod emit;
pub mod fmt;
pub mod lower;
pub mod lsp;
pub mod resolve;
pub mod rules;
pub mod schema;
pub mod source;
pub mod span;
pub mod stdlib;
pub mod syntax;
pub mod types;
pub mod vfs;
pub mod watch;
