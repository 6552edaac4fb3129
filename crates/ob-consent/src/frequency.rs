//! Standing-order frequencies: the full OBIE grammar, and Monzo's subset.
//!
//! OBIE v3.1.10 (domestic standing-order consents, `Frequency`):
//!
//! | code | meaning |
//! |---|---|
//! | `EvryDay` | every day |
//! | `EvryWorkgDay` | every working day |
//! | `IntrvlDay:NN` | every NN days (02–31) |
//! | `IntrvlWkDay:0W:0D` | every W weeks (1–9) on day D of the week (1 = Monday … 7) |
//! | `WkInMnthDay:0W:0D` | week W (1–5) of each month, on day D |
//! | `IntrvlMnthDay:MM:DD` | every MM months (01–06, 12, 24) on day DD (01–31, or -01…-05 from the end) |
//! | `QtrDay:X` | quarterly, on ENGLISH, SCOTTISH or RECEIVED quarter days |
//!
//! Monzo supports `EvryDay`; `IntrvlWkDay` every 1, 2 or 4 weeks; and `IntrvlMnthDay` every 1, 3
//! or 12 months. Monzo ignores the day in both: payments repeat on the weekday, or the day of the
//! month, of `FirstPaymentDateTime`.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, Months};

use crate::{ConsentError, Instant};

/// Which quarter days a `QtrDay` frequency uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuarterDays {
    /// 25 March, 24 June, 29 September, 25 December.
    English,
    /// 2 February, 15 May, 1 August, 11 November.
    Scottish,
    /// Quarterly from the date the order was received.
    Received,
}

/// A standing-order frequency, parsed from OBIE's code grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// `EvryDay`
    EveryDay,
    /// `EvryWorkgDay`
    EveryWorkingDay,
    /// `IntrvlDay:NN`: every `days` days (2–31).
    IntervalDay {
        /// Days between payments.
        days: u8,
    },
    /// `IntrvlWkDay:0W:0D`: every `weeks` weeks (1–9) on `weekday` (1 = Monday … 7 = Sunday).
    IntervalWeekDay {
        /// Weeks between payments.
        weeks: u8,
        /// Day of the week, 1 (Monday) to 7 (Sunday).
        weekday: u8,
    },
    /// `WkInMnthDay:0W:0D`: week `week` (1–5) of each month on `weekday`.
    WeekInMonthDay {
        /// Week of the month, 1 to 5.
        week: u8,
        /// Day of the week, 1 (Monday) to 7 (Sunday).
        weekday: u8,
    },
    /// `IntrvlMnthDay:MM:DD`: every `months` months (1–6, 12, 24) on `day` (1–31, or -1…-5
    /// counted from the end of the month).
    IntervalMonthDay {
        /// Months between payments.
        months: u8,
        /// Day of the month; negative counts from the end (-1 is the last day).
        day: i8,
    },
    /// `QtrDay:X`
    QuarterDay(QuarterDays),
}

