//! Collection's own tables: entities (one per table) and frozen migrations.

pub mod accrual_run;
pub mod bills;
pub mod deposit;
pub mod deposit_statement;
pub mod distribution;
pub mod migration;
pub mod operator_action;
pub mod proposal;
pub mod receipt;
pub mod receivable;
pub mod reconciliation_exception;
pub mod settle;
pub mod treasury_file_chunk;
pub mod treasury_import;
