//! The pest parser generated from `grammar/ecs.pest`.
//!
//! **Invariant:** no module outside `syntax/` names a pest type.

/// The generated parser.
#[derive(pest_derive::Parser)]
#[grammar = "grammar/ecs.pest"]
pub struct EcsParser;
