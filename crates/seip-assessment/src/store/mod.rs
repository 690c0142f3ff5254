//! Assessment's own tables: entities (one per table) and frozen migrations.

pub mod assessment_decision;
pub mod bill;
pub mod bill_line;
pub mod migration;
pub mod notice;
pub mod notice_item;
pub mod taxpayer;
pub mod vehicle;
