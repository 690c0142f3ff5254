//! Assessment's migrations: frozen history, one file each, with its own identifiers and
//! never importing live entities. A landed migration is never edited; its name (the module's)
//! is what deployed databases recorded, so it never changes either.

use sea_orm_migration::prelude::*;

mod m20261121_000002_assessment_initial;
mod m20261204_000001_assessment_known_states;
mod m20261208_000001_assessment_notices;
mod m20261208_000002_assessment_delivery;

use m20261121_000002_assessment_initial::M20261121Initial;
use m20261204_000001_assessment_known_states::M20261204KnownStates;
use m20261208_000001_assessment_notices::M20261208Notices;
use m20261208_000002_assessment_delivery::M20261208Delivery;

/// The migrator of the assessment schema.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        seip_runtime::migration::with_infrastructure(vec![
            Box::new(M20261121Initial),
            Box::new(M20261204KnownStates),
            Box::new(M20261208Notices),
            Box::new(M20261208Delivery),
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
                "m20261121_000002_assessment_initial",
                "m20261122_000003_outbox_event_once",
                "m20261204_000001_assessment_known_states",
                "m20261205_000003_outbox_refusals",
                "m20261208_000001_assessment_notices",
                "m20261208_000002_assessment_delivery",
            ]
        );
    }

    #[test]
    fn every_tax_item_is_known_to_the_database() {
        let known = super::m20261204_000001_assessment_known_states::KNOWN;
        let columns: Vec<_> = known.iter().filter(|(_, c, _)| *c == "tax_item").collect();
        assert_eq!(
            columns.len(),
            2,
            "the tax item columns this migration covers"
        );
        for (table, column, allowed) in columns {
            for t in seip_core::TaxItem::ALL
                .into_iter()
                .filter(|t| t.is_levied())
            {
                assert!(allowed.contains(&t.name()), "{table}.{column}: {t:?}");
            }
        }
    }

    #[test]
    fn every_document_kind_and_tax_item_a_notice_names_is_known() {
        use super::m20261208_000001_assessment_notices::{
            DOCUMENT_KINDS, NOTICE_SOURCES, TAX_ITEMS,
        };
        for k in crate::domain::notice::DocumentKind::ALL {
            assert!(DOCUMENT_KINDS.contains(&k.as_str()), "{k}");
        }
        for s in crate::domain::notice::NoticeSource::ALL {
            assert!(NOTICE_SOURCES.contains(&s.as_str()), "{s}");
        }
        for t in seip_core::TaxItem::ALL {
            assert!(TAX_ITEMS.contains(&t.name()), "{t:?}");
        }
    }

    #[test]
    fn every_delivery_state_is_known() {
        use super::m20261208_000002_assessment_delivery::{
            APPLICATION_ENDS, CHANNELS, MESSAGE_STATES, NOTICE_DELIVERIES,
        };
        use crate::domain::delivery::{ApplicationEnd, Channel, MessageState, NoticeDelivery};
        assert_eq!(Channel::ALL.len(), CHANNELS.len());
        for c in Channel::ALL {
            assert!(CHANNELS.contains(&c.as_str()), "{c}");
        }
        for s in MessageState::ALL {
            assert!(MESSAGE_STATES.contains(&s.as_str()), "{s}");
        }
        for d in NoticeDelivery::ALL {
            assert!(NOTICE_DELIVERIES.contains(&d.as_str()), "{d}");
        }
        for e in ApplicationEnd::ALL {
            assert!(APPLICATION_ENDS.contains(&e.as_str()), "{e}");
        }
    }
}
