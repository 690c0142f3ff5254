//! Reporting's domain: the kinds of ledger entry and the monthly revenue collection report
//! (세입징수 보고서) built from them. Pure: no I/O.

use std::collections::BTreeMap;

use seip_core::TaxItem;

/// What a ledger entry records (`ledger_entry.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, sea_orm::DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum EntryKind {
    /// A bill issued (부과): its principal.
    Levied,
    /// Money collected (수납): principal and late charges; negative for a reversal.
    Collected,
    /// A bill gone overdue at its due date (체납 발생): the unpaid principal and the late
    /// charge raised; negative when the overdue is withdrawn.
    Overdue,
    /// Late charges accrued on an overdue bill in a month (C-4): the increments.
    Accrued,
}

seip_core::stored_names!(EntryKind {
    Levied => "levied",
    Collected => "collected",
    Overdue => "overdue",
    Accrued => "accrued",
});

/// What arrears enforcement did (`enforcement_entry.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, sea_orm::DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum ActivityKind {
    /// A demand notice issued (독촉): the arrears it names.
    DemandIssued,
    /// A demand's deadline passed unpaid: the arrears left.
    DemandLapsed,
    /// A seizure registered (압류): what it secures.
    SeizureRegistered,
    /// A seizure released: what it had secured.
    SeizureReleased,
    /// Licence plates taken (번호판 영치).
    PlateImpounded,
    /// Licence plates returned.
    PlateReturned,
    /// A seized asset sold at auction and paid for (공매): the proceeds.
    AuctionSold,
}

seip_core::stored_names!(ActivityKind {
    DemandIssued => "demand_issued",
    DemandLapsed => "demand_lapsed",
    SeizureRegistered => "seizure_registered",
    SeizureReleased => "seizure_released",
    PlateImpounded => "plate_impounded",
    PlateReturned => "plate_returned",
    AuctionSold => "auction_sold",
});

/// The month's enforcement entries of one kind, summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivitySums {
    /// What was done.
    pub kind: ActivityKind,
    /// How often.
    pub count: i64,
    /// The arrears concerned, won.
    pub amount_won: i64,
}

/// The month's ledger entries of one tax item and kind, summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntrySums {
    /// The tax item.
    pub tax_item: TaxItem,
    /// The kind of entry.
    pub kind: EntryKind,
    /// How many entries.
    pub count: i64,
    /// Their principal, won.
    pub principal_won: i64,
    /// Their late charges, won.
    pub late_charge_won: i64,
}

/// One tax item's line of the monthly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportRow {
    /// The tax item.
    pub tax_item: TaxItem,
    /// Bills levied.
    pub levied_count: i64,
    /// Principal levied, won.
    pub levied_won: i64,
    /// Payments collected.
    pub collected_count: i64,
    /// Principal collected, won.
    pub collected_won: i64,
    /// Late charges collected, won.
    pub late_charge_collected_won: i64,
    /// Bills gone overdue.
    pub overdue_count: i64,
    /// Principal gone overdue, won.
    pub overdue_won: i64,
    /// Late charges raised at the due date, won.
    pub late_charge_raised_won: i64,
}

impl ReportRow {
    fn new(tax_item: TaxItem) -> Self {
        Self {
            tax_item,
            levied_count: 0,
            levied_won: 0,
            collected_count: 0,
            collected_won: 0,
            late_charge_collected_won: 0,
            overdue_count: 0,
            overdue_won: 0,
            late_charge_raised_won: 0,
        }
    }
}

/// The monthly revenue collection report of a municipality: a row per tax item, in code order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MonthlyReport {
    /// The rows.
    pub rows: Vec<ReportRow>,
    /// Principal levied over every item, won.
    pub total_levied_won: i64,
    /// Principal and late charges collected over every item, won.
    pub total_collected_won: i64,
    /// What arrears enforcement did in the month, by kind.
    pub enforcement: Vec<ActivitySums>,
}

/// A sum past `i64` won: no municipality's month comes near, so it means corrupt entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the month's sums leave the range of i64 won")]
pub struct SumOutOfRange;

