//! The emulator's clock: the time every rule of the bank follows.
//!
//! Sandbox time is the real time of a request plus an offset that only moves forward: a
//! server may start the clock at another instant (`--start-at`), and the sandbox control
//! moves it on:
//!
//! | request | answer |
//! |---|---|
//! | `GET /sandbox/clock` | `{"Now": ..., "OffsetSeconds": ...}` |
//! | `POST /sandbox/clock` `{"AdvanceBy": "PT25H"}` | the clock moved on by an ISO 8601 duration |
//! | `POST /sandbox/clock` `{"SetTo": "2027-01-01T09:00:00Z"}` | the clock set to a later instant |
//!
//! A move backwards, a malformed duration or instant, or a body with anything else is a 400 in
//! the OBIE shape and changes nothing. Time keeps running from the new instant.
//!
//! What follows the sandbox clock: everything the bank records or decides (consent and
//! payment times, transaction bookings, token and code lifetimes, consent expiry, payment
//! windows and cut-offs, the recent-SCA window, idempotency-key expiry, event times). What
//! follows real time: the `iat`/`nbf`/`exp` of signed artefacts that the TPP's own clock stamps
//! or checks (request objects, registration requests and the registration's
//! `client_id_issued_at`, software statements, detached signatures, id_tokens, the `iat` of
//! event notifications), since a TPP's clock is the real one; the server's rate limit; and the
//! server's retries of event pushes.
//!
//! The seeded history is fixed: it ends at [`SEED_END`](crate::seed::SEED_END) whatever the
//! clock says, so a clock started before that (to exercise the 90-day life of consents made
//! before 2022-08-01, say) reads the same accounts and transactions.

use chrono::{Datelike, Duration, Months};
use http::{Method, Request, Response, StatusCode};
use ob_errors::ApiError;
use serde_json::{json, Value};

use super::{http as h, Ctx, Instant, Sandbox};

/// The offset of sandbox time from real time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    offset: Duration,
}

impl Clock {
    /// Sandbox time for a request that arrived at `real` (real time).
    pub fn now(&self, real: Instant) -> Instant {
        real.checked_add_signed(self.offset).unwrap_or(real)
    }

    /// How far sandbox time is ahead of real time (negative when started in the past).
    pub fn offset(&self) -> Duration {
        self.offset
    }

    /// A clock showing `at` when real time is `real`.
    pub fn starting_at(at: Instant, real: Instant) -> Self {
        Clock { offset: at - real }
    }

    /// A clock `offset` ahead of real time (behind, when negative).
    pub fn with_offset(offset: Duration) -> Self {
        Clock { offset }
    }
}

/// An ISO 8601 duration (`PnYnMnWnDTnHnMnS`): years and months are calendar months, days are
/// calendar days (of 24 hours, in UTC), and only seconds may have a fraction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IsoDuration {
    months: u32,
    days: u64,
    exact: Duration,
}

