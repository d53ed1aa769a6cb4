//! Scheduled task rules, and the schedule expression the lowering emits.
//!
//! Codes: E3113 (invalid schedule expression), E3120 (task count out of
//! 1..10).
//!
//! Sources: EventBridge Scheduler "Schedule types" (rate, cron and at
//! expressions; cron has six fields and one of day-of-month and day-of-week
//! is `?`; a rate is at least one minute) and the `EcsParameters.TaskCount`
//! reference (1 to 10).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::types::{Typed, Value};

/// What is wrong with a schedule, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleError {
    /// The message.
    pub message: String,
    /// The help line.
    pub help: String,
    /// A replacement for the whole value, when one is certain.
    pub fix: Option<String>,
}

fn error(message: impl Into<String>, help: impl Into<String>) -> ScheduleError {
    ScheduleError {
        message: message.into(),
        help: help.into(),
        fix: None,
    }
}

/// The Scheduler expression of a `schedule` value: a duration becomes a
/// `rate(...)`; strings are checked and returned as written.
pub fn expression(value: &Value) -> Result<String, ScheduleError> {
    match value {
        Value::Duration(seconds) => rate_of(*seconds),
        Value::Str(text) => check_text(text.trim()).map(|()| text.trim().to_string()),
        _ => Err(error(
            "expected a schedule",
            "write a duration or an expression",
        )),
    }
}

fn rate_of(seconds: u64) -> Result<String, ScheduleError> {
    if seconds < 60 || !seconds.is_multiple_of(60) {
        return Err(error(
            "a schedule runs at most once a minute, in whole minutes",
            "use a multiple of a minute, e.g. `5m`",
        ));
    }
    let (value, unit) = if seconds.is_multiple_of(86_400) {
        (seconds / 86_400, "day")
    } else if seconds.is_multiple_of(3600) {
        (seconds / 3600, "hour")
    } else {
        (seconds / 60, "minute")
    };
    let plural = if value == 1 { "" } else { "s" };
    Ok(format!("rate({value} {unit}{plural})"))
}

fn check_text(text: &str) -> Result<(), ScheduleError> {
    if let Some(inner) = wrapped(text, "rate") {
        return check_rate(inner);
    }
    if let Some(inner) = wrapped(text, "cron") {
        return check_cron(inner);
    }
    if let Some(inner) = wrapped(text, "at") {
        return check_at(inner);
    }
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() == 5 || fields.len() == 6 {
        return Err(unwrapped_cron(&fields));
    }
    Err(error(
        format!("`{text}` is not a schedule expression"),
        "write a duration (`1d`), `\"rate(6 hours)\"`, `\"cron(0 3 * * ? *)\"` or `\"at(2025-06-30T09:00:00)\"`",
    ))
}

fn wrapped<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    text.strip_prefix(word)?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')
        .map(str::trim)
}

fn check_rate(inner: &str) -> Result<(), ScheduleError> {
    let mut parts = inner.split_whitespace();
    let (Some(number), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(error(
            format!("`rate({inner})` needs a number and a unit"),
            "write `rate(5 minutes)`, `rate(1 hour)` or `rate(7 days)`",
        ));
    };
    let Ok(value) = number.parse::<u64>() else {
        return Err(error(
            format!("`{number}` is not a whole number"),
            "a rate counts whole minutes, hours or days: `rate(5 minutes)`",
        ));
    };
    if value == 0 {
        return Err(error(
            "a rate of zero never runs",
            "use at least `rate(1 minute)`",
        ));
    }
    let singular = unit.trim_end_matches('s');
    if !matches!(singular, "minute" | "hour" | "day") {
        return Err(error(
            format!("`{unit}` is not a rate unit"),
            "rates count `minutes`, `hours` or `days`",
        ));
    }
    let expected = if value == 1 {
        singular.to_string()
    } else {
        format!("{singular}s")
    };
    if unit != expected {
        return Err(ScheduleError {
            message: format!("`rate({value} {unit})` needs `{expected}`"),
            help: "a rate of 1 takes a singular unit, larger rates a plural one".into(),
            fix: Some(format!("\"rate({value} {expected})\"")),
        });
    }
    Ok(())
}

