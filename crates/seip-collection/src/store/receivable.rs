//! `receivable`: the collection ledger (징수부) entry of one bill.

use sea_orm::entity::prelude::*;
use seip_core::{TaxItem, Won};
use seip_runtime::error::{AppError, AppResult};

use crate::domain::receivable::BilledLine;

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
    /// `open`, `paid` or `overdue`.
    pub status: String,
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
    /// The lines as billed, main tax first: a JSON array of `{"tax_item", "principal_won"}`
    /// objects (see [`lines_to_json`]). They never change once the bill is open, and every
    /// reader of a bill needs them, so they live on its row, read with it at no extra cost.
    #[sea_orm(column_type = "Text")]
    pub lines: String,
    /// The receipts whose principal payments stand on the bill, in the order applied: a
    /// JSON array of receipt ids (see [`receipt_ids_to_json`]). Late charges run on those
    /// payments, so every posting to the bill reads them: kept on its row, they are found by
    /// the receipts' primary key, and receipts need no index by bill.
    #[sea_orm(column_type = "Text")]
    pub payment_receipt_ids: String,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// One line as stored in [`Model::lines`].
#[derive(serde::Serialize)]
struct StoredLine<'a> {
    tax_item: &'a str,
    principal_won: i64,
}

/// The stored form of a bill's lines: the one writer of [`Model::lines`].
pub fn lines_to_json(lines: &[BilledLine]) -> AppResult<String> {
    let stored: Vec<StoredLine> = lines
        .iter()
        .map(|l| StoredLine {
            tax_item: l.tax_item.name(),
            principal_won: l.principal.to_i64(),
        })
        .collect();
    serde_json::to_string(&stored)
        .map_err(|e| AppError::Internal(format!("writing a bill's lines: {e}")))
}

/// A bill's lines from their stored form; an error names the bill and what is wrong.
pub(crate) fn lines_from_json(bill_id: Uuid, json: &str) -> AppResult<Vec<BilledLine>> {
    /// As stored, read without copying the item's name.
    #[derive(serde::Deserialize)]
    struct Line<'a> {
        #[serde(borrow)]
        tax_item: std::borrow::Cow<'a, str>,
        principal_won: i64,
    }
    let stored: Vec<Line<'_>> = serde_json::from_str(json)
        .map_err(|e| AppError::Internal(format!("bill {bill_id}: its stored lines: {e}")))?;
    stored
        .into_iter()
        .map(|l| {
            Ok(BilledLine {
                tax_item: TaxItem::from_name(&l.tax_item, "tax_item").map_err(|e| {
                    AppError::Internal(format!("bill {bill_id}: its stored lines: {e}"))
                })?,
                principal: Won::new(l.principal_won),
            })
        })
        .collect()
}

/// The stored form of a bill's payment receipts: the one writer of
/// [`Model::payment_receipt_ids`] in Rust (the settle statement and the migration that
/// filled them write the same form in SQL).
pub fn receipt_ids_to_json(ids: impl IntoIterator<Item = Uuid>) -> AppResult<String> {
    serde_json::to_string(&ids.into_iter().collect::<Vec<_>>())
        .map_err(|e| AppError::Internal(format!("writing a bill's payment receipts: {e}")))
}

/// A bill's payment receipts from their stored form; an error names the bill.
pub fn receipt_ids_from_json(bill_id: Uuid, json: &str) -> AppResult<Vec<Uuid>> {
    serde_json::from_str(json).map_err(|e| {
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
