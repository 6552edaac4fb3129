//! `DateTime`: an RFC 3339 date-time that keeps the exact form it was written in.
//!
//! Banks write the same instant many ways (`Z` or `+00:00`, no fraction or nine digits, and
//! sometimes no zone at all or only a date). Decoding accepts all of these; encoding writes the
//! value back in the form it came in, so a decoded document re-encodes to the same text.
//! [`crate::Validate`] reports the forms OBIE does not allow in responses (no time zone, date only).
//!
//! Format is validation, type is decoding: a JSON string that is no date-time at all
//! (`"01-05-2002"`) still decodes, keeps its text (written back unchanged), reads as the Unix
//! epoch, and is a violation of `validate()` ([`DateTime::is_valid`]). Only a value that is not a
//! string fails to decode. [`FromStr`] stays strict.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde_core::de::{self, Deserialize, Deserializer, Visitor};
use serde_core::ser::{Serialize, Serializer};

use crate::amount::StackStr;

/// How the zone was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Zone {
    /// `Z`
    Z,
    /// `z`
    LowerZ,
    /// `+01:00`
    Colon,
    /// `+0100`
    NoColon,
    /// `+01`
    HoursOnly,
    /// nothing: a local time, read as UTC
    Missing,
}

/// The written form of a date-time, kept so that encoding reproduces the input text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Form {
    /// Digits after the seconds' decimal point (0 = no fraction).
    frac_digits: u8,
    /// Separator between date and time: `T`, `t` or a space.
    sep: u8,
    zone: Zone,
    /// Only `YYYY-MM-DD` was given.
    date_only: bool,
    /// `hh:mm` without seconds.
    no_seconds: bool,
}

impl Form {
    const CANONICAL: Form = Form {
        frac_digits: 0,
        sep: b'T',
        zone: Zone::Z,
        date_only: false,
        no_seconds: false,
    };
}

/// An RFC 3339 date-time with its offset, as OBIE sends it (`ISODateTime`).
///
/// Accepts every form a bank sends: `Z`/`z` or a numeric offset (with or without a colon),
/// 0 to 9 fraction digits, `T`, `t` or a space as separator; and, leniently, a time without a zone
/// (read as UTC) or a bare date (midnight UTC). [`Display`](fmt::Display) and serialization
/// write the value back in the form it was parsed from.
///
/// ```
/// use ob_model_runtime::DateTime;
/// let t: DateTime = "2022-02-25T10:35:39.636Z".parse().unwrap();
/// assert_eq!(t.to_string(), "2022-02-25T10:35:39.636Z");
/// assert_eq!(t.utc().timestamp_millis(), 1645785339636);
/// let t: DateTime = "2017-04-05T10:43:07+00:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2017-04-05T10:43:07+00:00");
/// ```
#[derive(Clone)]
pub struct DateTime(Repr);

/// A date-time read from its text, or (rare, boxed so that the common one stays small) a
/// decoded text that is no date-time: kept, written back, reported by `validate()`.
#[derive(Clone)]
enum Repr {
    Valid(chrono::DateTime<FixedOffset>, Form),
    Invalid(Box<Invalid>),
}

/// A decoded text that is not a date-time, and why.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Invalid {
    text: String,
    reason: &'static str,
}

impl DateTime {
    fn valid(value: chrono::DateTime<FixedOffset>, form: Form) -> Self {
        Self(Repr::Valid(value, form))
    }

    /// The instant and its written form (the Unix epoch, written canonically, for a text that
    /// is no date-time).
    fn parts(&self) -> (chrono::DateTime<FixedOffset>, Form) {
        match &self.0 {
            Repr::Valid(value, form) => (*value, *form),
            Repr::Invalid(_) => (
                chrono::DateTime::<Utc>::UNIX_EPOCH.fixed_offset(),
                Form::CANONICAL,
            ),
        }
    }

    fn invalid(&self) -> Option<&Invalid> {
        match &self.0 {
            Repr::Valid(..) => None,
            Repr::Invalid(i) => Some(i),
        }
    }