fn add(a: &mut i64, b: i64) -> Result<(), SumOutOfRange> {
    *a = a.checked_add(b).ok_or(SumOutOfRange)?;
    Ok(())
}

impl MonthlyReport {
    /// The report of the month whose entries sum to `sums`.
    pub fn from_sums(sums: impl IntoIterator<Item = EntrySums>) -> Result<Self, SumOutOfRange> {
        let mut by_item: BTreeMap<&'static str, ReportRow> = BTreeMap::new();
        for s in sums {
            let row = by_item
                .entry(s.tax_item.code())
                .or_insert_with(|| ReportRow::new(s.tax_item));
            match s.kind {
                EntryKind::Levied => {
                    add(&mut row.levied_count, s.count)?;
                    add(&mut row.levied_won, s.principal_won)?;
                }
                EntryKind::Collected => {
                    add(&mut row.collected_count, s.count)?;
                    add(&mut row.collected_won, s.principal_won)?;
                    add(&mut row.late_charge_collected_won, s.late_charge_won)?;
                }
                EntryKind::Overdue => {
                    add(&mut row.overdue_count, s.count)?;
                    add(&mut row.overdue_won, s.principal_won)?;
                    add(&mut row.late_charge_raised_won, s.late_charge_won)?;
                }
                EntryKind::Accrued => {
                    add(&mut row.late_charge_raised_won, s.late_charge_won)?;
                }
            }
        }
        let mut report = Self {
            rows: by_item.into_values().collect(),
            ..Self::default()
        };
        for r in &report.rows {
            add(&mut report.total_levied_won, r.levied_won)?;
            add(&mut report.total_collected_won, r.collected_won)?;
            add(&mut report.total_collected_won, r.late_charge_collected_won)?;
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(tax_item: TaxItem, kind: EntryKind, count: i64, p: i64, c: i64) -> EntrySums {
        EntrySums {
            tax_item,
            kind,
            count,
            principal_won: p,
            late_charge_won: c,
        }
    }

    #[test]
    fn kinds_round_trip_and_unknown_names_are_refused() {
        for k in EntryKind::ALL {
            assert_eq!(k.as_str().parse::<EntryKind>(), Ok(*k));
        }
        assert!("refunded".parse::<EntryKind>().is_err());
    }

    #[test]
    fn rows_gather_by_item_and_totals_count_collected_charges() {
        let r = MonthlyReport::from_sums([
            sums(TaxItem::LocalEducationTax, EntryKind::Levied, 2, 60_000, 0),
            sums(TaxItem::AutomobileTax, EntryKind::Levied, 2, 200_000, 0),
            sums(TaxItem::AutomobileTax, EntryKind::Collected, 1, 100_000, 0),
            sums(
                TaxItem::AutomobileTax,
                EntryKind::Overdue,
                1,
                100_000,
                3_000,
            ),
            sums(TaxItem::AutomobileTax, EntryKind::Collected, 1, 0, 3_000),
        ])
        .unwrap();
        assert_eq!(r.rows.len(), 2);
        let car = r
            .rows
            .iter()
            .find(|row| row.tax_item == TaxItem::AutomobileTax)
            .unwrap();
        assert_eq!((car.levied_count, car.levied_won), (2, 200_000));
        assert_eq!(
            (
                car.collected_count,
                car.collected_won,
                car.late_charge_collected_won
            ),
            (2, 100_000, 3_000)
        );
        assert_eq!(
            (
                car.overdue_count,
                car.overdue_won,
                car.late_charge_raised_won
            ),
            (1, 100_000, 3_000)
        );
        assert_eq!(r.total_levied_won, 260_000);
        assert_eq!(r.total_collected_won, 103_000);
    }

    #[test]
    fn sums_past_i64_are_an_error_not_a_wrap() {
        let r = MonthlyReport::from_sums([
            sums(TaxItem::AutomobileTax, EntryKind::Levied, 1, i64::MAX, 0),
            sums(TaxItem::LocalEducationTax, EntryKind::Levied, 1, 1, 0),
        ]);
        assert_eq!(r, Err(SumOutOfRange));
    }
}
