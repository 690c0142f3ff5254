//! Reporting's own tables.

pub mod enforcement_entry;
pub mod ledger_entry;
pub mod migration;
