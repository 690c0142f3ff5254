//! Extinctive prescription (소멸시효, 지방세기본법 §39–§40; 지방재정법 §82–§84;
//! 질서위반행위규제법 §15; RULES.md E-1, E-2).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::conventions::{add_days, days_inclusive, period_last_day};
use crate::{RuleError, Won};

/// What kind of claim prescribes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClaimType {
    /// 지방세 (지방세기본법 §39): 5 years; 10 years when the tax excluding 가산세 is at least
    /// 50,000,000 won (the aggregation unit is UNVERIFIED: pass the amount the municipality
    /// aggregates).
    LocalTax {
        /// Tax excluding 가산세.
        tax_excluding_penalty: Won,
    },
    /// 지방자치단체의 금전채권 (지방재정법 §82): 5 years unless another statute sets
    /// `statutory_years`.
    NonTax {
        /// Years set by the revenue type's statute, if any.
        statutory_years: Option<u32>,
    },
    /// 과태료 (질서위반행위규제법 §15): 5 years from the finality of the 부과.
    AdminFine,
}

impl ClaimType {
    /// The prescription period in years.
    pub fn years(self) -> u32 {
        match self {
            ClaimType::LocalTax {
                tax_excluding_penalty,
            } if tax_excluding_penalty >= Won::new(50_000_000) => 10,
            ClaimType::NonTax {
                statutory_years: Some(y),
            } => y,
            _ => 5,
        }
    }
}

/// An event that interrupts or suspends prescription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PrescriptionEvent {
    /// 시효 중단 by 납세고지, 독촉/납부최고, 교부청구 or 납입고지 (§40①): the period restarts on
    /// `restarts_on`, the day after the notice's, demand's or claim's period ends.
    Interruption {
        /// Day of the interrupting act.
        on: NaiveDate,
        /// Day the new period starts.
        restarts_on: NaiveDate,
    },
    /// 압류 (§40①4): interrupts; the new period starts the day after the release. A seizure
    /// released because the asset was protected or belonged to a third party does not
    /// interrupt.
    Seizure {
        /// Seizure day.
        on: NaiveDate,
        /// Release day, if released.
        released_on: Option<NaiveDate>,
        /// Released because the asset was protected or a third party's (§40① proviso).
        released_as_protected_or_third_party: bool,
    },
    /// 시효 정지 (§40③): 분할납부, 연부, 징수유예, 체납처분 유예, suits, stays abroad ≥ 6 months:
    /// the days `from..=to` do not count.
    Suspension {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
}

impl PrescriptionEvent {
    /// A 독촉 issued on `issued_on` with payment deadline `deadline`: interrupts, and the
    /// period restarts the day after the deadline.
    pub fn demand(issued_on: NaiveDate, deadline: NaiveDate) -> Self {
        PrescriptionEvent::Interruption {
            on: issued_on,
            restarts_on: add_days(deadline, 1),
        }
    }

    fn on(&self) -> NaiveDate {
        match *self {
            PrescriptionEvent::Interruption { on, .. } | PrescriptionEvent::Seizure { on, .. } => {
                on
            }
            PrescriptionEvent::Suspension { from, .. } => from,
        }
    }
}

/// Outcome of the prescription rules for one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionOutcome {
    /// Period in years.
    pub years: u32,
    /// Start of the running period (after the last interruption).
    pub period_starts_on: NaiveDate,
    /// Days added by suspensions in the running period.
    pub suspended_days: u32,
    /// The last day of the period: the claim is extinguished at the end of this day. `None`
    /// while prescription does not run (a seizure not yet released).
    pub completes_at_end_of: Option<NaiveDate>,
    /// Events that came after the claim had already prescribed and so had no effect.
    pub ignored_events: Vec<PrescriptionEvent>,
}

