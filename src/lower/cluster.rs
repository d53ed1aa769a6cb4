//! Lowers `cluster` declarations to `AWS::ECS::Cluster`.

use super::Lowering;
use crate::cfn::{self, Resource};
use serde_json::json;

/// Lowers every cluster.
pub fn lower(lowering: &mut Lowering) {
    for obj in lowering.typed.of_kind("cluster") {
        let insights = if obj.bool("insights").unwrap_or(true) {
            "enabled"
        } else {
            "disabled"
        };
        let resource = Resource::new(
            "AWS::ECS::Cluster",
            obj.span,
            json!({
                "ClusterSettings": [{ "Name": "containerInsights", "Value": insights }],
                "Tags": [{ "Key": "ecsc:cluster", "Value": obj.name() }],
            }),
        );
        lowering.add(cfn::logical_id(&[obj.name(), "Cluster"]), resource);
    }
}
