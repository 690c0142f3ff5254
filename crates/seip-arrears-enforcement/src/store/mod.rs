//! Arrears-enforcement's own tables.

pub mod arrears_bill;
pub mod auction;
pub mod case_action;
pub mod demand;
pub mod demand_bill;
pub mod enforcement_case;
pub mod migration;
pub mod plate_action;
pub mod seizure;
pub mod taxable_object_link;
pub mod timer;
