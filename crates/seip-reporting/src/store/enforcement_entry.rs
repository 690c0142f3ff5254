//! `enforcement_entry`: one act of arrears enforcement (a demand issued, lapsed, …), dated
//! for the month it counts in.

use sea_orm::entity::prelude::*;
use seip_core::TenantCode;

use crate::domain::{ActivityKind, ActivitySums};

/// An enforcement entry row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enforcement_entry")]
pub struct Model {
    /// The event it came from.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    /// Which of the event's acts.
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    /// Municipality.
    pub tenant_code: String,
    /// What was done.
    pub kind: ActivityKind,
    /// The business day it was done.
    pub entry_date: Date,
    /// The arrears it concerned, won.
    pub amount_won: i64,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The month's enforcement entries of `tenant`, summed by kind, in kind order.
pub async fn month_sums<C: sea_orm::ConnectionTrait>(
    conn: &C,
    tenant: TenantCode,
    first: Date,
    next: Date,
) -> Result<Vec<ActivitySums>, DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            seip_runtime::db::sql(
                backend,
                "SELECT kind, COUNT(*) AS n, CAST(SUM(amount_won) AS BIGINT) AS amount \
                 FROM enforcement_entry WHERE tenant_code = ? AND entry_date >= ? AND entry_date < ? \
                 GROUP BY kind ORDER BY kind",
            ),
            [tenant.as_str().into(), first.into(), next.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ActivitySums {
                kind: r.try_get("", "kind")?,
                count: r.try_get("", "n")?,
                amount_won: r.try_get("", "amount")?,
            })
        })
        .collect()
}
