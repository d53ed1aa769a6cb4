//! Service autoscaling rules (Application Auto Scaling).
//!
//! Codes: E3317 `requests` without an ALB route, E3318 target values out of
//! range, E3319 autoscaling a daemon, E3320 capacity range, E3321
//! `autoscale` declared twice, E3322 step scaling, E3323 schedule
//! expression, E3324 alarm period, W3301 `count` with `autoscale`, W3302
//! `autoscale` without a policy.

use super::traffic::is_alb;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::span::Span;
use crate::types::{Obj, Typed, Value};

/// Most step adjustments one step scaling policy may have.
pub const MAX_STEP_ADJUSTMENTS: usize = 20;
/// Most scaling policies (target tracking and step) per scalable target.
pub const MAX_POLICIES: usize = 50;
/// Most scheduled actions per scalable target.
pub const MAX_SCHEDULED_ACTIONS: usize = 200;

fn span_of(obj: &Obj, field: &str) -> Span {
    obj.get(field).map_or(obj.head, |v| v.span)
}

/// The `min..max` of an autoscale block.
pub fn capacity(autoscale: &Obj) -> Option<(i64, i64)> {
    match autoscale.label.as_ref().map(|l| &l.value) {
        Some(Value::Range(low, high)) => Some((*low, *high)),
        _ => None,
    }
}

/// The load balancer whose requests per target drive `requests`, if any:
/// `requests_from`, else the first route to an ALB.
pub fn requests_load_balancer<'a>(
    typed: &'a Typed,
    service: &'a Obj,
    autoscale: &Obj,
) -> Option<&'a Obj> {
    let routes = service.blocks("route");
    let wanted = autoscale.reference("requests_from");
    routes
        .iter()
        .filter(|r| wanted.is_none_or(|w| r.name() == w))
        .filter_map(|r| typed.get("load_balancer", r.name()))
        .find(|lb| is_alb(lb))
}

/// Every autoscaling rule.
pub fn autoscale_rule(typed: &Typed, diags: &mut Diagnostics) {
    for service in typed.of_kind("service") {
        let blocks = service.blocks("autoscale");
        if let (Some(first), Some(second)) = (blocks.first(), blocks.get(1)) {
            diags.push(
                Diagnostic::new(Code::E3321, second.head, "`autoscale` is declared twice")
                    .with_primary_label("declared again here")
                    .with_label(first.head, "first declared here")
                    .with_help("a service has one scalable target; merge the two blocks"),
            );
        }
        let Some(autoscale) = blocks.first() else {
            continue;
        };
        if service.str("scheduling") == Some("daemon") {
            diags.push(
                Diagnostic::new(
                    Code::E3319,
                    autoscale.head,
                    format!("daemon service `{}` cannot autoscale", service.name()),
                )
                .with_primary_label("a daemon runs one task per instance")
                .with_label(span_of(service, "scheduling"), "a daemon")
                .with_help("scale the cluster's instances instead, or use `scheduling = replica`"),
            );
        }
        if let Some((low, high)) = capacity(autoscale) {
            if low < 0 || high < 1 {
                let span = autoscale.label.as_ref().map_or(autoscale.head, |l| l.span);
                diags.push(
                    Diagnostic::new(
                        Code::E3320,
                        span,
                        format!("`{low}..{high}` is not a task count range"),
                    )
                    .with_primary_label("the minimum must be 0 or more, the maximum 1 or more")
                    .with_help("write `autoscale 1..10 { ... }`"),
                );
            }
            if service.is_set("count")
                && let Some(count) = service.get("count")
            {
                diags.push(
                        Diagnostic::new(
                            Code::W3301,
                            count.span,
                            "`count` resets the autoscaled task count on every deployment",
                        )
                        .with_primary_label("fixed desired count")
                        .with_label(autoscale.head, format!("scales between {low} and {high}"))
                        .with_help("remove `count`: the service starts with the minimum and autoscaling takes over"),
                    );
            }
        }
        targets(typed, service, autoscale, diags);
        let steps = autoscale.blocks("step");
        for step in steps {
            step_rule(step, diags);
        }
        let schedules = autoscale.blocks("schedule");
        for schedule in schedules {
            schedule_rule(schedule, diags);
        }
        let policies = ["cpu", "memory", "requests"]
            .iter()
            .filter(|f| autoscale.get(f).is_some())
            .count()
            + steps.len();
        if policies == 0 && schedules.is_empty() {
            diags.push(
                Diagnostic::new(
                    Code::W3302,
                    autoscale.head,
                    "this autoscaling never changes the task count",
                )
                .with_primary_label("no policy and no schedule")
                .with_help("add a target such as `cpu = 60%`, a `step` or a `schedule`"),
            );
        }
        if policies > MAX_POLICIES {
            diags.push(
                Diagnostic::new(
                    Code::E3322,
                    autoscale.head,
                    format!("{policies} scaling policies; a service takes {MAX_POLICIES}"),
                )
                .with_primary_label("too many policies")
                .with_help("merge steps that watch the same alarm"),
            );
        }
        if schedules.len() > MAX_SCHEDULED_ACTIONS {
            diags.push(
                Diagnostic::new(
                    Code::E3323,
                    autoscale.head,
                    format!(
                        "{} schedules; a service takes {MAX_SCHEDULED_ACTIONS}",
                        schedules.len()
                    ),
                )
                .with_primary_label("too many scheduled actions")
                .with_help("combine schedules with cron ranges"),
            );
        }
    }
}

