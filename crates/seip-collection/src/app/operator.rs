//! What operators do with money the feed could not place on a bill: suspense (가수금) to
//! assign, over-payments (과오납) awaiting refund. Every change is audited.

use sea_orm::sea_query::Expr;
use sea_orm::{
    AccessMode, ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IsolationLevel,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use seip_core::TenantCode;
use seip_core::{EPaymentNumber, Won};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox;
use seip_runtime::paging::PageRequest;
use uuid::Uuid;

use crate::CollectionApp;
use crate::app::CONSUMERS;
use crate::domain::posting::{Batch, Outcome};
use crate::error::CollectionError;
use crate::error::rule;
use crate::store::bills::save_bills;
use crate::store::{operator_action, receipt};
use crate::wire::{payments_posted, posting_to_proto};

/// One entry of the operator audit trail.
#[derive(Debug)]
pub(crate) struct Audit<'a> {
    /// Operator user id.
    pub actor: &'a str,
    /// What was done.
    pub action: &'a str,
    /// The record acted on.
    pub subject: String,
    /// Why, as the operator wrote it.
    pub reason: &'a str,
    /// What changed.
    pub detail: serde_json::Value,
}

/// The name the audit trail's page tokens carry.
pub const AUDIT_LIST: &str = "collection.ListAuditEntries";

/// Which entries of the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this actor's.
    pub actor: Option<String>,
    /// Only those on this record.
    pub subject: Option<String>,
    /// Only those at or after this instant.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Only those before this instant.
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

/// Record an operator action in the audit trail, inside the action's transaction.
pub(crate) async fn audit(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    at: chrono::DateTime<chrono::Utc>,
    a: Audit<'_>,
) -> AppResult<()> {
    operator_action::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_code: Set(tenant.to_string()),
        actor: Set(a.actor.to_owned()),
        action: Set(a.action.to_owned()),
        subject_id: Set(a.subject),
        reason: Set(a.reason.to_owned()),
        detail: Set(a.detail.to_string()),
        at: Set(at),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The operator's name and reason, required on every audited action.
pub(crate) fn who_and_why(operator: &str, reason: &str) -> AppResult<()> {
    if operator.trim().is_empty() {
        return Err(AppError::invalid("operator", "required (audited)"));
    }
    if reason.trim().is_empty() {
        return Err(AppError::invalid("reason", "required (audited)"));
    }
    Ok(())
}

/// An action by hand on one record: which, by whom, why (all audited).
#[derive(Debug, Clone, Copy)]
pub struct ByHand<'a> {
    /// The record acted on: a receipt, an exception.
    pub subject: Uuid,
    /// The operator's user id.
    pub operator: &'a str,
    /// Why, in the operator's words.
    pub reason: &'a str,
}

/// Where an assigned suspense item went.
#[derive(Debug, Clone)]
pub struct Assigned {
    /// Won applied to the bill.
    pub applied: Won,
    /// Won left as an over-payment.
    pub overpaid: Won,
    /// The bill as it stands now.
    pub bill: crate::domain::receivable::Bill,
}

/// Which money held on receipts a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Suspense (가수금): money no bill could take.
    Suspense,
    /// Over-payments (과오납) awaiting refund.
    Overpaid,
}

impl Held {
    /// The list's name, which its page tokens carry.
    pub fn list(self) -> &'static str {
        match self {
            Self::Suspense => "collection.ListSuspense",
            Self::Overpaid => "collection.ListOverpayments",
        }
    }

    /// What `r` holds of this kind of money.
    pub fn amount(self, r: &receipt::Model) -> i64 {
        match self {
            Self::Suspense => r.suspense_won,
            Self::Overpaid => r.overpaid_won,
        }
    }
}

/// One page of money held, with the totals over every page.
#[derive(Debug)]
pub struct HeldPage {
    /// The receipts on this page.
    pub receipts: Vec<receipt::Model>,
    /// The token of the next page; empty on the last.
    pub next_page_token: String,
    /// Won held over every page.
    pub total_won: i64,
    /// Receipts over every page.
    pub total_count: i64,
}