fn two_digits(s: &str) -> Option<u8> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl FromStr for Frequency {
    type Err = ConsentError;

    /// Parses the OBIE grammar exactly (the spec's pattern, including `IntrvlDay`).
    fn from_str(code: &str) -> Result<Self, ConsentError> {
        let bad = || ConsentError::InvalidFrequency {
            code: code.to_owned(),
        };
        let mut parts = code.split(':');
        let kind = parts.next().unwrap_or_default();
        let args: Vec<&str> = parts.collect();
        let f = match (kind, args.as_slice()) {
            ("EvryDay", []) => Frequency::EveryDay,
            ("EvryWorkgDay", []) => Frequency::EveryWorkingDay,
            ("IntrvlDay", [n]) => {
                let days = two_digits(n)
                    .filter(|d| (2..=31).contains(d))
                    .ok_or_else(bad)?;
                Frequency::IntervalDay { days }
            }
            ("IntrvlWkDay", [w, d]) => {
                let weeks = two_digits(w)
                    .filter(|w| (1..=9).contains(w))
                    .ok_or_else(bad)?;
                let weekday = two_digits(d)
                    .filter(|d| (1..=7).contains(d))
                    .ok_or_else(bad)?;
                Frequency::IntervalWeekDay { weeks, weekday }
            }
            ("WkInMnthDay", [w, d]) => {
                let week = two_digits(w)
                    .filter(|w| (1..=5).contains(w))
                    .ok_or_else(bad)?;
                let weekday = two_digits(d)
                    .filter(|d| (1..=7).contains(d))
                    .ok_or_else(bad)?;
                Frequency::WeekInMonthDay { week, weekday }
            }
            ("IntrvlMnthDay", [m, d]) => {
                let months = two_digits(m)
                    .filter(|m| matches!(m, 1..=6 | 12 | 24))
                    .ok_or_else(bad)?;
                let day = match d.strip_prefix('-') {
                    Some(neg) => {
                        -(two_digits(neg)
                            .filter(|d| (1..=5).contains(d))
                            .ok_or_else(bad)? as i8)
                    }
                    None => two_digits(d)
                        .filter(|d| (1..=31).contains(d))
                        .ok_or_else(bad)? as i8,
                };
                Frequency::IntervalMonthDay { months, day }
            }
            ("QtrDay", ["ENGLISH"]) => Frequency::QuarterDay(QuarterDays::English),
            ("QtrDay", ["SCOTTISH"]) => Frequency::QuarterDay(QuarterDays::Scottish),
            ("QtrDay", ["RECEIVED"]) => Frequency::QuarterDay(QuarterDays::Received),
            _ => return Err(bad()),
        };
        Ok(f)
    }
}

impl fmt::Display for Frequency {
    /// Writes the OBIE code (`IntrvlMnthDay:01:-01`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Frequency::EveryDay => f.write_str("EvryDay"),
            Frequency::EveryWorkingDay => f.write_str("EvryWorkgDay"),
            Frequency::IntervalDay { days } => write!(f, "IntrvlDay:{days:02}"),
            Frequency::IntervalWeekDay { weeks, weekday } => {
                write!(f, "IntrvlWkDay:{weeks:02}:{weekday:02}")
            }
            Frequency::WeekInMonthDay { week, weekday } => {
                write!(f, "WkInMnthDay:{week:02}:{weekday:02}")
            }
            Frequency::IntervalMonthDay { months, day } if day < 0 => {
                write!(f, "IntrvlMnthDay:{months:02}:-{:02}", -day)
            }
            Frequency::IntervalMonthDay { months, day } => {
                write!(f, "IntrvlMnthDay:{months:02}:{day:02}")
            }
            Frequency::QuarterDay(q) => f.write_str(match q {
                QuarterDays::English => "QtrDay:ENGLISH",
                QuarterDays::Scottish => "QtrDay:SCOTTISH",
                QuarterDays::Received => "QtrDay:RECEIVED",
            }),
        }
    }
}

/// How often a Monzo standing order pays (the day in the code is ignored by Monzo: payments
/// repeat from `FirstPaymentDateTime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MonzoSchedule {
    /// Every day.
    Daily,
    /// Every 1, 2 or 4 weeks, on the weekday of the first payment.
    Weekly {
        /// 1, 2 or 4.
        weeks: u8,
    },
    /// Every 1, 3 or 12 months, on the day of the month of the first payment.
    Monthly {
        /// 1, 3 or 12.
        months: u8,
    },
}

impl Frequency {
    /// Parses a code and checks it against Monzo's subset.
    pub fn parse_for_monzo(code: &str) -> Result<MonzoSchedule, ConsentError> {
        code.parse::<Frequency>()?.monzo_schedule()
    }

    /// The schedule Monzo runs for this frequency, or why Monzo does not support it.
    pub fn monzo_schedule(&self) -> Result<MonzoSchedule, ConsentError> {
        let unsupported = || ConsentError::UnsupportedFrequency {
            code: self.to_string(),
        };
        match *self {
            Frequency::EveryDay => Ok(MonzoSchedule::Daily),
            Frequency::IntervalWeekDay {
                weeks: weeks @ (1 | 2 | 4),
                ..
            } => Ok(MonzoSchedule::Weekly { weeks }),
            Frequency::IntervalMonthDay {
                months: months @ (1 | 3 | 12),
                ..
            } => Ok(MonzoSchedule::Monthly { months }),
            _ => Err(unsupported()),
        }
    }
}