/// E3317, E3318: target tracking values.
fn targets(typed: &Typed, service: &Obj, autoscale: &Obj, diags: &mut Diagnostics) {
    for field in ["cpu", "memory"] {
        let Some(value) = autoscale.get(field) else {
            continue;
        };
        if let Value::Percent(percent) = value.value
            && (percent <= 0.0 || percent > 100.0)
        {
            diags.push(
                Diagnostic::new(
                    Code::E3318,
                    value.span,
                    format!("a {field} target of {percent}% is out of range"),
                )
                .with_primary_label("must be more than 0% and at most 100%")
                .with_help(format!(
                    "a typical target is `{field} = {}`",
                    if field == "cpu" { "60%" } else { "70%" }
                )),
            );
        }
    }
    let Some(requests) = autoscale.get("requests") else {
        if let Some(from) = autoscale.get("requests_from") {
            diags.push(
                Diagnostic::new(Code::E3317, from.span, "`requests_from` without `requests`")
                    .with_primary_label("nothing counts requests")
                    .with_help("add `requests = 1000` (requests per task per minute), or remove `requests_from`"),
            );
        }
        return;
    };
    if let Value::Int(n) = requests.value
        && n < 1
    {
        diags.push(
            Diagnostic::new(
                Code::E3318,
                requests.span,
                format!("a target of {n} requests per task is out of range"),
            )
            .with_primary_label("must be 1 or more requests per task per minute")
            .with_help("a typical target is `requests = 1000`"),
        );
    }
    if requests_load_balancer(typed, service, autoscale).is_some() {
        return;
    }
    let routes = service.blocks("route");
    let nlb = routes
        .iter()
        .filter_map(|r| typed.get("load_balancer", r.name()))
        .find(|lb| !is_alb(lb));
    let mut diag = match (autoscale.reference("requests_from"), nlb) {
        (Some(wanted), _) if !routes.iter().any(|r| r.name() == wanted) => Diagnostic::new(
            Code::E3317,
            span_of(autoscale, "requests_from"),
            format!("service `{}` has no route from `{wanted}`", service.name()),
        )
        .with_primary_label("requests are counted per target group of a route")
        .with_help(format!(
            "add `route {wanted} {{ ... }}`, or name a load balancer it routes from"
        )),
        (_, Some(lb)) => Diagnostic::new(
            Code::E3317,
            requests.span,
            format!(
                "`requests` needs an application load balancer; `{}` is a network load balancer",
                lb.name()
            ),
        )
        .with_primary_label("network load balancers do not count requests")
        .with_label(lb.head, "a network load balancer")
        .with_help("scale on `cpu` or `memory`, or on an alarm with a `step`"),
        (_, None) => Diagnostic::new(
            Code::E3317,
            requests.span,
            format!(
                "service `{}` has no route from an application load balancer",
                service.name()
            ),
        )
        .with_primary_label("requests per task are counted by a load balancer")
        .with_help("add `route <load balancer> { ... }`, or scale on `cpu` or `memory`"),
    };
    if routes.is_empty() {
        diag = diag.with_label(service.head, "no `route`");
    }
    diags.push(diag);
}

