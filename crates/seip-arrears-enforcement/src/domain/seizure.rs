//! Seizures (압류): what is seized, where a seizure stands, why it was released, and how
//! much of an asset it takes (S-3, S-4, §43 from `seip-rules`). Pure: no I/O.

use chrono::NaiveDate;
use sea_orm::DeriveValueType;
use seip_rules::law::LawParams;
use seip_rules::protection::{protected_deposit, protected_retirement_pay, protected_wage};
use seip_rules::seizure::{self as rule, SeizureGround};
use seip_rules::{RuleError, Won};

/// What is seized (`seizure.asset_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum AssetKind {
    /// A registered vehicle.
    Vehicle,
    /// Real estate.
    RealEstate,
    /// A bank deposit.
    BankDeposit,
    /// Wages, from the employer.
    Wages,
    /// Retirement pay, from the employer.
    RetirementPay,
    /// Any other receivable against a third party.
    OtherReceivable,
}

seip_core::stored_names!(AssetKind {
    Vehicle => "vehicle",
    RealEstate => "real_estate",
    BankDeposit => "bank_deposit",
    Wages => "wages",
    RetirementPay => "retirement_pay",
    OtherReceivable => "other_receivable",
});

impl AssetKind {
    /// The rule's kind, for how the seizure is perfected.
    pub fn rule_kind(self) -> rule::AssetKind {
        match self {
            AssetKind::Vehicle => rule::AssetKind::Vehicle,
            AssetKind::RealEstate => rule::AssetKind::RealEstate,
            AssetKind::BankDeposit => rule::AssetKind::BankDeposit,
            AssetKind::Wages | AssetKind::RetirementPay => rule::AssetKind::Wages,
            AssetKind::OtherReceivable => rule::AssetKind::OtherReceivable,
        }
    }
}

/// Where a seizure stands (`seizure.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum SeizureState {
    /// Decided; the request to the registry or third-party debtor is on its way.
    Requested,
    /// Registered (perfected, S-3): the asset is held.
    Registered,
    /// The registry refused it (e.g. not the debtor's asset).
    Refused,
    /// Released; the release request is on its way.
    ReleaseRequested,
    /// Released at the registry.
    Released,
    /// Sold at auction: the asset passed to the buyer.
    Sold,
}

seip_core::stored_names!(SeizureState {
    Requested => "requested",
    Registered => "registered",
    Refused => "refused",
    ReleaseRequested => "release_requested",
    Released => "released",
    Sold => "sold",
});

impl SeizureState {
    /// True while the seizure holds (or is about to hold) the asset.
    pub fn holds(self) -> bool {
        matches!(self, SeizureState::Requested | SeizureState::Registered)
    }
}

/// Why a seizure was released (`seizure.release_reason`; 압류해제, 지방세징수법 §63).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum ReleaseReason {
    /// The arrears were paid in full (§63①1).
    Paid,
    /// The asset is protected from seizure (§63②5, S-4), on proof.
    ProtectedAsset,
    /// Other seizures already secure the arrears (§43, over-seizure).
    OverSeizure,
    /// An officer released it, with a reason.
    Operator,
    /// The bills turned out never to have been in arrears (paid by their due date): the
    /// seizure should never have been made.
    Withdrawn,
}

seip_core::stored_names!(ReleaseReason {
    Paid => "paid",
    ProtectedAsset => "protected_asset",
    OverSeizure => "over_seizure",
    Operator => "operator",
    Withdrawn => "withdrawn",
});

impl ReleaseReason {
    /// A release for a protected asset does not interrupt prescription (E-1 proviso), nor
    /// one that should never have been made.
    pub fn keeps_prescription_uninterrupted(self) -> bool {
        matches!(
            self,
            ReleaseReason::ProtectedAsset | ReleaseReason::Withdrawn
        )
    }
}

/// On which ground a seizure was decided (`seizure.ground`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum Ground {
    /// A demand's deadline passed unpaid (S-1).
    DemandLapsed,
    /// Automobile-tax arrears on the taxed vehicle (S-2).
    VehicleOfAutomobileTax,
}

seip_core::stored_names!(Ground {
    DemandLapsed => "demand_lapsed",
    VehicleOfAutomobileTax => "vehicle_of_automobile_tax",
});

impl From<SeizureGround> for Ground {
    fn from(g: SeizureGround) -> Self {
        match g {
            SeizureGround::DemandLapsed => Ground::DemandLapsed,
            SeizureGround::VehicleOfAutomobileTax => Ground::VehicleOfAutomobileTax,
        }
    }
}

/// How much of an asset may be taken and how much a seizure of it secures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Take {
    /// Protected from seizure (S-4).
    pub protected: Won,
    /// The amount the seizure secures (§43): what is owed and not yet secured, up to the
    /// seizable part.
    pub secured: Won,
}

/// S-4 and §43 for an asset of `kind` worth `value` (the net monthly wage, the net
/// retirement pay, the balance, the appraised value) on `on`, for a case owing `owed` of
/// which other seizures already secure `already_secured`.
pub fn take(
    kind: AssetKind,
    value: Won,
    owed: Won,
    already_secured: Won,
    on: NaiveDate,
    params: &LawParams,
) -> Result<Take, RuleError> {
    let protected = match kind {
        AssetKind::Wages => protected_wage(value, on, params)?.protected,
        AssetKind::RetirementPay => protected_retirement_pay(value)?.protected,
        AssetKind::BankDeposit => protected_deposit(value, on, params)?.protected,
        AssetKind::Vehicle | AssetKind::RealEstate | AssetKind::OtherReceivable => Won::ZERO,
    };
    let seizable = value.saturating_sub(protected);
    Ok(Take {
        protected,
        secured: rule::amount_to_secure(owed, already_secured, seizable)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
    }

    #[test]
    fn wages_keep_their_protected_part_and_secure_only_what_is_owed() {
        let p = LawParams::statutory();
        let w = Won::new;
        // E-S1: 4,000,000 net → 2,500,000 protected, 1,500,000 seizable; 1,043,200 owed.
        let t = take(
            AssetKind::Wages,
            w(4_000_000),
            w(1_043_200),
            Won::ZERO,
            on(),
            p,
        )
        .unwrap();
        assert_eq!((t.protected, t.secured), (w(2_500_000), w(1_043_200)));
        // A wage under the minimum: nothing to take.
        let t = take(
            AssetKind::Wages,
            w(2_000_000),
            w(1_043_200),
            Won::ZERO,
            on(),
            p,
        )
        .unwrap();
        assert_eq!(t.secured, Won::ZERO);
        // A deposit of 3,000,000: 2,500,000 protected, 500,000 secured.
        let t = take(
            AssetKind::BankDeposit,
            w(3_000_000),
            w(1_043_200),
            Won::ZERO,
            on(),
            p,
        )
        .unwrap();
        assert_eq!((t.protected, t.secured), (w(2_500_000), w(500_000)));
        // A car worth 8,000,000 when a deposit already secures 500,000.
        let t = take(
            AssetKind::Vehicle,
            w(8_000_000),
            w(1_043_200),
            w(500_000),
            on(),
            p,
        )
        .unwrap();
        assert_eq!((t.protected, t.secured), (Won::ZERO, w(543_200)));
        assert!(ReleaseReason::ProtectedAsset.keeps_prescription_uninterrupted());
        assert!(SeizureState::Registered.holds() && !SeizureState::Released.holds());
    }
}
