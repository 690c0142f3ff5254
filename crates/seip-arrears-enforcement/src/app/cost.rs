//! Enforcement costs (체납처분비): what enforcement spends on a delinquent's arrears — the
//! appraisal of a seized asset, a publication, the auction agent's fee — charged to them. Each
//! charge is a bill of the register of its own, numbered here (`NoticeKind::Arrears`, the
//! costs' item group), and `EnforcementCostIncurred` tells collection (a receivable with no
//! late charge, which a distribution pays first, P-3) and reporting.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};
use seip_core::{NoticeKind, TaxItem, TenantCode, Won};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox;
use uuid::Uuid;

use crate::app::MONEY_CONSUMERS;
use crate::app::case::{Act, record};
use crate::domain::case::ActionKind;
use crate::domain::document::won;
use crate::store::arrears_bill;
use crate::wire::enforcement_cost_incurred;

/// Costs to charge.
#[derive(Debug, Clone)]
pub(crate) struct Cost<'a> {
    /// The case.
    pub case_id: Uuid,
    /// The delinquent.
    pub taxpayer_id: Uuid,
    /// Amount.
    pub amount: Won,
    /// What for.
    pub reason: &'a str,
    /// Who charged them.
    pub by: &'a str,
}

/// Charge `cost` on `today`, inside the caller's transaction: a bill of the register, an
/// action of the case, and the event.
pub(crate) async fn incur(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    cost: Cost<'_>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<arrears_bill::Model> {
    if cost.amount.to_i64() <= 0 {
        return Err(AppError::Internal(format!(
            "enforcement costs of {} won",
            cost.amount
        )));
    }
    let number = seip_runtime::db::next_payment_number(
        txn,
        tenant,
        NoticeKind::Arrears,
        today.year(),
        TaxItem::EnforcementCost,
    )
    .await?;
    let id = Uuid::now_v7();
    let bill = arrears_bill::ActiveModel {
        bill_id: Set(id),
        tenant_code: Set(tenant.to_string()),
        taxpayer_id: Set(cost.taxpayer_id),
        e_payment_number: Set(number.to_string()),
        tax_year: Set(today.year()),
        due_date: Set(today),
        arrears_since: Set(today),
        principal_won: Set(cost.amount.to_i64()),
        late_charge_won: Set(0),
        settled: Set(false),
        tax_item: Set(Some(TaxItem::EnforcementCost)),
    }
    .insert(txn)
    .await?;
    record(
        txn,
        tenant,
        now,
        today,
        Act {
            case_id: cost.case_id,
            actor: cost.by,
            kind: ActionKind::EnforcementCostIncurred,
            subject: id.to_string(),
            reason: format!(
                "{} won of enforcement costs (체납처분비): {}",
                won(cost.amount.to_i64()),
                cost.reason
            ),
            detail: serde_json::json!({
                "amount_won": cost.amount.to_i64(),
                "e_payment_number": number.to_string(),
            }),
        },
    )
    .await?;
    outbox::enqueue(
        txn,
        &MONEY_CONSUMERS,
        tenant.as_str(),
        &enforcement_cost_incurred(&bill, cost.reason),
        now,
    )
    .await?;
    Ok(bill)
}
