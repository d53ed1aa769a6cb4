//! Units of measure: memory (`MiB`, `GiB`), CPU (`vcpu`, or bare CPU units),
//! durations (`s`, `m`, `h`, `d`) and percentages (`%`).
//!
//! Values are normalised: memory to MiB, CPU to CPU units (1024 per vCPU),
//! durations to seconds.

use crate::types::{Ty, Value};

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// MiB, GiB.
    Memory,
    /// vCPU.
    Cpu,
    /// s, m, h, d.
    Duration,
    /// %.
    Percent,
}

impl Dimension {
    /// The dimension a type measures, if any.
    pub fn of(ty: &Ty) -> Option<Dimension> {
        match ty {
            Ty::Memory => Some(Dimension::Memory),
            Ty::Cpu => Some(Dimension::Cpu),
            Ty::Duration => Some(Dimension::Duration),
            Ty::Percent => Some(Dimension::Percent),
            _ => None,
        }
    }

    /// How it is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Dimension::Memory => "memory",
            Dimension::Cpu => "CPU",
            Dimension::Duration => "a duration",
            Dimension::Percent => "a percentage",
        }
    }

    /// The unit to suggest for a bare number `value` of this dimension.
    pub fn suggested_unit(self, value: f64) -> &'static str {
        match self {
            Dimension::Memory if value < 64.0 => "GiB",
            Dimension::Memory => "MiB",
            Dimension::Cpu => "vcpu",
            Dimension::Duration => "s",
            Dimension::Percent => "%",
        }
    }

    /// The units of this dimension, for messages.
    pub fn units(self) -> &'static [&'static str] {
        match self {
            Dimension::Memory => &["MiB", "GiB"],
            Dimension::Cpu => &["vcpu"],
            Dimension::Duration => &["s", "m", "h", "d"],
            Dimension::Percent => &["%"],
        }
    }
}

/// Every unit spelling the language accepts.
pub const ALL_UNITS: &[&str] = &["MiB", "GiB", "vcpu", "s", "m", "h", "d", "%"];

/// The dimension and scale factor of a unit spelling.
pub fn unit(spelling: &str) -> Option<(Dimension, f64)> {
    Some(match spelling {
        "MiB" => (Dimension::Memory, 1.0),
        "GiB" => (Dimension::Memory, 1024.0),
        "vcpu" | "vCPU" => (Dimension::Cpu, 1024.0),
        "s" => (Dimension::Duration, 1.0),
        "m" | "min" => (Dimension::Duration, 60.0),
        "h" => (Dimension::Duration, 3600.0),
        "d" => (Dimension::Duration, 86400.0),
        "%" => (Dimension::Percent, 1.0),
        _ => return None,
    })
}

/// A unit the user probably meant, for an unknown spelling.
pub fn likely_unit(spelling: &str) -> Option<&'static str> {
    let lower = spelling.to_ascii_lowercase();
    match lower.as_str() {
        "mb" | "mi" | "mib" | "m b" | "megabytes" => Some("MiB"),
        "gb" | "gi" | "gib" | "gigabytes" => Some("GiB"),
        "cpu" | "vcpus" | "cpus" | "core" | "cores" => Some("vcpu"),
        "sec" | "secs" | "second" | "seconds" => Some("s"),
        "mins" | "minute" | "minutes" => Some("m"),
        "hr" | "hrs" | "hour" | "hours" => Some("h"),
        "day" | "days" => Some("d"),
        "percent" | "pct" => Some("%"),
        _ => crate::resolve::did_you_mean(spelling, ALL_UNITS.iter().copied()),
    }
}

/// Why a quantity could not be converted.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitError {
    /// The unit measures something else.
    WrongDimension(Dimension),
    /// The amount is not a whole number of the base unit (e.g. 0.3 vcpu).
    NotWhole(&'static str),
    /// Negative amounts are not allowed.
    Negative,
}

/// Converts `value unit` to a normalised value of `dimension`.
pub fn convert(
    value: f64,
    factor: f64,
    found: Dimension,
    wanted: Dimension,
) -> Result<Value, UnitError> {
    if found != wanted {
        return Err(UnitError::WrongDimension(found));
    }
    if value < 0.0 {
        return Err(UnitError::Negative);
    }
    let scaled = value * factor;
    let whole = || {
        if (scaled - scaled.round()).abs() < 1e-9 && scaled <= 1e15 {
            Ok(scaled.round() as u64)
        } else {
            Err(UnitError::NotWhole(match wanted {
                Dimension::Memory => "MiB",
                Dimension::Cpu => "CPU units (1 vcpu = 1024)",
                _ => "seconds",
            }))
        }
    };
    Ok(match wanted {
        Dimension::Memory => Value::Memory(whole()?),
        Dimension::Cpu => Value::Cpu(whole()?),
        Dimension::Duration => Value::Duration(whole()?),
        Dimension::Percent => Value::Percent(scaled),
    })
}

/// Writes CPU units the way a user would (`0.25 vcpu`, `2 vcpu`).
pub fn format_cpu(units: u64) -> String {
    let vcpu = units as f64 / 1024.0;
    format!("{} vcpu", trim_number(vcpu))
}

/// Writes MiB the way a user would (`512 MiB`, `2 GiB`).
pub fn format_memory(mib: u64) -> String {
    if mib >= 1024 && mib.is_multiple_of(1024) {
        format!("{} GiB", mib / 1024)
    } else {
        format!("{mib} MiB")
    }
}

/// Formats a number without a useless `.0`.
pub fn trim_number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{}", value as i64)
    } else {
        let text = format!("{value:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