/// (name, lowest, highest, extra characters allowed besides digits , - * /)
const CRON_FIELDS: [(&str, u32, u32, &str); 6] = [
    ("minutes", 0, 59, ""),
    ("hours", 0, 23, ""),
    ("day-of-month", 1, 31, "?LW"),
    ("month", 1, 12, ""),
    ("day-of-week", 1, 7, "?L#"),
    ("year", 1970, 2199, ""),
];

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn check_cron(inner: &str) -> Result<(), ScheduleError> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        let mut problem = error(
            format!(
                "a cron expression has 6 fields, this one has {}",
                fields.len()
            ),
            "minutes hours day-of-month month day-of-week year, e.g. `cron(0 3 * * ? *)`",
        );
        if fields.len() == 5 {
            problem.fix = unix_to_aws(&fields).map(|fixed| format!("\"cron({fixed})\""));
            problem.help = "EventBridge cron adds a year field and needs `?` in day-of-month or day-of-week, e.g. `cron(0 3 * * ? *)`".into();
        }
        return Err(problem);
    }
    for (field, (name, low, high, extra)) in fields.iter().zip(CRON_FIELDS) {
        check_cron_field(field, name, low, high, extra)?;
    }
    let day_of_month = fields.get(2).copied().unwrap_or_default();
    let day_of_week = fields.get(4).copied().unwrap_or_default();
    if (day_of_month == "?") == (day_of_week == "?") {
        let mut fixed = fields.clone();
        let question = match (day_of_month, day_of_week) {
            (_, "*") => Some(4),
            ("*", _) => Some(2),
            _ => None,
        };
        if let Some(slot) = question.and_then(|index| fixed.get_mut(index)) {
            *slot = "?";
        }
        let fix = (fixed != fields).then(|| format!("\"cron({})\"", fixed.join(" ")));
        return Err(ScheduleError {
            message: "exactly one of day-of-month and day-of-week must be `?`".into(),
            help: "set the day you mean and put `?` in the other, e.g. `cron(0 3 * * ? *)` (every day) or `cron(0 3 ? * MON *)`".into(),
            fix,
        });
    }
    Ok(())
}

fn check_cron_field(
    field: &str,
    name: &str,
    low: u32,
    high: u32,
    extra: &str,
) -> Result<(), ScheduleError> {
    let names: &[&str] = match name {
        "month" => &MONTHS,
        "day-of-week" => &DAYS,
        _ => &[],
    };
    let upper = field.to_ascii_uppercase();
    let mut rest = upper.clone();
    for word in names {
        rest = rest.replace(word, "");
    }
    let allowed = |c: char| c.is_ascii_digit() || ",-*/".contains(c) || extra.contains(c);
    if let Some(bad) = rest.chars().find(|c| !allowed(*c)) {
        return Err(error(
            format!("`{field}` is not a valid {name} field (`{bad}`)"),
            format!(
                "{name} takes {low}-{high}, `,` `-` `*` `/`{}",
                describe_extra(extra, names)
            ),
        ));
    }
    for number in upper
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
    {
        let Ok(value) = number.parse::<u32>() else {
            continue;
        };
        let is_step_or_nth =
            upper.contains(&format!("/{number}")) || upper.contains(&format!("#{number}"));
        if !is_step_or_nth && !(low..=high).contains(&value) {
            return Err(error(
                format!("{value} is out of range for {name}"),
                format!("{name} takes {low} to {high}"),
            ));
        }
    }
    Ok(())
}

fn describe_extra(extra: &str, names: &[&str]) -> String {
    let mut text = String::new();
    for c in extra.chars() {
        text.push_str(&format!(" `{c}`"));
    }
    if let (Some(first), Some(last)) = (names.first(), names.last()) {
        text.push_str(&format!(", and {first}-{last}"));
    }
    text
}

fn check_at(inner: &str) -> Result<(), ScheduleError> {
    let bytes: Vec<char> = inner.chars().collect();
    let shape = "dddd-dd-ddTdd:dd:dd";
    let ok = bytes.len() == shape.len()
        && shape
            .chars()
            .zip(bytes.iter())
            .all(|(want, got)| match want {
                'd' => got.is_ascii_digit(),
                other => other == *got,
            });
    if ok {
        Ok(())
    } else {
        Err(error(
            format!("`at({inner})` is not a date and time"),
            "write `at(yyyy-mm-ddThh:mm:ss)`, e.g. `at(2025-06-30T09:00:00)`",
        ))
    }
}