/// The receipt `receipt_id` of `tenant`, if it holds money in suspense that may be assigned.
pub(crate) async fn suspense_item(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    receipt_id: Uuid,
) -> AppResult<receipt::Model> {
    let r = receipt::Entity::find_by_id(receipt_id)
        .filter(receipt::Column::TenantCode.eq(tenant.as_str()))
        .one(txn)
        .await?
        .ok_or(CollectionError::ReceiptNotFound(receipt_id))?;
    if r.outcome == Outcome::Duplicate {
        return Err(CollectionError::DuplicateReceipt {
            receipt_id,
            bank_receipt_id: r.bank_receipt_id,
        }
        .into());
    }
    if r.suspense_won <= 0 || r.cancelled || r.cancels.is_some() {
        return Err(CollectionError::NothingInSuspense {
            receipt_id,
            suspense_won: r.suspense_won,
        }
        .into());
    }
    Ok(r)
}

impl CollectionApp {
    /// The municipality's audit trail as `q` selects it, newest first.
    pub async fn list_audit_entries(
        &self,
        tenant: TenantCode,
        q: &AuditQuery,
        page: &PageRequest,
    ) -> AppResult<(Vec<operator_action::Model>, String)> {
        use seip_runtime::paging::{after_time_and_id, time_key};
        let mut find = operator_action::Entity::find()
            .filter(operator_action::Column::TenantCode.eq(tenant.as_str()));
        if let Some(a) = &q.actor {
            find = find.filter(operator_action::Column::Actor.eq(a.as_str()));
        }
        if let Some(s) = &q.subject {
            find = find.filter(operator_action::Column::SubjectId.eq(s.as_str()));
        }
        if let Some(from) = q.from {
            find = find.filter(operator_action::Column::At.gte(from));
        }
        if let Some(until) = q.until {
            find = find.filter(operator_action::Column::At.lt(until));
        }
        if let Some(after) = &page.after {
            find = find.filter(after_time_and_id(
                operator_action::Column::At,
                operator_action::Column::Id,
                after,
                sea_orm::Order::Desc,
            )?);
        }
        let rows = find
            .order_by_desc(operator_action::Column::At)
            .order_by_desc(operator_action::Column::Id)
            .limit(page.fetch())
            .all(&self.db)
            .await?;
        Ok(page.finish(AUDIT_LIST, rows, |m| vec![time_key(m.at), m.id.to_string()]))
    }