/// E3322, E3324: step scaling.
fn step_rule(step: &Obj, diags: &mut Diagnostics) {
    let Some(alarm) = step.block("alarm") else {
        diags.push(
            Diagnostic::new(
                Code::E3322,
                step.head,
                format!("step `{}` has no alarm", step.name()),
            )
            .with_primary_label("nothing triggers it")
            .with_help("add `alarm { metric = \"...\", namespace = \"...\", threshold = ... }`"),
        );
        return;
    };
    if let Some(period) = alarm.get("period")
        && let Value::Duration(seconds) = period.value
        && !(seconds == 10 || seconds == 30 || (seconds >= 60 && seconds % 60 == 0))
    {
        diags.push(
            Diagnostic::new(
                Code::E3324,
                period.span,
                format!("an alarm period of {seconds}s is not allowed"),
            )
            .with_primary_label("must be 10s, 30s or a multiple of 60s")
            .with_help("use `period = 60s` for standard metrics"),
        );
    }
    if let Some(periods) = alarm.get("periods")
        && let Value::Int(n) = periods.value
        && n < 1
    {
        diags.push(
            Diagnostic::new(Code::E3324, periods.span, format!("{n} evaluation periods"))
                .with_primary_label("must be 1 or more")
                .with_help("`periods = 1` fires on the first breaching period"),
        );
    }
    let mut bands: Vec<(f64, &Obj, Span)> = Vec::new();
    bands.push((0.0, step, step.head));
    for beyond in step.blocks("beyond") {
        let span = beyond.label.as_ref().map_or(beyond.head, |l| l.span);
        let value = match beyond.label.as_ref().map(|l| &l.value) {
            Some(Value::Int(n)) => *n as f64,
            Some(Value::Number(n)) => *n,
            _ => continue,
        };
        if value <= 0.0 {
            diags.push(
                Diagnostic::new(
                    Code::E3322,
                    span,
                    format!("`beyond {value}` must be more than 0"),
                )
                .with_primary_label("a distance past the threshold")
                .with_help(
                    "the first band (from the threshold) is the step's own `add` or `remove`",
                ),
            );
            continue;
        }
        if let Some((_, _, first)) = bands
            .iter()
            .find(|(v, ..)| (*v - value).abs() < f64::EPSILON)
        {
            diags.push(
                Diagnostic::new(Code::E3322, span, format!("two bands start at {value}"))
                    .with_primary_label("declared again here")
                    .with_label(*first, "first declared here")
                    .with_help("merge them"),
            );
            continue;
        }
        bands.push((value, beyond, span));
    }
    let mut direction: Option<(&str, Span)> = None;
    for (_, obj, span) in &bands {
        let (add, remove) = (obj.get("add"), obj.get("remove"));
        let this = match (add, remove) {
            (Some(_), Some(remove)) => {
                diags.push(
                    Diagnostic::new(Code::E3322, remove.span, "both `add` and `remove`")
                        .with_primary_label("choose one")
                        .with_help("a step adds tasks when its alarm fires, or removes them"),
                );
                continue;
            }
            (None, None) => {
                diags.push(
                    Diagnostic::new(
                        Code::E3322,
                        *span,
                        "how many tasks to add or remove is missing",
                    )
                    .with_primary_label("needs `add` or `remove`")
                    .with_help("write `add = 2` (tasks) or `add = 50%` (of the current count)"),
                );
                continue;
            }
            (Some(add), None) => ("add", add.span),
            (None, Some(remove)) => ("remove", remove.span),
        };
        match direction {
            Some((first, first_span)) if first != this.0 => {
                diags.push(
                    Diagnostic::new(
                        Code::E3322,
                        this.1,
                        format!("a step that uses `{first}` cannot `{}`", this.0),
                    )
                    .with_primary_label("the other direction")
                    .with_label(first_span, format!("`{first}` here"))
                    .with_help("write a second `step` with its own alarm for the other direction"),
                );
            }
            None => direction = Some(this),
            _ => {}
        }
    }
    let kinds: Vec<(bool, Span)> = bands
        .iter()
        .filter_map(|(_, obj, _)| obj.get("add").or_else(|| obj.get("remove")))
        .map(|v| (matches!(v.value, Value::Percent(_)), v.span))
        .collect();
    if let Some((first_percent, first_span)) = kinds.first()
        && let Some((_, span)) = kinds.iter().find(|(percent, _)| percent != first_percent)
    {
        diags.push(
                Diagnostic::new(Code::E3322, *span, "a step mixes task counts and percentages")
                    .with_primary_label(if *first_percent { "a task count" } else { "a percentage" })
                    .with_label(*first_span, "the first band")
                    .with_help("one step adjusts either by tasks (`add = 2`) or by a share of the count (`add = 50%`)"),
            );
    }
    if bands.len() > MAX_STEP_ADJUSTMENTS {
        diags.push(
            Diagnostic::new(
                Code::E3322,
                step.head,
                format!("{} bands; a step takes {MAX_STEP_ADJUSTMENTS}", bands.len()),
            )
            .with_primary_label("too many `beyond` bands")
            .with_help("use fewer, wider bands"),
        );
    }
}