    /// The instant with the offset it was written with (the Unix epoch for a text that is no
    /// date-time: see [`is_valid`](Self::is_valid)).
    pub fn value(&self) -> chrono::DateTime<FixedOffset> {
        self.parts().0
    }

    /// Whether the decoded text was a date-time. A text that is not one (`"01-05-2002"`) still
    /// decodes (the document stays readable and re-encodes unchanged), reads as the Unix epoch
    /// and is reported by `validate()`.
    pub fn is_valid(&self) -> bool {
        self.invalid().is_none()
    }

    /// The decoded text when it is no date-time, with why it is not.
    pub fn invalid_text(&self) -> Option<(&str, &'static str)> {
        self.invalid().map(|i| (i.text.as_str(), i.reason))
    }

    /// The instant in UTC.
    pub fn utc(&self) -> chrono::DateTime<Utc> {
        self.value().with_timezone(&Utc)
    }

    /// Whether the text carried a time zone (`Z` or an offset). Without one the time was read as UTC.
    pub fn has_time_zone(&self) -> bool {
        self.parts().1.zone != Zone::Missing
    }

    /// Whether the text was a bare date (`2021-08-23`), read as midnight UTC.
    pub fn is_date_only(&self) -> bool {
        self.parts().1.date_only
    }
}

impl Default for DateTime {
    /// The Unix epoch, `1970-01-01T00:00:00Z`.
    fn default() -> Self {
        Self::from(chrono::DateTime::<Utc>::UNIX_EPOCH)
    }
}

impl<Tz: TimeZone> From<chrono::DateTime<Tz>> for DateTime {
    /// Takes an instant; it is written with `Z` (UTC) or its offset, and with 0, 3, 6 or 9
    /// fraction digits, whichever is shortest without losing precision.
    fn from(value: chrono::DateTime<Tz>) -> Self {
        let value = value.fixed_offset();
        let nanos = value.timestamp_subsec_nanos() % 1_000_000_000;
        let frac_digits = if nanos == 0 {
            0
        } else if nanos % 1_000_000 == 0 {
            3
        } else if nanos % 1_000 == 0 {
            6
        } else {
            9
        };
        let zone = if value.offset().local_minus_utc() == 0 {
            Zone::Z
        } else {
            Zone::Colon
        };
        Self::valid(
            value,
            Form {
                frac_digits,
                zone,
                ..Form::CANONICAL
            },
        )
    }
}

impl PartialEq for DateTime {
    fn eq(&self, other: &Self) -> bool {
        let ((a, fa), (b, fb)) = (self.parts(), other.parts());
        a == b && a.offset() == b.offset() && fa == fb && self.invalid() == other.invalid()
    }
}

impl Eq for DateTime {}

impl std::hash::Hash for DateTime {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let (value, form) = self.parts();
        value.hash(state);
        form.hash(state);
        self.invalid().hash(state);
    }
}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTime {
    /// Orders by instant; equal instants written differently order by their text.
    fn cmp(&self, other: &Self) -> Ordering {
        self.value()
            .cmp(&other.value())
            .then_with(|| self.to_string().cmp(&other.to_string()))
    }
}

/// Why a text is not an RFC 3339 date-time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeError {
    text: String,
    reason: &'static str,
}

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid date-time {:?}: {} (expected RFC 3339 such as \"2022-02-25T10:35:39.636Z\")",
            self.text, self.reason
        )
    }
}

impl std::error::Error for DateTimeError {}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