    /// Money held on receipts, `which` kind, oldest first, a page at a time: receipts not
    /// reversed and not a reversal. The total and count are over every page.
    pub async fn held_page(
        &self,
        tenant: TenantCode,
        page: &PageRequest,
        which: Held,
    ) -> AppResult<HeldPage> {
        let mut q = receipt::Entity::find()
            .filter(receipt::Column::TenantCode.eq(tenant.as_str()))
            .filter(match which {
                Held::Suspense => receipt::Column::SuspenseWon.ne(0),
                Held::Overpaid => receipt::Column::OverpaidWon.gt(0),
            })
            .filter(receipt::Column::Cancelled.eq(false))
            .filter(receipt::Column::Cancels.is_null());
        if let Some(after) = &page.after {
            let id = Uuid::parse_str(&after[0])
                .map_err(|_| AppError::invalid("page_token", "not a token this list gave"))?;
            q = q.filter(receipt::Column::Id.gt(id));
        }
        // The page and the totals from one snapshot, so they agree while imports run (a
        // SQLite transaction reads one snapshot as it is).
        let txn = match self.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                self.db
                    .begin_with_config(
                        Some(IsolationLevel::RepeatableRead),
                        Some(AccessMode::ReadOnly),
                    )
                    .await?
            }
            _ => self.db.begin().await?,
        };
        let rows = q
            .order_by_asc(receipt::Column::Id)
            .limit(page.fetch())
            .all(&txn)
            .await?;
        let (rows, next_page_token) = page.finish(which.list(), rows, |r| vec![r.id.to_string()]);
        let (total_won, total_count) = match which {
            Held::Suspense => receipt::held_totals(&txn, tenant, "suspense_won", "<> 0").await?,
            Held::Overpaid => receipt::held_totals(&txn, tenant, "overpaid_won", "> 0").await?,
        };
        txn.commit().await?;
        Ok(HeldPage {
            receipts: rows,
            next_page_token,
            total_won,
            total_count,
        })
    }

    /// Assign a suspense item to the bill numbered `number`, in `txn`: applied as of the day
    /// it was paid, the surplus an over-payment; the receipt keeps every won of it. Audited;
    /// its `PaymentsPosted` is in the outbox when the transaction commits.
    pub async fn assign_suspense(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        cmd: ByHand<'_>,
        number: EPaymentNumber,
    ) -> AppResult<Assigned> {
        let ByHand {
            subject: receipt_id,
            operator,
            reason,
        } = cmd;
        who_and_why(operator, reason)?;
        let r = suspense_item(txn, tenant, receipt_id).await?;
        let loaded = Self::load_by_number(txn, tenant, &number).await?;
        let mut batch = Batch::default();
        batch.add_bill(loaded.bill.clone());
        let amount = Won::new(r.suspense_won);
        let (p, posting) = batch
            .apply_to(loaded.bill.bill_id, receipt_id, r.paid_on, amount)
            .map_err(rule)?;
        let now = self.clock.now();
        // Only if nobody assigned or cancelled it in the meantime.
        let moved = receipt::Entity::update_many()
            .col_expr(receipt::Column::BillId, Expr::value(loaded.bill.bill_id))
            .col_expr(
                receipt::Column::PrincipalAppliedWon,
                Expr::value(r.principal_applied_won + p.principal_applied.to_i64()),
            )
            .col_expr(
                receipt::Column::LateChargeAppliedWon,
                Expr::value(r.late_charge_applied_won + p.charge_applied.to_i64()),
            )
            .col_expr(
                receipt::Column::AppliedWon,
                Expr::value(r.applied_won + p.applied().to_i64()),
            )
            .col_expr(
                receipt::Column::OverpaidWon,
                Expr::value(r.overpaid_won + p.overpaid.to_i64()),
            )
            .col_expr(receipt::Column::SuspenseWon, Expr::value(0i64))
            .col_expr(
                receipt::Column::Outcome,
                Expr::value(Outcome::Assigned.as_str()),
            )
            .col_expr(
                receipt::Column::Reason,
                Expr::value(format!("assigned by {operator}: {reason}")),
            )
            .filter(receipt::Column::Id.eq(receipt_id))
            .filter(receipt::Column::SuspenseWon.eq(r.suspense_won))
            .filter(receipt::Column::Cancelled.eq(false))
            .filter(receipt::Column::Cancels.is_null())
            .exec(txn)
            .await?
            .rows_affected;
        if moved != 1 {
            return Err(AppError::Conflict(format!(
                "receipt_id: {receipt_id} changed while it was being assigned; look again"
            )));
        }
        let bill = batch
            .bills
            .get(&loaded.bill.bill_id)
            .cloned()
            .ok_or_else(|| AppError::Internal("bill left the batch".into()))?;
        let mut changed = loaded.clone();
        changed.bill = bill.clone();
        save_bills(txn, [&changed], now).await?;
        if let Some(posting) = &posting {
            outbox::enqueue(
                txn,
                &CONSUMERS,
                tenant.as_str(),
                &payments_posted(vec![posting_to_proto(
                    posting,
                    bill.taxpayer_id,
                    &bill.e_payment_number,
                )]),
                now,
            )
            .await?;
        }
        audit(
            txn,
            tenant,
            now,
            Audit {
                actor: operator,
                action: "assign_suspense",
                subject: receipt_id.to_string(),
                reason,
                detail: serde_json::json!({
                    "bill_id": bill.bill_id.to_string(),
                    "e_payment_number": bill.e_payment_number,
                    "suspense_won": r.suspense_won,
                    "applied_won": p.applied().to_i64(),
                    "overpaid_won": p.overpaid.to_i64(),
                }),
            },
        )
        .await?;
        Ok(Assigned {
            applied: p.applied(),
            overpaid: p.overpaid,
            bill,
        })
    }
}
