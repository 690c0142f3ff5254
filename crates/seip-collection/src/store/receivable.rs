//! `receivable`: the collection ledger (징수부) entry of one bill.

use sea_orm::entity::prelude::*;
use seip_core::{TaxItem, Won};
use seip_runtime::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};

use crate::domain::receivable::{BilledLine, Status};

/// A receivable row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receivable")]
pub struct Model {
    /// Bill id (assessment's id; the receivable has no id of its own).
    #[sea_orm(primary_key, auto_increment = false)]
    pub bill_id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Taxpayer id.
    pub taxpayer_id: Uuid,
    /// 전자납부번호.
    #[sea_orm(unique)]
    pub e_payment_number: String,
    /// 과세연도.
    pub tax_year: i32,
    /// 기분 (0 when not periodic).
    pub period_half: i16,
    /// 납세의무 성립일 (decides the late-charge regime).
    pub liability_established_on: Date,
    /// 납부기한.
    pub due_date: Date,
    /// Open, paid or overdue.
    pub status: Status,
    /// When the bill was issued.
    pub issued_at: DateTimeUtc,
    /// When the due-date close moved it to arrears.
    pub overdue_at: Option<DateTimeUtc>,
    /// When it was paid in full.
    pub paid_at: Option<DateTimeUtc>,
    /// Principal billed, all lines, won.
    pub principal_won: i64,
    /// Principal paid so far, won (lines fill in bill order, 지방세징수법 §4).
    pub principal_paid_won: i64,
    /// Late charge carried as of the last change (due-date close or payment), won.
    pub late_charge_won: i64,
    /// Late charge paid so far, won.
    pub late_charge_paid_won: i64,
    /// Bumped by every write: concurrent importers never overwrite each other.
    pub version: i64,
    /// When the close's overdue was withdrawn (all principal paid by the due date, the
    /// payments arriving after the close).
    pub overdue_withdrawn_at: Option<DateTimeUtc>,
    /// The lines as billed, main tax first. They never change once the bill is open, and
    /// every reader of a bill needs them, so they live on its row, read with it at no extra
    /// cost.
    #[sea_orm(column_type = "JsonBinary")]
    pub lines: StoredLines,
    /// The receipts whose principal payments stand on the bill, in the order applied. Late
    /// charges run on those payments, so every posting to the bill reads them: kept on its
    /// row, they are found by the receipts' primary key, and receipts need no index by bill.
    #[sea_orm(column_type = "JsonBinary")]
    pub payment_receipt_ids: PaymentReceipts,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// [`Model::lines`] as stored: a JSON array (`jsonb` on PostgreSQL, which refuses anything
/// else) of `{"tax_item", "principal_won"}` objects. A stored form that does not read as
/// one fails the read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct StoredLines(Vec<StoredLine>);

/// One line as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct StoredLine {
    tax_item: TaxItem,
    principal_won: i64,
}

impl StoredLines {
    /// The stored form of `lines`.
    pub fn new(lines: &[BilledLine]) -> Self {
        Self(
            lines
                .iter()
                .map(|l| StoredLine {
                    tax_item: l.tax_item,
                    principal_won: l.principal.to_i64(),
                })
                .collect(),
        )
    }

    /// The lines as billed.
    pub fn billed(&self) -> Vec<BilledLine> {
        self.0
            .iter()
            .map(|l| BilledLine {
                tax_item: l.tax_item,
                principal: Won::new(l.principal_won),
            })
            .collect()
    }
}

/// [`Model::payment_receipt_ids`] as stored: a JSON array of receipt ids (`jsonb` on
/// PostgreSQL).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct PaymentReceipts(pub Vec<Uuid>);

/// The stored form of a bill's lines, as JSON text for a bulk write.
pub fn lines_to_json(lines: &[BilledLine]) -> AppResult<String> {
    serde_json::to_string(&StoredLines::new(lines))
        .map_err(|e| AppError::Internal(format!("writing a bill's lines: {e}")))
}

/// A bill's lines from their stored form read as text (a raw statement's result); an error
/// names the bill and what is wrong.
pub(crate) fn lines_from_json(bill_id: Uuid, json: &str) -> AppResult<Vec<BilledLine>> {
    serde_json::from_str::<StoredLines>(json)
        .map(|l| l.billed())
        .map_err(|e| AppError::Internal(format!("bill {bill_id}: its stored lines: {e}")))
}

/// The stored form of a bill's payment receipts, as JSON text for a bulk write.
pub fn receipt_ids_to_json(ids: impl IntoIterator<Item = Uuid>) -> AppResult<String> {
    serde_json::to_string(&PaymentReceipts(ids.into_iter().collect()))
        .map_err(|e| AppError::Internal(format!("writing a bill's payment receipts: {e}")))
}

/// A bill's payment receipts from their stored form read as text; an error names the bill.
pub fn receipt_ids_from_json(bill_id: Uuid, json: &str) -> AppResult<Vec<Uuid>> {
    serde_json::from_str::<PaymentReceipts>(json)
        .map(|p| p.0)
        .map_err(|e| {
            AppError::Internal(format!("bill {bill_id}: its stored payment receipts: {e}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back_as_written_and_a_bad_item_names_the_bill() {
        let lines = vec![
            BilledLine {
                tax_item: TaxItem::from_name("automobile_tax", "t").unwrap(),
                principal: Won::new(338_490),
            },
            BilledLine {
                tax_item: TaxItem::from_name("local_education_tax", "t").unwrap(),
                principal: Won::new(101_540),
            },
        ];
        let json = lines_to_json(&lines).unwrap();
        assert_eq!(
            json,
            r#"[{"tax_item":"automobile_tax","principal_won":338490},{"tax_item":"local_education_tax","principal_won":101540}]"#
        );
        let bill = Uuid::from_u128(7);
        assert_eq!(lines_from_json(bill, &json).unwrap(), lines);
        // PostgreSQL's json_agg spaces its output; the reader does not mind.
        assert_eq!(
            lines_from_json(
                bill,
                r#"[{"tax_item" : "automobile_tax", "principal_won" : 338490}, {"tax_item" : "local_education_tax", "principal_won" : 101540}]"#
            )
            .unwrap(),
            lines
        );
        let err = lines_from_json(bill, r#"[{"tax_item":"dog_tax","principal_won":1}]"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&bill.to_string()), "{err}");
        let err = lines_from_json(bill, "[{").unwrap_err().to_string();
        assert!(err.contains("stored lines"), "{err}");
    }

    #[test]
    fn payment_receipts_read_back_as_written_in_order() {
        let ids = [Uuid::from_u128(9), Uuid::from_u128(3)];
        let json = receipt_ids_to_json(ids).unwrap();
        assert_eq!(
            json,
            r#"["00000000-0000-0000-0000-000000000009","00000000-0000-0000-0000-000000000003"]"#
        );
        let bill = Uuid::from_u128(7);
        assert_eq!(receipt_ids_from_json(bill, &json).unwrap(), ids);
        assert!(receipt_ids_from_json(bill, "[]").unwrap().is_empty());
        // As PostgreSQL's json_agg writes them.
        assert_eq!(
            receipt_ids_from_json(
                bill,
                r#"["00000000-0000-0000-0000-000000000009", "00000000-0000-0000-0000-000000000003"]"#
            )
            .unwrap(),
            ids
        );
        let err = receipt_ids_from_json(bill, r#"["x"]"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&bill.to_string()), "{err}");
    }
}
