//! Assessment's own tables: entities (one per table) and frozen migrations.

pub mod assessment_decision;
pub mod bill;
pub mod bill_line;
pub mod delivery_run;
pub mod e_service_application;
pub mod message;
pub mod message_notice;
pub mod migration;
pub mod notice;
pub mod notice_item;
pub mod paper_batch;
pub mod paper_notice;
pub mod taxpayer;
pub mod vehicle;