/// E3323: schedule expressions.
fn schedule_rule(schedule: &Obj, diags: &mut Diagnostics) {
    if let Some(cron) = schedule.get("cron")
        && let Value::Str(text) = &cron.value
        && let Some(problem) = expression_problem(text)
    {
        let mut diag = Diagnostic::new(
            Code::E3323,
            cron.span,
            format!("`{text}` is not a schedule expression"),
        )
        .with_primary_label(problem);
        let fields: Vec<&str> = text.split_whitespace().collect();
        diag = if let Some(fixed) = five_to_six(&fields) {
            diag.with_help(format!("CloudWatch cron has six fields and `?` in day-of-month or day-of-week: `\"{fixed}\"`"))
                        .with_suggestion("use the six-field form", cron.span, format!("\"{fixed}\""))
        } else {
            diag.with_help("write six fields, `minutes hours day-of-month month day-of-week year`, e.g. `\"0 22 * * ? *\"`")
        };
        diags.push(diag);
    }
    if let Some(count) = schedule.get("count")
        && let Value::Range(low, _) = count.value
        && low < 0
    {
        diags.push(
            Diagnostic::new(Code::E3323, count.span, "a negative task count")
                .with_primary_label("the minimum must be 0 or more")
                .with_help("write e.g. `count = 1..2`"),
        );
    }
}

/// A unix (5-field) cron turned into the CloudWatch form, when the meaning
/// is unchanged (day-of-week numbers differ: unix 1 is Monday, CloudWatch 1
/// is Sunday, so only `*` and names carry over).
fn five_to_six(fields: &[&str]) -> Option<String> {
    let [minutes, hours, dom, month, dow] = fields else {
        return None;
    };
    let (dom, dow) = match (*dom, *dow) {
        (dom, "*") => (dom.to_string(), "?".to_string()),
        ("*", dow)
            if dow
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '-' || c == ',') =>
        {
            ("?".to_string(), dow.to_ascii_uppercase())
        }
        _ => return None,
    };
    Some(format!("{minutes} {hours} {dom} {month} {dow} *"))
}

/// Why a schedule expression is invalid, if it is.
pub fn expression_problem(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("rate(").and_then(|t| t.strip_suffix(')')) {
        let mut parts = inner.split_whitespace();
        let ok = match (
            parts.next().and_then(|n| n.parse::<u32>().ok()),
            parts.next(),
            parts.next(),
        ) {
            (Some(1), Some(unit), None) => matches!(unit, "minute" | "hour" | "day"),
            (Some(n), Some(unit), None) if n > 1 => matches!(unit, "minutes" | "hours" | "days"),
            _ => false,
        };
        return (!ok).then(|| "expected `rate(5 minutes)`, `rate(1 hour)`...".into());
    }
    if let Some(inner) = text.strip_prefix("at(").and_then(|t| t.strip_suffix(')')) {
        let ok = inner.len() == 19 && inner.as_bytes().get(10) == Some(&b'T');
        return (!ok).then(|| "expected `at(2025-01-31T22:00:00)`".into());
    }
    let inner = text
        .strip_prefix("cron(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(text);
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Some(format!("{} fields; CloudWatch cron has 6", fields.len()));
    }
    let (dom, dow) = (fields.get(2).copied(), fields.get(4).copied());
    if dom != Some("?") && dow != Some("?") {
        return Some("day-of-month or day-of-week must be `?`".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions() {
        assert_eq!(expression_problem("0 22 * * ? *"), None);
        assert_eq!(expression_problem("cron(0 22 ? * MON-FRI *)"), None);
        assert_eq!(expression_problem("rate(5 minutes)"), None);
        assert_eq!(expression_problem("at(2025-01-31T22:00:00)"), None);
        assert!(expression_problem("0 22 * * *").is_some());
        assert!(expression_problem("0 22 * * 1 *").is_some());
        assert!(expression_problem("rate(1 minutes)").is_some());
        assert_eq!(
            five_to_six(&["0", "22", "*", "*", "*"]).as_deref(),
            Some("0 22 * * ? *")
        );
        assert_eq!(
            five_to_six(&["0", "22", "*", "*", "mon-fri"]).as_deref(),
            Some("0 22 ? * MON-FRI *")
        );
        assert_eq!(five_to_six(&["0", "22", "*", "*", "1"]), None);
    }
}
