//! Collection's own tables: entities (one per table) and frozen migrations.

pub mod migration;
pub mod receipt;
pub mod receivable;
pub mod receivable_line;
pub mod treasury_import;
