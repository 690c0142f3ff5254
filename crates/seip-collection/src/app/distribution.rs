//! The proceeds of a public auction, distributed over the owner's arrears (배분, 지방세징수법
//! §98–§99 in the order of §4, RULES.md P-3): enforcement costs first, then the principal of
//! every bill named before any late charge, oldest bill first, each as of the day the buyer
//! paid; the surplus is held
//! for the owner as an over-payment to refund (잔여금). Arrears enforcement sells; the money
//! moves here, from its `AuctionSold` event, once per sale.

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use seip_core::{TenantCode, Won};
use seip_rules::allocation::{Claim, ClaimKind};
use seip_rules::auction::distribute;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox;
use uuid::Uuid;

use crate::CollectionApp;
use crate::app::CONSUMERS;
use crate::app::operator::{Audit, audit};
use crate::domain::posting::{Batch, Outcome, Placement};
use crate::domain::receivable::Status;
use crate::error::rule;
use crate::store::bills::{Loaded, load_bills, save_bills};
use crate::store::{distribution, receipt, receivable};
use crate::wire::{payments_posted, posting_to_proto};

/// The proceeds of one sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proceeds {
    /// The auction: one distribution per sale.
    pub sale_id: Uuid,
    /// The owner of the asset sold.
    pub taxpayer_id: Uuid,
    /// Day the buyer paid.
    pub paid_on: NaiveDate,
    /// What the buyer paid.
    pub amount: Won,
    /// The owner's arrears bills to pay, oldest first.
    pub bill_ids: Vec<Uuid>,
}

/// What a distribution did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Distributed {
    /// Principal applied.
    pub principal: Won,
    /// Late charges applied.
    pub charges: Won,
    /// Held for the owner.
    pub surplus: Won,
}

