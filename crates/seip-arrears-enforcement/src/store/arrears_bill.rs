//! `arrears_bill`: one overdue bill in a taxpayer's arrears register (체납액 정리부).

use sea_orm::entity::prelude::*;

use crate::domain::{ArrearsBill, ArrearsTotals};

/// An arrears bill row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "arrears_bill")]
pub struct Model {
    /// Bill id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bill_id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Delinquent taxpayer.
    pub taxpayer_id: Uuid,
    /// 전자납부번호.
    pub e_payment_number: String,
    /// 과세연도.
    pub tax_year: i32,
    /// The due date that passed.
    pub due_date: Date,
    /// 체납 발생일.
    pub arrears_since: Date,
    /// Unpaid principal, won.
    pub principal_won: i64,
    /// Unpaid late charges, won.
    pub late_charge_won: i64,
    /// Paid off since.
    pub settled: bool,
    /// The bill's main tax item (its first line's); `enforcement_cost` for the costs this
    /// service charged, the principal their amount. Unknown for bills registered before it
    /// was kept.
    pub tax_item: Option<seip_core::TaxItem>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The unsettled arrears of `tenant_code`: one aggregate, however many bills are in arrears.
pub async fn totals<C: sea_orm::ConnectionTrait>(
    conn: &C,
    tenant_code: &str,
) -> Result<ArrearsTotals, DbErr> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            seip_runtime::db::sql(
                backend,
                "SELECT COUNT(DISTINCT taxpayer_id) AS delinquents, COUNT(*) AS bills, \
                 CAST(COALESCE(SUM(principal_won + late_charge_won), 0) AS BIGINT) AS amount \
                 FROM arrears_bill WHERE tenant_code = ? AND settled = ?",
            ),
            [tenant_code.into(), false.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("an aggregate returned no row".into()))?;
    Ok(ArrearsTotals {
        delinquents: row.try_get("", "delinquents")?,
        bills: row.try_get("", "bills")?,
        arrears_amount_won: row.try_get("", "amount")?,
    })
}

impl From<Model> for ArrearsBill {
    fn from(m: Model) -> Self {
        Self {
            bill_id: m.bill_id,
            e_payment_number: m.e_payment_number,
            tax_year: m.tax_year,
            arrears_since: m.arrears_since,
            principal_won: m.principal_won,
            late_charge_won: m.late_charge_won,
            settled: m.settled,
            tax_item: m.tax_item,
        }
    }
}