impl IsoDuration {
    /// Parses `text`, such as `PT25H`, `P1M`, `P1Y2M3DT4H5M6.5S` or `P2W`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad =
            |why: &str| format!("{text:?} is not an ISO 8601 duration such as PT25H or P1M: {why}");
        let rest = text
            .strip_prefix('P')
            .ok_or_else(|| bad("it starts with P"))?;
        let (date, time) = match rest.split_once('T') {
            Some((_, "")) => return Err(bad("T is followed by a time part")),
            Some((d, t)) => (d, Some(t)),
            None => (rest, None),
        };
        if date.is_empty() && time.is_none() {
            return Err(bad("it names at least one part"));
        }
        let mut out = IsoDuration::default();
        let overflow = || bad("too large");
        // Each part: digits (a fraction only for seconds), then its letter, in order.
        let parts = |s: &str, order: &[char]| -> Result<Vec<(char, String)>, String> {
            let mut found = Vec::new();
            let mut digits = String::new();
            let mut next = 0;
            for c in s.chars() {
                if c.is_ascii_digit() || ((c == '.' || c == ',') && !digits.is_empty()) {
                    digits.push(if c == ',' { '.' } else { c });
                    continue;
                }
                let at = order[next..]
                    .iter()
                    .position(|o| *o == c)
                    .ok_or_else(|| bad(&format!("unexpected {c:?}")))?;
                if digits.is_empty() {
                    return Err(bad(&format!("{c} has no number")));
                }
                found.push((c, std::mem::take(&mut digits)));
                next += at + 1;
            }
            if !digits.is_empty() {
                return Err(bad("a number has no unit"));
            }
            Ok(found)
        };
        let whole = |n: &str| {
            n.parse::<u64>()
                .map_err(|_| bad(&format!("{n} is not a whole number")))
        };
        for (unit, n) in parts(date, &['Y', 'M', 'W', 'D'])? {
            let n = whole(&n)?;
            match unit {
                'Y' => {
                    let m = u32::try_from(n.checked_mul(12).ok_or_else(overflow)?)
                        .map_err(|_| overflow())?;
                    out.months = out.months.checked_add(m).ok_or_else(overflow)?;
                }
                'M' => {
                    let m = u32::try_from(n).map_err(|_| overflow())?;
                    out.months = out.months.checked_add(m).ok_or_else(overflow)?;
                }
                'W' => {
                    out.days = out
                        .days
                        .checked_add(n.checked_mul(7).ok_or_else(overflow)?)
                        .ok_or_else(overflow)?
                }
                _ => out.days = out.days.checked_add(n).ok_or_else(overflow)?,
            }
        }
        for (unit, n) in parts(time.unwrap_or(""), &['H', 'M', 'S'])? {
            let part = if unit == 'S' {
                let seconds: f64 = n
                    .parse()
                    .map_err(|_| bad(&format!("{n} is not a number")))?;
                if !seconds.is_finite() || seconds > 1e12 {
                    return Err(overflow());
                }
                Duration::try_milliseconds((seconds * 1000.0).round() as i64)
            } else {
                let n = i64::try_from(whole(&n)?).map_err(|_| overflow())?;
                if unit == 'H' {
                    Duration::try_hours(n)
                } else {
                    Duration::try_minutes(n)
                }
            }
            .ok_or_else(overflow)?;
            out.exact = out.exact.checked_add(&part).ok_or_else(overflow)?;
        }
        Ok(out)
    }

    /// `at` moved on by this duration, or `None` past the calendar's end.
    pub fn after(&self, at: Instant) -> Option<Instant> {
        at.checked_add_months(Months::new(self.months))?
            .checked_add_days(chrono::Days::new(self.days))?
            .checked_add_signed(self.exact)
            .filter(|t| t.year() <= 9999)
    }
}

/// What a `POST /sandbox/clock` asks for.
enum Move {
    By(IsoDuration),
    To(Instant),
}

fn read_move(body: &[u8]) -> Result<Move, ApiError> {
    let v = h::parse_json(body)?;
    let Value::Object(members) = v else {
        return Err(h::field_invalid(
            "$",
            "expected an object with AdvanceBy or SetTo",
        ));
    };
    if let Some(other) = members
        .keys()
        .find(|k| !matches!(k.as_str(), "AdvanceBy" | "SetTo"))
    {
        return Err(h::obie(
            ob_errors::Prefix::BadRequest,
            "unexpected_field",
            "The request is invalid",
            ob_errors::ErrorCode::FieldUnexpected,
            &format!("{other}: expected only AdvanceBy or SetTo"),
        )
        .at_path(other));
    }
    let text = |name: &str| match members.get(name) {
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(h::field_invalid(name, &format!("{name}: expected text"))),
        None => Ok(None),
    };
    match (text("AdvanceBy")?, text("SetTo")?) {
        (Some(d), None) => IsoDuration::parse(d)
            .map(Move::By)
            .map_err(|e| h::field_invalid("AdvanceBy", &e)),
        (None, Some(t)) => match t.parse::<ob_model::DateTime>() {
            Ok(dt) if dt.has_time_zone() && !dt.is_date_only() => Ok(Move::To(dt.utc())),
            _ => Err(h::obie(
                ob_errors::Prefix::BadRequest,
                "invalid_date",
                "The request is invalid",
                ob_errors::ErrorCode::FieldInvalidDate,
                &format!("SetTo: expected an RFC 3339 date-time with a time zone, found {t:?}"),
            )
            .at_path("SetTo")),
        },
        (Some(_), Some(_)) => Err(h::field_invalid(
            "$",
            "expected AdvanceBy or SetTo, not both",
        )),
        (None, None) => Err(h::obie(
            ob_errors::Prefix::BadRequest,
            "missing_field",
            "The request is invalid",
            ob_errors::ErrorCode::FieldMissing,
            "expected AdvanceBy (an ISO 8601 duration) or SetTo (an RFC 3339 date-time)",
        )
        .at_path("$")),
    }
}

