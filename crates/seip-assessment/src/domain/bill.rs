//! A bill (납세고지서) as assessment issued it: what is owed, on which lines, by when.

use chrono::{DateTime, NaiveDate, Utc};
use seip_core::{BillId, EPaymentNumber, TaxItem, TaxpayerId, VehicleId, Won};
use seip_rules::automobile::PeriodHalf;
use uuid::Uuid;

/// An issued bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    /// The bill.
    pub id: BillId,
    /// The levy decision (부과결정) it notifies.
    pub decision_id: Uuid,
    /// Who owes it.
    pub taxpayer_id: TaxpayerId,
    /// The vehicle taxed, for a vehicle's tax.
    pub vehicle_id: Option<VehicleId>,
    /// 전자납부번호.
    pub e_payment_number: EPaymentNumber,
    /// 과세연도.
    pub tax_year: i32,
    /// The half-year period, for a periodic levy.
    pub period: Option<PeriodHalf>,
    /// 납세의무 성립일.
    pub liability_established_on: NaiveDate,
    /// 납기.
    pub due_date: NaiveDate,
    /// Amount per tax item, in bill order.
    pub lines: Vec<(TaxItem, Won)>,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
}

impl Bill {
    /// What the bill asks for in all.
    pub fn total(&self) -> Won {
        self.lines.iter().map(|(_, w)| *w).sum()
    }
}
