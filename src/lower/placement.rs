//! Lowers `placement` blocks to placement strategies and constraints, in
//! the order they are written. The service form (`Type`/`Field`) and the
//! EventBridge Scheduler form are the same JSON.

use crate::rules::placement::{constraints, strategies};
use crate::types::{Obj, Value};
use serde_json::{Value as Json, json};

/// `PlacementStrategies` of a service, or `PlacementStrategy` of a schedule.
pub fn strategy_json(placement: &Obj) -> Vec<Json> {
    strategies(placement)
        .into_iter()
        .map(|strategy| match strategy.kind.rsplit('.').next() {
            Some("spread") => json!({ "Type": "spread", "Field": spread_field(strategy) }),
            Some("binpack") => json!({ "Type": "binpack", "Field": strategy.name() }),
            _ => json!({ "Type": "random" }),
        })
        .collect()
}

/// `PlacementConstraints` of a service or schedule.
pub fn constraint_json(placement: &Obj) -> Vec<Json> {
    constraints(placement)
        .into_iter()
        .map(|constraint| match constraint.kind.rsplit('.').next() {
            Some("member_of") => json!({ "Type": "memberOf", "Expression": constraint.name() }),
            _ => json!({ "Type": "distinctInstance" }),
        })
        .collect()
}

/// `zone` → the availability zone attribute, `instance` → `instanceId`, an
/// attribute name → `attribute:<name>`.
fn spread_field(strategy: &Obj) -> String {
    match strategy.label.as_ref().map(|l| &l.value) {
        Some(Value::Enum(word)) if word == "zone" => "attribute:ecs.availability-zone".into(),
        Some(Value::Enum(word)) if word == "instance" => "instanceId".into(),
        Some(Value::Str(text)) if text.starts_with("attribute:") || text == "instanceId" => {
            text.clone()
        }
        Some(Value::Str(text)) => format!("attribute:{text}"),
        _ => "attribute:ecs.availability-zone".into(),
    }
}