impl FromStr for DateTime {
    type Err = DateTimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| DateTimeError {
            text: s.to_owned(),
            reason,
        };
        let b = s.as_bytes();
        let (Some(year), Some(month), Some(day)) =
            (digits(b, 0, 4), digits(b, 5, 2), digits(b, 8, 2))
        else {
            return Err(err("the date is not YYYY-MM-DD"));
        };
        if b[4] != b'-' || b[7] != b'-' {
            return Err(err("the date is not YYYY-MM-DD"));
        }
        let date =
            NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(|| err("no such date"))?;
        let mut form = Form::CANONICAL;
        if b.len() == 10 {
            form.date_only = true;
            form.zone = Zone::Missing;
            let value = FixedOffset::east_opt(0)
                .and_then(|z| {
                    z.from_local_datetime(&date.and_time(NaiveTime::MIN))
                        .single()
                })
                .ok_or_else(|| err("no such date"))?;
            return Ok(Self::valid(value, form));
        }
        form.sep = match b.get(10) {
            Some(c @ (b'T' | b't' | b' ')) => *c,
            _ => return Err(err("expected 'T' between date and time")),
        };
        let (Some(hour), Some(minute)) = (digits(b, 11, 2), digits(b, 14, 2)) else {
            return Err(err("the time is not hh:mm:ss"));
        };
        if b.get(13) != Some(&b':') {
            return Err(err("the time is not hh:mm:ss"));
        }
        let mut i = 16;
        let mut second = 0;
        if b.get(16) == Some(&b':') {
            second = digits(b, 17, 2).ok_or_else(|| err("the time is not hh:mm:ss"))?;
            i = 19;
        } else {
            form.no_seconds = true;
        }
        let mut nanos = 0u32;
        if b.get(i) == Some(&b'.') && !form.no_seconds {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                } else {
                    return Err(err("more than 9 fraction digits"));
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 {
                return Err(err("no digits after the decimal point"));
            }
            nanos *= 10u32.pow(9 - n as u32);
            form.frac_digits = n as u8;
        }
        let offset_secs: i32 = match b.get(i) {
            None => {
                form.zone = Zone::Missing;
                0
            }
            Some(b'Z') | Some(b'z') => {
                form.zone = if b[i] == b'Z' { Zone::Z } else { Zone::LowerZ };
                i += 1;
                0
            }
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(b, i + 1, 2).ok_or_else(|| err("the offset is not +hh:mm"))?;
                let (om, used) = if b.get(i + 3) == Some(&b':') {
                    form.zone = Zone::Colon;
                    (
                        digits(b, i + 4, 2).ok_or_else(|| err("the offset is not +hh:mm"))?,
                        6,
                    )
                } else if let Some(m) = digits(b, i + 3, 2) {
                    form.zone = Zone::NoColon;
                    (m, 5)
                } else {
                    form.zone = Zone::HoursOnly;
                    (0, 3)
                };
                if oh > 23 || om > 59 {
                    return Err(err("the offset is out of range"));
                }
                i += used;
                let secs = (oh * 3600 + om * 60) as i32;
                if sign == b'-' {
                    -secs
                } else {
                    secs
                }
            }
            Some(_) => return Err(err("unexpected text after the time")),
        };
        if i != b.len() {
            return Err(err("unexpected text after the time"));
        }
        // A leap second (`:60`) is carried as chrono does, in the nanoseconds.
        let time = if second == 60 {
            NaiveTime::from_hms_nano_opt(hour, minute, 59, 1_000_000_000 + nanos)
        } else {
            NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
        }
        .ok_or_else(|| err("no such time"))?;
        let value = FixedOffset::east_opt(offset_secs)
            .and_then(|z| z.from_local_datetime(&date.and_time(time)).single())
            .ok_or_else(|| err("the offset is out of range"))?;
        Ok(Self::valid(value, form))
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::{Datelike, Timelike};
        if let Some(invalid) = self.invalid() {
            return f.write_str(&invalid.text);
        }
        let (value, form) = self.parts();
        let v = value.naive_local();
        write!(f, "{:04}-{:02}-{:02}", v.year(), v.month(), v.day())?;
        if form.date_only {
            return Ok(());
        }
        let nanos = v.nanosecond();
        let (second, nanos) = if nanos >= 1_000_000_000 {
            (60, nanos - 1_000_000_000)
        } else {
            (v.second(), nanos)
        };
        write!(f, "{}{:02}:{:02}", form.sep as char, v.hour(), v.minute())?;
        if !form.no_seconds {
            write!(f, ":{second:02}")?;
            let n = usize::from(form.frac_digits);
            if n > 0 {
                let frac = nanos / 10u32.pow(9 - n as u32);
                write!(f, ".{frac:0n$}")?;
            }
        }
        let off = value.offset().local_minus_utc();
        let sign = if off < 0 { '-' } else { '+' };
        let (oh, om) = (off.abs() / 3600, off.abs() % 3600 / 60);
        match form.zone {
            Zone::Z => f.write_str("Z"),
            Zone::LowerZ => f.write_str("z"),
            Zone::Colon => write!(f, "{sign}{oh:02}:{om:02}"),
            Zone::NoColon => write!(f, "{sign}{oh:02}{om:02}"),
            Zone::HoursOnly => write!(f, "{sign}{oh:02}"),
            Zone::Missing => Ok(()),
        }
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(invalid) = self.invalid() {
            return serializer.serialize_str(&invalid.text);
        }
        let mut buf = StackStr::<48>::new();
        fmt::write(&mut buf, format_args!("{self}")).map_err(serde_core::ser::Error::custom)?;
        serializer.serialize_str(buf.as_str())
    }
}

