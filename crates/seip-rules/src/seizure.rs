//! When seizure may start, when it takes effect, and how much of it is needed (압류,
//! 지방세징수법 §33, §43, §52, §57; 지방세법 §133; RULES.md S-1…S-3). What is protected from
//! seizure is [`crate::protection`] (S-4).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{RuleError, Won};

/// What an asset is, for the way its seizure is perfected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    /// A registered vehicle (자동차등록원부).
    Vehicle,
    /// Real estate (등기부).
    RealEstate,
    /// A bank deposit: a receivable against the bank.
    BankDeposit,
    /// Wages: a receivable against the employer.
    Wages,
    /// Any other receivable against a third-party debtor.
    OtherReceivable,
}

impl AssetKind {
    /// Every kind.
    pub const ALL: [AssetKind; 5] = [
        AssetKind::Vehicle,
        AssetKind::RealEstate,
        AssetKind::BankDeposit,
        AssetKind::Wages,
        AssetKind::OtherReceivable,
    ];

    /// True for assets seized by registration in a public register (§57); false for
    /// receivables, seized by notice to the third-party debtor (§52).
    pub fn is_registered(self) -> bool {
        matches!(self, AssetKind::Vehicle | AssetKind::RealEstate)
    }
}

/// Why seizure may start on a bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeizureGround {
    /// The 독촉장's deadline passed unpaid (§33①1).
    DemandLapsed,
    /// Automobile-tax arrears, on the taxed vehicle, without a demand (지방세법 §133).
    VehicleOfAutomobileTax,
}

/// Whether seizure may start on `on` (S-1, S-2): for automobile-tax arrears on the taxed
/// vehicle at once (the day after the due date); otherwise only the day after the demand's
/// payment deadline, never without a demand. `None` when it may not (yet).
pub fn seizure_ground(
    on: NaiveDate,
    due_date: NaiveDate,
    demand_deadline: Option<NaiveDate>,
    automobile_tax_on_its_vehicle: bool,
) -> Option<SeizureGround> {
    if automobile_tax_on_its_vehicle && on > due_date {
        return Some(SeizureGround::VehicleOfAutomobileTax);
    }
    match demand_deadline {
        Some(deadline) if on > deadline => Some(SeizureGround::DemandLapsed),
        _ => None,
    }
}

/// The day a seizure takes effect (S-3): for registered assets the day the registration
/// is completed (§57), for receivables the day the notice reaches the third-party debtor
/// (§52). Both are the date the registry or debtor reports; a date before the request is
/// refused, naming `perfected_on`.
pub fn perfection_date(
    requested_on: NaiveDate,
    reported_on: NaiveDate,
) -> Result<NaiveDate, RuleError> {
    if reported_on < requested_on {
        return Err(RuleError::invalid(
            "perfected_on",
            format!("{reported_on} is before the seizure was requested on {requested_on}"),
        ));
    }
    Ok(reported_on)
}

/// How much of an asset to seize (초과압류 금지, §43): the arrears and enforcement costs not
/// yet secured by other seizures, up to the seizable value of the asset. Zero when the
/// others already secure everything: seizing that asset would be over-seizure.
pub fn amount_to_secure(
    owed: Won,
    already_secured: Won,
    seizable_value: Won,
) -> Result<Won, RuleError> {
    for (fact, v) in [
        ("owed", owed),
        ("already_secured", already_secured),
        ("seizable_value", seizable_value),
    ] {
        if v.is_negative() {
            return Err(RuleError::invalid(fact, format!("{v} won is negative")));
        }
    }
    Ok(owed.saturating_sub(already_secured).min(seizable_value))
}

/// Whether the seizures securing `secured` (each asset's secured amount) hold more than
/// what is owed needs: then one of them, which the others' amounts cover without it,
/// secures nothing [`amount_to_secure`] would still ask for and may be released as
/// over-seizure (§43; release ground of §63①3).
pub fn over_seized(owed: Won, secured: &[Won]) -> bool {
    let total = secured.iter().fold(Won::ZERO, |t, s| t + *s);
    secured.iter().any(|s| {
        !s.is_zero()
            && amount_to_secure(owed, total.saturating_sub(*s), *s)
                .is_ok_and(|needed| needed.is_zero())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn s1_after_the_demand_s2_at_once_for_the_car() {
        let due = d(2026, 6, 30);
        let deadline = Some(d(2026, 8, 31));
        assert_eq!(seizure_ground(d(2026, 7, 1), due, None, false), None);
        assert_eq!(seizure_ground(d(2026, 8, 31), due, deadline, false), None);
        assert_eq!(
            seizure_ground(d(2026, 9, 1), due, deadline, false),
            Some(SeizureGround::DemandLapsed)
        );
        assert_eq!(
            seizure_ground(d(2026, 7, 1), due, None, true),
            Some(SeizureGround::VehicleOfAutomobileTax)
        );
        assert_eq!(seizure_ground(d(2026, 6, 30), due, None, true), None);
    }

    #[test]
    fn s3_perfection_is_never_before_the_request() {
        assert_eq!(
            perfection_date(d(2026, 9, 1), d(2026, 9, 3)).unwrap(),
            d(2026, 9, 3)
        );
        assert!(perfection_date(d(2026, 9, 1), d(2026, 8, 31)).is_err());
        assert!(AssetKind::Vehicle.is_registered() && !AssetKind::Wages.is_registered());
    }

    #[test]
    fn seize_only_what_is_needed() {
        let w = Won::new;
        // 1,043,200 owed; a deposit with 1,500,000 seizable secures all of it.
        assert_eq!(
            amount_to_secure(w(1_043_200), Won::ZERO, w(1_500_000)).unwrap(),
            w(1_043_200)
        );
        // A car already secures 800,000: the wage secures the rest.
        assert_eq!(
            amount_to_secure(w(1_043_200), w(800_000), w(1_500_000)).unwrap(),
            w(243_200)
        );
        // Fully secured: nothing more to seize.
        assert_eq!(
            amount_to_secure(w(1_043_200), w(1_043_200), w(1_500_000)).unwrap(),
            Won::ZERO
        );
        assert!(amount_to_secure(w(-1), Won::ZERO, Won::ZERO).is_err());
        assert!(!over_seized(w(1_000_000), &[w(600_000), w(400_000)]));
        assert!(over_seized(w(1_000_000), &[w(1_000_000), w(400_000)]));
        assert!(over_seized(Won::ZERO, &[w(1)]));
        assert!(!over_seized(Won::ZERO, &[]));
    }
}