impl MonzoSchedule {
    /// The `n`th payment (0 is the first) of a standing order whose first payment is `first`:
    /// `n` days, `n × weeks` weeks or `n × months` calendar months later, at the same time of
    /// day. A monthly order on a day some months lack (the 29th to the 31st) pays on those
    /// months' last day and comes back to its day after. `None` past the calendar's end.
    pub fn payment(&self, first: Instant, n: u32) -> Option<Instant> {
        match *self {
            MonzoSchedule::Daily => first.checked_add_days(Days::new(u64::from(n))),
            MonzoSchedule::Weekly { weeks } => {
                first.checked_add_days(Days::new(u64::from(n) * 7 * u64::from(weeks)))
            }
            MonzoSchedule::Monthly { months } => {
                first.checked_add_months(Months::new(n.checked_mul(u32::from(months))?))
            }
        }
    }
}

/// A standing order's payments: the schedule from the first payment, ended by a number of
/// payments or a final payment date (Monzo allows one or the other, or neither).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StandingOrderPlan {
    /// How often it pays.
    pub schedule: MonzoSchedule,
    /// `FirstPaymentDateTime`.
    pub first: Instant,
    /// `NumberOfPayments`, counting the first.
    pub number_of_payments: Option<u32>,
    /// `FinalPaymentDateTime`: no payment after it.
    pub final_payment: Option<Instant>,
}

impl StandingOrderPlan {
    /// The `n`th payment (0 is the first), or `None` when the order has ended by then.
    pub fn payment(&self, n: u32) -> Option<Instant> {
        if self.number_of_payments.is_some_and(|count| n >= count) {
            return None;
        }
        self.schedule
            .payment(self.first, n)
            .filter(|at| self.final_payment.is_none_or(|end| *at <= end))
    }

    /// How many payments fall at or before `at`.
    pub fn payments_by(&self, at: Instant) -> u32 {
        let mut n = 0;
        while self.payment(n).is_some_and(|p| p <= at) {
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> Instant {
        chrono::Utc.with_ymd_and_hms(y, m, d, 7, 0, 0).unwrap()
    }

    #[test]
    fn payments_repeat_from_the_first_and_stop_where_told() {
        let monthly = MonzoSchedule::Monthly { months: 1 };
        let first = at(2027, 1, 31);
        let dates: Vec<Instant> = (0..4).map(|n| monthly.payment(first, n).unwrap()).collect();
        assert_eq!(
            dates,
            [
                at(2027, 1, 31),
                at(2027, 2, 28),
                at(2027, 3, 31),
                at(2027, 4, 30)
            ]
        );
        let weekly = MonzoSchedule::Weekly { weeks: 2 };
        assert_eq!(weekly.payment(at(2027, 1, 4), 3), Some(at(2027, 2, 15)));
        assert_eq!(
            MonzoSchedule::Daily.payment(at(2027, 2, 27), 2),
            Some(at(2027, 3, 1))
        );
        let yearly = MonzoSchedule::Monthly { months: 12 };
        assert_eq!(yearly.payment(at(2028, 2, 29), 1), Some(at(2029, 2, 28)));

        let counted = StandingOrderPlan {
            schedule: monthly,
            first,
            number_of_payments: Some(3),
            final_payment: None,
        };
        assert_eq!(counted.payment(2), Some(at(2027, 3, 31)));
        assert_eq!(counted.payment(3), None);
        let dated = StandingOrderPlan {
            number_of_payments: None,
            final_payment: Some(at(2027, 3, 31)),
            ..counted
        };
        assert_eq!(dated.payment(2), Some(at(2027, 3, 31)));
        assert_eq!(dated.payment(3), None);
        assert_eq!(dated.payments_by(at(2027, 3, 1)), 2);
        assert_eq!(dated.payments_by(at(2030, 1, 1)), 3);
        let open = StandingOrderPlan {
            final_payment: None,
            ..dated
        };
        assert_eq!(open.payments_by(at(2027, 12, 31)), 12);
    }
}
