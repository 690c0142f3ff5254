//! Reporting's migrations: frozen history, one file each, with its own identifiers and
//! never importing live entities. A landed migration is never edited; its name (the module's)
//! is what deployed databases recorded, so it never changes either.

use sea_orm_migration::prelude::*;

mod m20261121_000002_reporting_initial;
mod m20261204_000001_reporting_known_states;
mod m20261206_000001_reporting_enforcement;
mod m20261207_000001_reporting_auctions;

use m20261121_000002_reporting_initial::M20261121Initial;
use m20261204_000001_reporting_known_states::M20261204KnownStates;
use m20261206_000001_reporting_enforcement::M20261206Enforcement;
use m20261207_000001_reporting_auctions::M20261207Auctions;

/// The migrator of the reporting schema.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        seip_runtime::migration::with_infrastructure(vec![
            Box::new(M20261121Initial),
            Box::new(M20261204KnownStates),
            Box::new(M20261206Enforcement),
            Box::new(M20261207Auctions),
        ])
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::MigratorTrait;

    use super::Migrator;

    /// The names deployed databases recorded, in the order they ran: a migration's file
    /// may move, its name and place never change.
    #[test]
    fn the_recorded_names_and_their_order_are_frozen() {
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "m20261121_000001_outbox_inbox_idempotency",
                "m20261121_000002_reporting_initial",
                "m20261122_000003_outbox_event_once",
                "m20261204_000001_reporting_known_states",
                "m20261205_000003_outbox_refusals",
                "m20261206_000001_reporting_enforcement",
                "m20261207_000001_reporting_auctions",
            ]
        );
    }

    #[test]
    fn every_activity_kind_is_known_to_the_database() {
        let stored: Vec<&str> = crate::domain::ActivityKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            stored,
            super::m20261207_000001_reporting_auctions::ACTIVITY_KINDS
        );
    }

    #[test]
    fn every_tax_item_is_known_to_the_database() {
        let known = super::m20261204_000001_reporting_known_states::KNOWN;
        let columns: Vec<_> = known.iter().filter(|(_, c, _)| *c == "tax_item").collect();
        assert_eq!(
            columns.len(),
            1,
            "the tax item columns this migration covers"
        );
        // The latest list of the one column.
        let stored: Vec<&str> = seip_core::TaxItem::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(
            stored,
            super::m20261207_000001_reporting_auctions::TAX_ITEMS
        );
    }

    #[test]
    fn every_entry_kind_is_known_to_the_database() {
        use crate::domain::EntryKind;
        let stored: Vec<&str> = EntryKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            stored,
            super::m20261206_000001_reporting_enforcement::ENTRY_KINDS
        );
    }
}
