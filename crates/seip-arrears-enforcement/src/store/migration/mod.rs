//! Arrears-enforcement's migrations: frozen history, own identifiers. One file per
//! migration; a published one is never edited.

use sea_orm_migration::prelude::*;

mod m20261121_000002_arrears_enforcement_initial;
mod m20261206_000001_arrears_enforcement_cases;
mod m20261206_000002_arrears_enforcement_seizures;
mod m20261206_000003_arrears_enforcement_plates;
mod m20261207_000001_arrears_enforcement_auctions;
mod m20261207_000002_arrears_enforcement_plate_handover;

use m20261121_000002_arrears_enforcement_initial::M20261121Initial;
use m20261206_000001_arrears_enforcement_cases::M20261206Cases;
#[cfg(test)]
use m20261206_000001_arrears_enforcement_cases::{CASE_STATES, DEMAND_STATES};
use m20261206_000002_arrears_enforcement_seizures::M20261206Seizures;
#[cfg(test)]
use m20261206_000002_arrears_enforcement_seizures::{ASSET_KINDS, GROUNDS, RELEASE_REASONS};
use m20261206_000003_arrears_enforcement_plates::M20261206Plates;
#[cfg(test)]
use m20261206_000003_arrears_enforcement_plates::PLATE_STATES;
use m20261207_000001_arrears_enforcement_auctions::M20261207Auctions;
#[cfg(test)]
use m20261207_000001_arrears_enforcement_auctions::{AUCTION_STATES, SEIZURE_STATES, TIMER_KINDS};
#[cfg(test)]
use m20261207_000002_arrears_enforcement_plate_handover::ACTION_KINDS;
use m20261207_000002_arrears_enforcement_plate_handover::M20261207PlateHandover;

/// The migrator of the arrears_enforcement schema.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        seip_runtime::migration::with_infrastructure(vec![
            Box::new(M20261121Initial),
            Box::new(M20261206Cases),
            Box::new(M20261206Seizures),
            Box::new(M20261206Plates),
            Box::new(M20261207Auctions),
            Box::new(M20261207PlateHandover),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published migrations keep their names and order.
    #[test]
    fn history_is_frozen() {
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .filter(|n| n.contains("arrears_enforcement"))
            .collect();
        assert_eq!(
            names,
            [
                "m20261121_000002_arrears_enforcement_initial",
                "m20261206_000001_arrears_enforcement_cases",
                "m20261206_000002_arrears_enforcement_seizures",
                "m20261206_000003_arrears_enforcement_plates",
                "m20261207_000001_arrears_enforcement_auctions",
                "m20261207_000002_arrears_enforcement_plate_handover",
            ]
        );
    }

    /// Every state and kind the code stores is one the database accepts.
    #[test]
    fn stored_names_are_known_to_the_database() {
        use crate::domain::auction::AuctionState;
        use crate::domain::case::{ActionKind, CaseState, DemandState, TimerKind};
        use crate::domain::plate::PlateState;
        use crate::domain::seizure::{AssetKind, Ground, ReleaseReason, SeizureState};
        fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| name(*v)).collect()
        }
        assert_eq!(names(CaseState::ALL, CaseState::as_str), CASE_STATES);
        assert_eq!(names(DemandState::ALL, DemandState::as_str), DEMAND_STATES);
        assert_eq!(names(ActionKind::ALL, ActionKind::as_str), ACTION_KINDS);
        assert_eq!(names(TimerKind::ALL, TimerKind::as_str), TIMER_KINDS);
        assert_eq!(
            names(SeizureState::ALL, SeizureState::as_str),
            SEIZURE_STATES
        );
        assert_eq!(names(AssetKind::ALL, AssetKind::as_str), ASSET_KINDS);
        assert_eq!(
            names(ReleaseReason::ALL, ReleaseReason::as_str),
            RELEASE_REASONS
        );
        assert_eq!(names(Ground::ALL, Ground::as_str), GROUNDS);
        assert_eq!(names(PlateState::ALL, PlateState::as_str), PLATE_STATES);
        assert_eq!(
            names(AuctionState::ALL, AuctionState::as_str),
            AUCTION_STATES
        );
    }
}
