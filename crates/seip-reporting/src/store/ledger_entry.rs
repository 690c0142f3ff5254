//! `ledger_entry`: one tax-item line of a ledger event (levy, collection, arrears), dated
//! for the month it belongs to.

use sea_orm::entity::prelude::*;
use seip_core::{TaxItem, TenantCode};

use crate::domain::{EntryKind, EntrySums};

/// A ledger entry row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    /// The event it came from.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    /// Line within the event.
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i16,
    /// Municipality.
    pub tenant_code: String,
    /// Levied, collected or overdue.
    pub kind: EntryKind,
    /// Tax item.
    pub tax_item: TaxItem,
    /// The date that places it in a month: issue date (KST), paid date or arrears start.
    pub entry_date: Date,
    /// Bill.
    pub bill_id: Uuid,
    /// Principal, won.
    pub principal_won: i64,
    /// Late charge, won.
    pub late_charge_won: i64,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The entries of `tenant` dated from `first` up to `next`, summed by tax item and kind. An
/// entry whose item or kind no version of Seip wrote is an error naming it, never skipped.
pub async fn month_sums<C: sea_orm::ConnectionTrait>(
    conn: &C,
    tenant: TenantCode,
    first: Date,
    next: Date,
) -> Result<Vec<EntrySums>, DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            seip_runtime::db::sql(
                backend,
                "SELECT tax_item, kind, COUNT(*) AS n, \
                 CAST(SUM(principal_won) AS BIGINT) AS principal, \
                 CAST(SUM(late_charge_won) AS BIGINT) AS charge \
                 FROM ledger_entry WHERE tenant_code = ? AND entry_date >= ? AND entry_date < ? \
                 GROUP BY tax_item, kind",
            ),
            [tenant.as_str().into(), first.into(), next.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(EntrySums {
                tax_item: r.try_get("", "tax_item")?,
                kind: r.try_get("", "kind")?,
                count: r.try_get("", "n")?,
                principal_won: r.try_get("", "principal")?,
                late_charge_won: r.try_get("", "charge")?,
            })
        })
        .collect()
}