struct DateTimeVisitor;

impl Visitor<'_> for DateTimeVisitor {
    type Value = DateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date-time string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime, E> {
        Ok(v.parse().unwrap_or_else(|e: DateTimeError| {
            DateTime(Repr::Invalid(Box::new(Invalid {
                text: v.to_owned(),
                reason: e.reason,
            })))
        }))
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(DateTimeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_round_trips() {
        for text in [
            "2022-02-25T10:35:39.636Z",
            "2022-02-25T10:35:39Z",
            "2022-02-25T10:35:39.1Z",
            "2022-02-25T10:35:39.123456789Z",
            "2022-02-25t10:35:39z",
            "2022-02-25 10:35:39+00:00",
            "2017-04-05T10:43:07+01:00",
            "2017-04-05T10:43:07-05:30",
            "2017-04-05T10:43:07+0100",
            "2017-04-05T10:43:07+01",
            "2017-04-05T10:43:07",
            "2017-04-05T10:43",
            "2021-08-23",
            "2016-12-31T23:59:60Z",
            "2020-02-29T00:00:00.000000+00:00",
        ] {
            let t: DateTime = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.to_string(), text);
        }
    }

    #[test]
    fn same_instant_different_forms() {
        let a: DateTime = "2022-02-25T10:35:39Z".parse().unwrap();
        let b: DateTime = "2022-02-25T11:35:39+01:00".parse().unwrap();
        assert_eq!(a.utc(), b.utc());
        assert_ne!(a, b);
    }

    #[test]
    fn rejects_garbage() {
        for text in [
            "",
            "2022-02-30T00:00:00Z",
            "2022-13-01",
            "2022-02-25T25:00:00Z",
            "2022-02-25X10:00:00Z",
            "2022-02-25T10:00:00.Z",
            "2022-02-25T10:00:00Zjunk",
            "2022-02-25T10:00:00+24:00",
            "1645785339",
            "2022-02-25T10:00:00.1234567891Z",
        ] {
            assert!(text.parse::<DateTime>().is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn a_text_that_is_no_date_time_decodes_and_keeps_its_text() {
        let t: DateTime = serde_json::from_str("\"01-05-2002\"").unwrap();
        assert!(!t.is_valid());
        assert_eq!(
            t.invalid_text(),
            Some(("01-05-2002", "the date is not YYYY-MM-DD"))
        );
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"01-05-2002\"");
        assert_eq!(t.utc(), chrono::DateTime::<Utc>::UNIX_EPOCH);
        // Not a string: a decode error.
        assert!(serde_json::from_str::<DateTime>("1645785339").is_err());
    }

    #[test]
    fn from_chrono_uses_shortest_fraction() {
        let t = Utc.timestamp_millis_opt(1645785339636).unwrap();
        assert_eq!(DateTime::from(t).to_string(), "2022-02-25T10:35:39.636Z");
    }
}
