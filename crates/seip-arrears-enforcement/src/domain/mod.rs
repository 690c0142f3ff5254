//! The arrears register as the domain sees it: pure types, no I/O.

pub mod auction;
pub mod case;
pub mod document;
pub mod plate;
pub mod seizure;

use chrono::NaiveDate;
use seip_core::TaxpayerId;
use uuid::Uuid;

/// One overdue bill in a taxpayer's arrears register (체납액 정리부).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrearsBill {
    /// The bill.
    pub bill_id: Uuid,
    /// 전자납부번호.
    pub e_payment_number: String,
    /// 과세연도.
    pub tax_year: i32,
    /// 체납 발생일.
    pub arrears_since: NaiveDate,
    /// Unpaid principal, won.
    pub principal_won: i64,
    /// Unpaid late charges, won.
    pub late_charge_won: i64,
    /// Paid off since.
    pub settled: bool,
    /// The main tax item, when known; `enforcement_cost` for enforcement costs (체납처분비),
    /// the principal their amount.
    pub tax_item: Option<seip_core::TaxItem>,
}

impl ArrearsBill {
    /// True for enforcement costs charged to the delinquent.
    pub fn is_enforcement_cost(&self) -> bool {
        self.tax_item == Some(seip_core::TaxItem::EnforcementCost)
    }
}

/// A taxpayer's entry in the register: every bill that went overdue, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrearsEntry {
    /// The delinquent taxpayer.
    pub taxpayer_id: TaxpayerId,
    /// The bills, oldest arrears first.
    pub bills: Vec<ArrearsBill>,
}

impl ArrearsEntry {
    /// Since when the oldest unsettled bill is in arrears; none once all are settled.
    pub fn arrears_since(&self) -> Option<NaiveDate> {
        self.unsettled().map(|b| b.arrears_since).min()
    }

    /// What is still owed, principal and late charges, won; `None` past `i64`.
    pub fn arrears_amount_won(&self) -> Option<i64> {
        self.unsettled().try_fold(0i64, |sum, b| {
            sum.checked_add(b.principal_won)?
                .checked_add(b.late_charge_won)
        })
    }

    fn unsettled(&self) -> impl Iterator<Item = &ArrearsBill> {
        self.bills.iter().filter(|b| !b.settled)
    }
}

/// The unsettled arrears of a municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ArrearsTotals {
    /// Taxpayers with at least one unsettled bill.
    pub delinquents: i64,
    /// Unsettled bills.
    pub bills: i64,
    /// Their unpaid principal and late charges, won.
    pub arrears_amount_won: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bill(since: (i32, u32, u32), principal: i64, charge: i64, settled: bool) -> ArrearsBill {
        ArrearsBill {
            bill_id: Uuid::now_v7(),
            e_payment_number: String::new(),
            tax_year: since.0,
            arrears_since: NaiveDate::from_ymd_opt(since.0, since.1, since.2).unwrap(),
            principal_won: principal,
            late_charge_won: charge,
            settled,
            tax_item: None,
        }
    }

    #[test]
    fn settled_bills_neither_date_nor_add_to_the_arrears() {
        let e = ArrearsEntry {
            taxpayer_id: TaxpayerId::new(),
            bills: vec![
                bill((2025, 7, 1), 100_000, 3_000, true),
                bill((2025, 12, 31), 50_000, 1_500, false),
                bill((2026, 7, 1), 80_000, 2_400, false),
            ],
        };
        assert_eq!(e.arrears_since(), NaiveDate::from_ymd_opt(2025, 12, 31));
        assert_eq!(e.arrears_amount_won(), Some(133_900));
        let paid = ArrearsEntry {
            taxpayer_id: e.taxpayer_id,
            bills: vec![bill((2025, 7, 1), 0, 0, true)],
        };
        assert_eq!(paid.arrears_since(), None);
        assert_eq!(paid.arrears_amount_won(), Some(0));
    }

    #[test]
    fn an_amount_past_i64_is_none_not_a_wrap() {
        let e = ArrearsEntry {
            taxpayer_id: TaxpayerId::new(),
            bills: vec![
                bill((2025, 7, 1), i64::MAX, 0, false),
                bill((2025, 7, 1), 1, 0, false),
            ],
        };
        assert_eq!(e.arrears_amount_won(), None);
    }
}
