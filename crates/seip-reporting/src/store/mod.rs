//! Reporting's own tables.

pub mod ledger_entry;
pub mod migration;
