//! Lowers a service's `autoscale` block: an
//! `AWS::ApplicationAutoScaling::ScalableTarget` on the service's desired
//! count (using the Application Auto Scaling service-linked role), a target
//! tracking policy each for `cpu`, `memory` and `requests` (ALB requests per
//! target, labelled with the load balancer's and target group's full
//! names), a step scaling policy and an `AWS::CloudWatch::Alarm` per `step`,
//! and a scheduled action per `schedule`.
//!
//! With autoscaling, the service's `DesiredCount` is left out unless `count`
//! is written, so a deployment does not reset the scaled count.

use super::Lowering;
use super::load_balancer::target_group_id;
use crate::cfn::{self, Resource};
use crate::rules::autoscale::{capacity, requests_load_balancer};
use crate::types::{Obj, Value};
use serde_json::{Value as Json, json};

/// Lowers the autoscaling of every service.
pub fn lower(lowering: &mut Lowering) {
    for service in lowering.typed.of_kind("service") {
        if let Some(autoscale) = service.blocks("autoscale").first()
            && service.str("scheduling") != Some("daemon")
        {
            scalable(lowering, service, autoscale);
        }
    }
}

fn seconds(obj: &Obj, field: &str) -> Option<u64> {
    match obj.get(field).map(|v| &v.value) {
        Some(Value::Duration(seconds)) => Some(*seconds),
        _ => None,
    }
}

fn scalable(lowering: &mut Lowering, service: &Obj, autoscale: &Obj) {
    let Some((min, max)) = capacity(autoscale) else {
        return;
    };
    let name = service.name();
    let service_id = super::primary_id("service", name);
    let cluster_id = service
        .reference("cluster")
        .map(|c| super::primary_id("cluster", c))
        .unwrap_or_default();
    let target_id = cfn::logical_id(&[name, "ScalableTarget"]);
    let schedules: Vec<Json> = autoscale
        .blocks("schedule")
        .iter()
        .filter_map(|schedule| scheduled_action(lowering, schedule))
        .collect();
    let mut properties = json!({
        "MinCapacity": min,
        "MaxCapacity": max,
        "ResourceId": cfn::sub(&format!("service/${{{cluster_id}}}/${{{service_id}.Name}}")),
        "ScalableDimension": "ecs:service:DesiredCount",
        "ServiceNamespace": "ecs",
    });
    if let (false, Some(map)) = (schedules.is_empty(), properties.as_object_mut()) {
        map.insert("ScheduledActions".into(), Json::Array(schedules));
    }
    let mut resource = Resource::new(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        autoscale.span,
        properties,
    );
    if let Some(label) = &autoscale.label {
        resource = resource
            .from_source("/MinCapacity", label.span)
            .from_source("/MaxCapacity", label.span);
    }
    lowering.add(target_id.clone(), resource);

    let cooldown_in = seconds(autoscale, "cooldown_in").unwrap_or(300);
    let cooldown_out = seconds(autoscale, "cooldown_out").unwrap_or(60);
    let configuration = |metric: &str, value: f64, label: Option<Json>| {
        let mut specification = json!({ "PredefinedMetricType": metric });
        if let (Some(label), Some(map)) = (label, specification.as_object_mut()) {
            map.insert("ResourceLabel".into(), label);
        }
        json!({
            "PredefinedMetricSpecification": specification,
            "TargetValue": number(value),
            "ScaleInCooldown": cooldown_in,
            "ScaleOutCooldown": cooldown_out,
        })
    };
    for (field, metric, suffix) in [
        ("cpu", "ECSServiceAverageCPUUtilization", "CpuScaling"),
        (
            "memory",
            "ECSServiceAverageMemoryUtilization",
            "MemoryScaling",
        ),
    ] {
        let Some(val) = autoscale.get(field) else {
            continue;
        };
        let Value::Percent(percent) = val.value else {
            continue;
        };
        lowering.add(
            cfn::logical_id(&[name, suffix]),
            tracking(
                policy(&target_id, &format!("{name}-{field}"), val.span),
                configuration(metric, percent, None),
            ),
        );
    }
    if let Some(val) = autoscale.get("requests") {
        let lb = requests_load_balancer(lowering.typed, service, autoscale);
        if let (Value::Int(requests), Some(lb)) = (&val.value, lb) {
            let label = json!({ "Fn::Join": ["/", [
                cfn::get_att(&super::primary_id("load_balancer", lb.name()), "LoadBalancerFullName"),
                cfn::get_att(&target_group_id(name, lb.name()), "TargetGroupFullName"),
            ]] });
            // The target group must be attached to the load balancer first.
            let resource = tracking(
                policy(&target_id, &format!("{name}-requests"), val.span),
                configuration("ALBRequestCountPerTarget", *requests as f64, Some(label)),
            )
            .depends_on([service_id.clone()]);
            lowering.add(cfn::logical_id(&[name, "RequestsScaling"]), resource);
        }
    }
    for step in autoscale.blocks("step") {
        step_policy(
            lowering,
            service,
            step,
            &target_id,
            cooldown_in,
            cooldown_out,
            &cluster_id,
        );
    }
    // A fixed desired count would reset the scaled count on every deployment.
    if !service.is_set("count")
        && let Some(properties) = lowering
            .template
            .resources
            .get_mut(&service_id)
            .and_then(|r| r.properties.as_object_mut())
    {
        properties.shift_remove("DesiredCount");
    }
}

