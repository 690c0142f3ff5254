//! `seip-rules`: every rule of law that turns facts into won or dates, in one place.
//!
//! Assessment, collection and arrears-enforcement all call this crate, so that they can
//! never disagree by a won. The source of truth is `domain/RULES.md`; each rule names its
//! article and its tests use the worked examples from there. Rates and thresholds are looked
//! up by effective date in [`law::LawParams`], which also holds the switches for every point
//! RULES.md marks UNVERIFIED.
//!
//! This crate must never do I/O, be async, read the clock or touch a database: every input,
//! including "today", is a parameter. Invalid facts are [`RuleError`]s naming the fact, never
//! panics.

pub mod allocation;
pub mod auction;
pub mod automobile;
pub mod calendar;
pub mod conventions;
pub mod demand;
pub mod e_service;
pub mod error;
pub mod fine;
pub mod fiscal_year;
pub mod impoundment;
pub mod late_charge;
pub mod law;
pub mod money;
pub mod prepayment;
pub mod prescription;
pub mod proration;
pub mod protection;
pub mod refund;
pub mod resident;
pub mod sanction;
pub mod seizure;

pub use error::RuleError;
pub use law::LawParams;
pub use money::Won;
pub use rust_decimal::Decimal;
