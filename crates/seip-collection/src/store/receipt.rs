//! `receipt`: one record of a treasury file as applied (수납부 candidate, stamped once its
//! file is reconciled), with where its money is: a bill, an over-payment, or suspense. The
//! record's raw bytes stay in its file's chunks (`treasury_file_chunk`).

use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, Statement};
use seip_core::TenantCode;
use seip_runtime::db::sql;

use crate::domain::feed::RecordKind;
use crate::domain::posting::Outcome;

/// A receipt row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipt")]
pub struct Model {
    /// Receipt id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The treasury import it came in; none for a distribution's.
    pub import_id: Option<Uuid>,
    /// Record serial in that file.
    pub record_serial: i32,
    /// Treasury bank code.
    pub bank_code: String,
    /// Bank receipt id (unique per bank).
    pub bank_receipt_id: String,
    /// A payment or a cancellation.
    pub kind: RecordKind,
    /// Payment number as sent.
    pub e_payment_number: String,
    /// The bill it was applied to, if matched.
    pub bill_id: Option<Uuid>,
    /// 수납일자.
    pub paid_on: Date,
    /// Total paid, won.
    pub total_won: i64,
    /// Won applied to the bill (principal + late charge; negative on a cancellation).
    pub applied_won: i64,
    /// Of which principal.
    pub principal_applied_won: i64,
    /// Of which late charge.
    pub late_charge_applied_won: i64,
    /// Won held as over-payment awaiting refund.
    pub overpaid_won: i64,
    /// Won held in suspense.
    pub suspense_won: i64,
    /// Where its money went ([`Outcome::Assigned`]: suspense an operator assigned;
    /// [`Outcome::Cancellation`]: a `C` record that reversed a receipt).
    pub outcome: Outcome,
    /// Why the money is in suspense or over-paid, for the operator.
    pub reason: Option<String>,
    /// For a cancellation record: the receipt it reversed.
    pub cancels: Option<Uuid>,
    /// True once a cancellation record reversed this receipt.
    pub cancelled: bool,
    /// Stamped (소인) into the receipts ledger: its file is reconciled with the deposits.
    pub stamped: bool,
    /// The distribution of auction proceeds it came in; none for a treasury record.
    pub distribution_id: Option<Uuid>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The sum of `column` over the receipts of `tenant` that hold money in it (`held`: the
/// comparison that says so, e.g. `> 0`), not reversed and not a reversal; and their number.
/// `column` and `held` are the caller's constants, never input.
pub async fn held_totals<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantCode,
    column: &'static str,
    held: &'static str,
) -> Result<(i64, i64), DbErr> {
    let backend = conn.get_database_backend();
    let text = format!(
        "SELECT CAST(COALESCE(SUM({column}), 0) AS BIGINT) AS total_won, COUNT(*) AS total_count \
         FROM receipt WHERE tenant_code = ? AND {column} {held} AND cancelled = ? AND cancels IS NULL"
    );
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql(backend, &text),
            [tenant.as_str().into(), false.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("an aggregate returned no row".into()))?;
    Ok((
        row.try_get("", "total_won")?,
        row.try_get("", "total_count")?,
    ))
}

/// Which receipts a bank receipt id finds: SQL conditions on `receipt`, each the predicate of
/// the partial index that serves it.
pub mod receipt_kind {
    /// A normal receipt posted (a repeat is kept as `duplicate` and does not count).
    pub const POSTED: &str = "kind = 'N' AND outcome <> 'duplicate'";
    /// A cancellation held in suspense until the receipt it cancels arrives.
    pub const HELD_CANCEL: &str = "kind = 'C' AND outcome = 'suspense' AND cancels IS NULL";
}