/// A number as JSON, whole numbers without a fraction (`60`, not `60.0`).
fn number(value: f64) -> Json {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// A scaling policy named `name` on the scalable target.
fn policy(target_id: &str, name: &str, span: crate::span::Span) -> Resource {
    Resource::new(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        span,
        json!({
            "PolicyName": name,
            "ScalingTargetId": cfn::reference(target_id),
        }),
    )
}

/// Makes a policy a target tracking policy with this configuration.
fn tracking(mut resource: Resource, configuration: Json) -> Resource {
    if let Some(map) = resource.properties.as_object_mut() {
        map.insert("PolicyType".into(), json!("TargetTrackingScaling"));
        map.insert(
            "TargetTrackingScalingPolicyConfiguration".into(),
            configuration,
        );
    }
    resource
}

/// The change of one band: (signed adjustment, is a percentage).
fn change(obj: &Obj) -> Option<(i64, bool)> {
    let (val, sign) = match (obj.get("add"), obj.get("remove")) {
        (Some(add), _) => (add, 1),
        (None, Some(remove)) => (remove, -1),
        (None, None) => return None,
    };
    match val.value {
        Value::Int(n) => Some((sign * n, false)),
        Value::Percent(p) => Some((sign * p.round() as i64, true)),
        _ => None,
    }
}

fn step_policy(
    lowering: &mut Lowering,
    service: &Obj,
    step: &Obj,
    target_id: &str,
    cooldown_in: u64,
    cooldown_out: u64,
    cluster_id: &str,
) {
    let name = service.name();
    let Some(alarm) = step.block("alarm") else {
        return;
    };
    let below = matches!(alarm.str("comparison"), Some("below" | "at_or_below"));
    let mut bands: Vec<(f64, (i64, bool))> = Vec::new();
    if let Some(first) = change(step) {
        bands.push((0.0, first));
    }
    for beyond in step.blocks("beyond") {
        let bound = match beyond.label.as_ref().map(|l| &l.value) {
            Some(Value::Int(n)) => *n as f64,
            Some(Value::Number(n)) => *n,
            _ => continue,
        };
        if let Some(change) = change(beyond) {
            bands.push((bound, change));
        }
    }
    bands.sort_by(|a, b| a.0.total_cmp(&b.0));
    let percent = bands.iter().any(|(_, (_, percent))| *percent);
    let adds = bands.first().is_some_and(|(_, (n, _))| *n > 0);
    let adjustments: Vec<Json> = bands
        .iter()
        .enumerate()
        .map(|(index, (bound, (adjustment, _)))| {
            let next = bands.get(index + 1).map(|(b, _)| *b);
            let mut entry = serde_json::Map::new();
            if below {
                entry.insert("MetricIntervalUpperBound".into(), number(-bound));
                if let Some(next) = next {
                    entry.insert("MetricIntervalLowerBound".into(), number(-next));
                }
            } else {
                entry.insert("MetricIntervalLowerBound".into(), number(*bound));
                if let Some(next) = next {
                    entry.insert("MetricIntervalUpperBound".into(), number(next));
                }
            }
            entry.insert("ScalingAdjustment".into(), json!(adjustment));
            Json::Object(entry)
        })
        .collect();
    let cooldown =
        seconds(step, "cooldown").unwrap_or(if adds { cooldown_out } else { cooldown_in });
    let aggregation = match alarm.str("statistic") {
        Some("minimum") => "Minimum",
        Some("maximum") => "Maximum",
        _ => "Average",
    };
    let mut configuration = json!({
        "AdjustmentType": if percent { "PercentChangeInCapacity" } else { "ChangeInCapacity" },
        "Cooldown": cooldown,
        "MetricAggregationType": aggregation,
        "StepAdjustments": adjustments,
    });
    if let (true, Some(map)) = (percent, configuration.as_object_mut()) {
        map.insert("MinAdjustmentMagnitude".into(), json!(1));
    }
    let policy_id = cfn::logical_id(&[name, step.name(), "StepScaling"]);
    let mut resource = policy(
        target_id,
        &format!("{name}-{}", step.name().replace('_', "-")),
        step.span,
    );
    if let Some(map) = resource.properties.as_object_mut() {
        map.insert("PolicyType".into(), json!("StepScaling"));
        map.insert("StepScalingPolicyConfiguration".into(), configuration);
    }
    lowering.add(policy_id.clone(), resource);

    let statistic = match alarm.str("statistic") {
        Some("sum") => "Sum",
        Some("minimum") => "Minimum",
        Some("maximum") => "Maximum",
        Some("sample_count") => "SampleCount",
        _ => "Average",
    };
    let comparison = match alarm.str("comparison") {
        Some("at_or_above") => "GreaterThanOrEqualToThreshold",
        Some("below") => "LessThanThreshold",
        Some("at_or_below") => "LessThanOrEqualToThreshold",
        _ => "GreaterThanThreshold",
    };
    let missing = match alarm.str("missing_data") {
        Some("ignore") => "ignore",
        Some("breaching") => "breaching",
        Some("not_breaching") => "notBreaching",
        _ => "missing",
    };
    let namespace = alarm.str("namespace").unwrap_or("AWS/ECS");
    let dimensions: Vec<Json> = match alarm.get("dimensions").map(|v| &v.value) {
        Some(Value::Map(entries)) => entries
            .iter()
            .map(|(key, value)| json!({ "Name": key, "Value": lowering.json(value) }))
            .collect(),
        _ if namespace == "AWS/ECS" => vec![
            json!({ "Name": "ClusterName", "Value": cfn::reference(cluster_id) }),
            json!({ "Name": "ServiceName", "Value": cfn::get_att(&super::primary_id("service", name), "Name") }),
        ],
        _ => Vec::new(),
    };
    let threshold = alarm
        .get("threshold")
        .map_or(json!(0), |v| lowering.json(v));
    let mut properties = json!({
        "AlarmDescription": format!("Scales service {name} ({})", step.name()),
        "Namespace": namespace,
        "MetricName": alarm.get("metric").map_or(Json::Null, |v| lowering.json(v)),
        "Statistic": statistic,
        "Period": seconds(alarm, "period").unwrap_or(60),
        "EvaluationPeriods": alarm.int("periods").unwrap_or(1),
        "Threshold": threshold,
        "ComparisonOperator": comparison,
        "TreatMissingData": missing,
        "AlarmActions": [cfn::reference(&policy_id)],
    });
    if let (false, Some(map)) = (dimensions.is_empty(), properties.as_object_mut()) {
        map.insert("Dimensions".into(), Json::Array(dimensions));
    }
    let mut resource = Resource::new("AWS::CloudWatch::Alarm", alarm.span, properties);
    if let Some(v) = alarm.get("threshold") {
        resource = resource.from_source("/Threshold", v.span);
    }
    lowering.add(cfn::logical_id(&[name, step.name(), "Alarm"]), resource);
}

fn scheduled_action(lowering: &Lowering, schedule: &Obj) -> Option<Json> {
    let Value::Range(min, max) = schedule.get("count")?.value else {
        return None;
    };
    let expression = match &schedule.get("cron")?.value {
        Value::Str(text) => {
            let text = text.trim();
            if text.starts_with("cron(") || text.starts_with("rate(") || text.starts_with("at(") {
                json!(text)
            } else {
                json!(format!("cron({text})"))
            }
        }
        Value::Param(name) => cfn::sub(&format!("cron(${{{}}})", cfn::pascal(name))),
        _ => return None,
    };
    let mut action = json!({
        "ScheduledActionName": schedule.name(),
        "Schedule": expression,
        "ScalableTargetAction": { "MinCapacity": min, "MaxCapacity": max },
    });
    if let (Some(timezone), Some(map)) = (schedule.get("timezone"), action.as_object_mut()) {
        map.insert("Timezone".into(), lowering.json(timezone));
    }
    Some(action)
}