impl CollectionApp {
    /// Distribute `p` inside the caller's transaction (the event's delivery); a sale
    /// distributed before is not distributed again.
    pub async fn distribute_proceeds(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        p: Proceeds,
    ) -> AppResult<Distributed> {
        if distribution::Entity::find_by_id(p.sale_id)
            .one(txn)
            .await?
            .is_some()
        {
            return Ok(Distributed::default());
        }
        if p.amount.to_i64() <= 0 {
            return Err(AppError::invalid(
                "proceeds_won",
                format!("{} won is not a sale's proceeds", p.amount),
            ));
        }
        let rows = receivable::Entity::find()
            .filter(receivable::Column::TenantCode.eq(tenant.as_str()))
            .filter(receivable::Column::BillId.is_in(p.bill_ids.clone()))
            .all(txn)
            .await?;
        let mut loaded: Vec<Loaded> = Vec::with_capacity(p.bill_ids.len());
        let mut found = load_bills(txn, rows).await?;
        for id in &p.bill_ids {
            let i = found
                .iter()
                .position(|l| l.bill.bill_id == *id)
                .ok_or_else(|| {
                    AppError::invalid("bill_ids", format!("no bill {id} in {tenant}"))
                })?;
            let l = found.swap_remove(i);
            if l.bill.taxpayer_id != p.taxpayer_id {
                return Err(AppError::invalid(
                    "bill_ids",
                    format!("bill {id} is not the owner's"),
                ));
            }
            loaded.push(l);
        }
        // P-3: enforcement costs, then every bill's principal, then every bill's charges, as
        // of the paid date (costs bear no charge); bills in the order named within each.
        loaded.sort_by_key(|l| !l.bill.is_enforcement_cost());
        let mut claims = Vec::with_capacity(loaded.len() * 2);
        for l in &loaded {
            claims.push(Claim {
                kind: if l.bill.is_enforcement_cost() {
                    ClaimKind::EnforcementCost
                } else {
                    ClaimKind::Principal
                },
                amount: if l.bill.status == Status::Paid {
                    Won::ZERO
                } else {
                    l.bill.unpaid_principal()
                },
                delegated_provincial: false,
            });
        }
        for l in &loaded {
            claims.push(Claim {
                kind: ClaimKind::Charges,
                amount: if l.bill.status == Status::Paid {
                    Won::ZERO
                } else {
                    l.bill.unpaid_charge_on(p.paid_on).map_err(rule)?
                },
                delegated_provincial: false,
            });
        }
        let d = distribute(p.amount, &claims).map_err(rule)?;
        let n = loaded.len();
        let mut batch = Batch::default();
        for l in &loaded {
            batch.add_bill(l.bill.clone());
        }
        let now = self.clock.now();
        let mut placements: Vec<(Placement, String)> = Vec::new();
        let mut postings = Vec::new();
        let mut done = Distributed {
            surplus: d.surplus,
            ..Distributed::default()
        };
        for (i, l) in loaded.iter().enumerate() {
            let share = d.applied[i] + d.applied[n + i];
            if share.is_zero() {
                continue;
            }
            let (placement, posting) = batch
                .apply_to(l.bill.bill_id, Uuid::now_v7(), p.paid_on, share)
                .map_err(rule)?;
            done.principal += placement.principal_applied;
            done.charges += placement.charge_applied;
            // What a bill took beyond its due as of the paid date stays the owner's.
            done.surplus += placement.overpaid;
            if let Some(posting) = posting {
                postings.push(posting_to_proto(
                    &posting,
                    l.bill.taxpayer_id,
                    &l.bill.e_payment_number,
                ));
            }
            placements.push((placement, l.bill.e_payment_number.clone()));
        }
        if d.surplus.to_i64() > 0 {
            placements.push((
                Placement {
                    id: Uuid::now_v7(),
                    bill_id: None,
                    principal_applied: Won::ZERO,
                    charge_applied: Won::ZERO,
                    overpaid: d.surplus,
                    suspense: Won::ZERO,
                    outcome: Outcome::Overpaid,
                    reason: Some(format!(
                        "surplus of the auction sale {} for the owner (잔여금): refund to taxpayer {}",
                        p.sale_id, p.taxpayer_id
                    )),
                    cancels: None,
                },
                String::new(),
            ));
        }
        for (serial, (pl, number)) in placements.iter().enumerate() {
            receipt::ActiveModel {
                id: Set(pl.id),
                tenant_code: Set(tenant.to_string()),
                import_id: Set(None),
                record_serial: Set(i32::try_from(serial + 1).unwrap_or(i32::MAX)),
                bank_code: Set(String::new()),
                bank_receipt_id: Set(format!("{}:{}", p.sale_id, serial + 1)),
                kind: Set(crate::domain::feed::RecordKind::Normal),
                e_payment_number: Set(number.clone()),
                bill_id: Set(pl.bill_id),
                paid_on: Set(p.paid_on),
                total_won: Set(pl.placed().to_i64()),
                applied_won: Set(pl.applied().to_i64()),
                principal_applied_won: Set(pl.principal_applied.to_i64()),
                late_charge_applied_won: Set(pl.charge_applied.to_i64()),
                overpaid_won: Set(pl.overpaid.to_i64()),
                suspense_won: Set(pl.suspense.to_i64()),
                outcome: Set(pl.outcome),
                reason: Set(pl.reason.clone()),
                cancels: Set(None),
                cancelled: Set(false),
                // Nothing to reconcile with the treasury's deposits: the money moved
                // inside the municipality's accounts.
                stamped: Set(true),
                distribution_id: Set(Some(p.sale_id)),
            }
            .insert(txn)
            .await?;
        }
        let changed: Vec<Loaded> = loaded
            .into_iter()
            .filter_map(|mut l| {
                let bill = batch.bills.get(&l.bill.bill_id)?.clone();
                (bill != l.bill).then(|| {
                    l.bill = bill;
                    l
                })
            })
            .collect();
        save_bills(txn, &changed, now).await?;
        let placed: Won = placements.iter().map(|(pl, _)| pl.placed()).sum();
        if placed != p.amount {
            return Err(AppError::Internal(format!(
                "sale {}: {placed} won placed of {} won paid",
                p.sale_id, p.amount
            )));
        }
        distribution::ActiveModel {
            id: Set(p.sale_id),
            tenant_code: Set(tenant.to_string()),
            taxpayer_id: Set(p.taxpayer_id),
            paid_on: Set(p.paid_on),
            proceeds_won: Set(p.amount.to_i64()),
            applied_won: Set((done.principal + done.charges).to_i64()),
            surplus_won: Set(done.surplus.to_i64()),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        if !postings.is_empty() {
            outbox::enqueue(
                txn,
                &CONSUMERS,
                tenant.as_str(),
                &payments_posted(postings),
                now,
            )
            .await?;
        }
        audit(
            txn,
            tenant,
            now,
            Audit {
                actor: "seip:arrears-enforcement",
                action: "distribute_proceeds",
                subject: p.sale_id.to_string(),
                reason: "the buyer of a seized asset paid its price (배분, P-3)",
                detail: serde_json::json!({
                    "taxpayer_id": p.taxpayer_id.to_string(),
                    "paid_on": p.paid_on,
                    "proceeds_won": p.amount.to_i64(),
                    "principal_won": done.principal.to_i64(),
                    "charges_won": done.charges.to_i64(),
                    "surplus_won": done.surplus.to_i64(),
                }),
            },
        )
        .await?;
        self.relay.notify_one();
        Ok(done)
    }
}
