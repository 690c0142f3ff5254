//! Arrears-enforcement's own tables.

pub mod arrears_bill;
pub mod migration;
pub mod taxable_object_link;