impl Sandbox {
    /// The sandbox clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Starts the clock of a new world: for a server's `--start-at`, which may be in the past
    /// (the control only moves forward), and for a server rebuilding its state. Refused once
    /// the world has handled a request.
    pub fn start_clock(&mut self, clock: Clock) -> Result<(), String> {
        if self.interactions > 0 {
            return Err("the clock is set before the first request".into());
        }
        self.clock = clock;
        Ok(())
    }

    /// `GET`/`POST /sandbox/clock`.
    pub(super) fn clock_control(
        &mut self,
        method: &Method,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let now = if *method == Method::POST {
            let target = match read_move(req.body())? {
                Move::By(d) => d.after(ctx.now).ok_or_else(|| {
                    h::field_invalid("AdvanceBy", "AdvanceBy: the clock would pass the year 9999")
                })?,
                Move::To(t) if t < ctx.now => {
                    return Err(h::field_invalid(
                        "SetTo",
                        &format!(
                            "SetTo: the clock never goes backwards: it is {}, {} is earlier",
                            h::rfc3339(ctx.now),
                            h::rfc3339(t)
                        ),
                    ))
                }
                Move::To(t) => t,
            };
            self.clock = Clock::starting_at(target, ctx.wall);
            // What the move made due happens with it.
            self.run_due(&Ctx {
                now: target,
                wall: ctx.wall,
                client_certificate_dn: None,
                region: ctx.region,
            });
            target
        } else {
            ctx.now
        };
        Ok(h::json(
            StatusCode::OK,
            &json!({"Now": h::rfc3339(now), "OffsetSeconds": self.clock.offset.num_seconds()}),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> Instant {
        chrono::Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn durations() {
        let start = at(2027, 1, 31, 9);
        for (text, end) in [
            ("PT25H", at(2027, 2, 1, 10)),
            ("P1M", at(2027, 2, 28, 9)),
            ("P1Y", at(2028, 1, 31, 9)),
            ("P2W", at(2027, 2, 14, 9)),
            ("P1DT1H", at(2027, 2, 1, 10)),
            ("PT90M", at(2027, 1, 31, 10) + Duration::minutes(30)),
            ("PT0.5S", start + Duration::milliseconds(500)),
            ("PT1,5S", start + Duration::milliseconds(1500)),
            ("P0D", start),
        ] {
            assert_eq!(
                IsoDuration::parse(text).unwrap().after(start),
                Some(end),
                "{text}"
            );
        }
        for bad in [
            "",
            "P",
            "PT",
            "25h",
            "P1H",
            "PT1D",
            "P1M1Y",
            "P-1D",
            "P1.5D",
            "PT1HT",
            "P1DT",
            "PTH",
            "P99999999999999999999Y",
        ] {
            assert!(IsoDuration::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(IsoDuration::parse("P9000Y").unwrap().after(start), None);
    }

    #[test]
    fn a_clock_is_real_time_plus_an_offset() {
        let real = at(2027, 1, 1, 0);
        let c = Clock::starting_at(at(2022, 5, 1, 0), real);
        assert_eq!(c.now(real + Duration::hours(1)), at(2022, 5, 1, 1));
        assert!(c.offset() < Duration::zero());
        assert_eq!(Clock::default().now(real), real);
    }
}