/// A Unix cron line written without `cron(...)`.
fn unwrapped_cron(fields: &[&str]) -> ScheduleError {
    let fixed = if fields.len() == 5 {
        unix_to_aws(fields)
    } else {
        Some(fields.join(" "))
    };
    ScheduleError {
        message: "a cron expression must be written `cron(...)`".into(),
        help: "EventBridge cron has six fields (minutes hours day-of-month month day-of-week year) inside `cron(...)`".into(),
        fix: fixed.map(|f| format!("\"cron({f})\"")),
    }
}

/// `0 3 * * *` (Unix) → `0 3 * * ? *`, when the translation is certain.
fn unix_to_aws(fields: &[&str]) -> Option<String> {
    let [minute, hour, day_of_month, month, day_of_week] = fields else {
        return None;
    };
    let (dom, dow) = match (*day_of_month, *day_of_week) {
        (dom, "*") => (dom, "?"),
        ("*", dow)
            if dow
                .chars()
                .all(|c| c.is_ascii_alphabetic() || ",-".contains(c)) =>
        {
            ("?", dow)
        }
        _ => return None,
    };
    Some(format!("{minute} {hour} {dom} {month} {dow} *"))
}

/// E3113: the schedule of every `task` is a valid expression.
pub fn valid_schedule(typed: &Typed, diags: &mut Diagnostics) {
    for task in typed.of_kind("task") {
        let Some(schedule) = task.get("schedule") else {
            continue;
        };
        let Err(problem) = expression(&schedule.value) else {
            continue;
        };
        let help = match &problem.fix {
            Some(fix) => format!("{}; did you mean {fix}?", problem.help),
            None => problem.help,
        };
        let mut diag = Diagnostic::new(Code::E3113, schedule.span, problem.message)
            .with_primary_label("invalid schedule")
            .with_help(help);
        if let Some(fix) = problem.fix {
            diag = diag.with_suggestion(format!("write {fix}"), schedule.span, fix);
        }
        diags.push(diag);
    }
}

/// E3120: each run starts 1 to 10 copies.
pub fn task_count(typed: &Typed, diags: &mut Diagnostics) {
    for task in typed.of_kind("task") {
        let Some(count) = task.get("count") else {
            continue;
        };
        let Value::Int(number) = count.value else {
            continue;
        };
        if (1..=10).contains(&number) {
            continue;
        }
        diags.push(
            Diagnostic::new(
                Code::E3120,
                count.span,
                "a scheduled run starts 1 to 10 tasks",
            )
            .with_primary_label(format!("{number} is out of range"))
            .with_help("for more copies, declare several tasks, or a service"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::expression;
    use crate::types::Value;

    fn text(s: &str) -> Result<String, Option<String>> {
        expression(&Value::Str(s.into())).map_err(|e| e.fix)
    }

    #[test]
    fn durations_become_rates() {
        let rate = |s| expression(&Value::Duration(s)).ok();
        assert_eq!(rate(86_400).as_deref(), Some("rate(1 day)"));
        assert_eq!(rate(6 * 3600).as_deref(), Some("rate(6 hours)"));
        assert_eq!(rate(90 * 60).as_deref(), Some("rate(90 minutes)"));
        assert_eq!(rate(30), None);
    }

    #[test]
    fn expressions() {
        assert!(text("rate(1 day)").is_ok());
        assert!(text("rate(5 minutes)").is_ok());
        assert_eq!(text("rate(1 days)"), Err(Some("\"rate(1 day)\"".into())));
        assert!(text("cron(0 3 * * ? *)").is_ok());
        assert!(text("cron(15 10 ? * MON-FRI *)").is_ok());
        assert!(text("cron(0/15 * * * ? *)").is_ok());
        assert!(text("cron(0 8 1W * ? 2026)").is_ok());
        assert!(text("cron(0 9 ? * 6#3 *)").is_ok());
        assert_eq!(
            text("cron(0 3 * * * *)"),
            Err(Some("\"cron(0 3 * * ? *)\"".into()))
        );
        assert_eq!(text("0 3 * * *"), Err(Some("\"cron(0 3 * * ? *)\"".into())));
        assert!(text("cron(61 3 * * ? *)").is_err());
        assert!(text("at(2025-06-30T09:00:00)").is_ok());
        assert!(text("at(2025-06-30 09:00)").is_err());
        assert!(text("daily").is_err());
    }
}