/// 소멸시효 (E-1, E-2). `starts_on` is the day the period starts: the day after the notice due
/// date (notice-based), the day after the statutory due date (self-assessed), or the day after
/// a 과태료 became final.
///
/// Periods are counted per the Civil Code (§23: the period ends the day before the
/// corresponding day). Suspended days extend the end day for day.
pub fn prescription(
    claim: ClaimType,
    starts_on: NaiveDate,
    events: &[PrescriptionEvent],
) -> Result<PrescriptionOutcome, RuleError> {
    let years = claim.years();
    let months = years * 12;
    let mut events: Vec<PrescriptionEvent> = events.to_vec();
    for e in &events {
        match *e {
            PrescriptionEvent::Interruption { on, restarts_on } if restarts_on < on => {
                return Err(RuleError::invalid(
                    "restarts_on",
                    format!("{restarts_on} is before the interruption {on}"),
                ));
            }
            PrescriptionEvent::Seizure {
                on,
                released_on: Some(r),
                ..
            } if r < on => {
                return Err(RuleError::invalid(
                    "released_on",
                    format!("{r} is before the seizure {on}"),
                ));
            }
            PrescriptionEvent::Suspension { from, to } if to < from => {
                return Err(RuleError::invalid(
                    "suspension",
                    format!("{from}…{to} ends before it starts"),
                ));
            }
            _ => {}
        }
    }
    events.sort_by_key(PrescriptionEvent::on);
    let mut start = starts_on;
    let mut suspended: u32 = 0;
    let mut running = true;
    let mut ignored = Vec::new();
    let end_of = |start: NaiveDate, suspended: u32| -> Result<NaiveDate, RuleError> {
        let end = period_last_day(start, months)
            .ok_or_else(|| RuleError::invalid("starts_on", format!("{start} is out of range")))?;
        Ok(add_days(end, u64::from(suspended)))
    };
    for e in events {
        if running && e.on() > end_of(start, suspended)? {
            ignored.push(e);
            continue;
        }
        match e {
            PrescriptionEvent::Interruption { restarts_on, .. } => {
                start = restarts_on;
                suspended = 0;
                running = true;
            }
            PrescriptionEvent::Seizure {
                released_as_protected_or_third_party: true,
                ..
            } => {}
            PrescriptionEvent::Seizure { released_on, .. } => match released_on {
                Some(r) => {
                    start = add_days(r, 1);
                    suspended = 0;
                    running = true;
                }
                None => running = false,
            },
            PrescriptionEvent::Suspension { from, to } => {
                if running {
                    let end = end_of(start, suspended)?;
                    let overlap = days_inclusive(from.max(start), to.min(end));
                    suspended += overlap;
                }
            }
        }
    }
    Ok(PrescriptionOutcome {
        years,
        period_starts_on: start,
        suspended_days: suspended,
        completes_at_end_of: if running {
            Some(end_of(start, suspended)?)
        } else {
            None
        },
        ignored_events: ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const TAX: ClaimType = ClaimType::LocalTax {
        tax_excluding_penalty: Won::ZERO,
    };

    #[test]
    fn e_e1_no_action_then_demand() {
        let claim = ClaimType::LocalTax {
            tax_excluding_penalty: Won::new(3_000_000),
        };
        let o = prescription(claim, d(2026, 7, 1), &[]).unwrap();
        assert_eq!(o.completes_at_end_of, Some(d(2031, 6, 30)));
        let o = prescription(
            claim,
            d(2026, 7, 1),
            &[PrescriptionEvent::demand(d(2026, 8, 10), d(2026, 8, 30))],
        )
        .unwrap();
        assert_eq!(o.period_starts_on, d(2026, 8, 31));
        assert_eq!(o.completes_at_end_of, Some(d(2031, 8, 30)));
    }

    #[test]
    fn ten_years_for_large_tax() {
        let claim = ClaimType::LocalTax {
            tax_excluding_penalty: Won::new(50_000_000),
        };
        let o = prescription(claim, d(2026, 7, 1), &[]).unwrap();
        assert_eq!(o.completes_at_end_of, Some(d(2036, 6, 30)));
        assert_eq!(TAX.years(), 5);
    }

    #[test]
    fn seizure_and_suspension() {
        let start = d(2026, 7, 1);
        let held = PrescriptionEvent::Seizure {
            on: d(2027, 1, 1),
            released_on: None,
            released_as_protected_or_third_party: false,
        };
        assert_eq!(
            prescription(TAX, start, &[held])
                .unwrap()
                .completes_at_end_of,
            None
        );
        let released = PrescriptionEvent::Seizure {
            on: d(2027, 1, 1),
            released_on: Some(d(2028, 3, 31)),
            released_as_protected_or_third_party: false,
        };
        assert_eq!(
            prescription(TAX, start, &[released])
                .unwrap()
                .completes_at_end_of,
            Some(d(2033, 3, 31))
        );
        let protected = PrescriptionEvent::Seizure {
            on: d(2027, 1, 1),
            released_on: Some(d(2027, 2, 1)),
            released_as_protected_or_third_party: true,
        };
        assert_eq!(
            prescription(TAX, start, &[protected])
                .unwrap()
                .completes_at_end_of,
            Some(d(2031, 6, 30))
        );
        let deferral = PrescriptionEvent::Suspension {
            from: d(2027, 1, 1),
            to: d(2027, 1, 10),
        };
        assert_eq!(
            prescription(TAX, start, &[deferral])
                .unwrap()
                .completes_at_end_of,
            Some(d(2031, 7, 10))
        );
    }

    #[test]
    fn late_events_are_ignored() {
        let late = PrescriptionEvent::demand(d(2031, 7, 1), d(2031, 7, 20));
        let o = prescription(TAX, d(2026, 7, 1), &[late]).unwrap();
        assert_eq!(o.completes_at_end_of, Some(d(2031, 6, 30)));
        assert_eq!(o.ignored_events.len(), 1);
    }
}
