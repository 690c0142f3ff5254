//! Four eyes on money moved by hand. An action by hand ([`ByHandAction`]) that moves more than
//! the municipality's threshold is not done at once: it becomes a proposal, and a supervisor
//! other than the proposer approves it (it is then carried out, as proposed, in the decision's
//! transaction) or rejects it. Every step is in the audit trail under the verified caller.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use seip_core::{EPaymentNumber, TenantCode};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::paging::PageRequest;
use uuid::Uuid;

use crate::CollectionApp;
use crate::app::operator::{Assigned, Audit, ByHand, audit, suspense_item, who_and_why};
use crate::app::reconcile::open_exception;
use crate::error::CollectionError;
use crate::store::proposal::ProposalState;
use crate::store::{proposal, reconciliation_exception};

/// The name the proposal list's page tokens carry.
pub const PROPOSAL_LIST: &str = "collection.ListProposals";

/// Money moved by hand, as proposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ByHandAction {
    /// Assign the suspense item `receipt_id` to the bill numbered `number`.
    AssignSuspense {
        /// The suspense receipt.
        receipt_id: Uuid,
        /// The bill.
        number: EPaymentNumber,
    },
    /// Resolve the reconciliation exception `exception_id`.
    ResolveException {
        /// The exception.
        exception_id: Uuid,
    },
}

impl ByHandAction {
    /// The action's stored name (the audit trail's too).
    pub fn name(&self) -> &'static str {
        match self {
            Self::AssignSuspense { .. } => "assign_suspense",
            Self::ResolveException { .. } => "resolve_reconciliation_exception",
        }
    }

    /// The record it acts on.
    pub fn subject(&self) -> Uuid {
        match self {
            Self::AssignSuspense { receipt_id, .. } => *receipt_id,
            Self::ResolveException { exception_id } => *exception_id,
        }
    }

    /// The action a stored proposal names.
    fn of(p: &proposal::Model) -> AppResult<Self> {
        let subject = Uuid::parse_str(&p.subject_id)
            .map_err(|_| AppError::Internal(format!("proposal {}: subject_id", p.id)))?;
        match p.action.as_str() {
            "assign_suspense" => Ok(Self::AssignSuspense {
                receipt_id: subject,
                number: EPaymentNumber::parse_field(&p.e_payment_number, "e_payment_number")
                    .map_err(|_| AppError::Internal(format!("proposal {}: number", p.id)))?,
            }),
            "resolve_reconciliation_exception" => Ok(Self::ResolveException {
                exception_id: subject,
            }),
            other => Err(AppError::Internal(format!(
                "proposal {}: unknown action {other}",
                p.id
            ))),
        }
    }
}

/// What an action by hand did.
#[derive(Debug, Clone)]
pub enum Done {
    /// The suspense item was assigned.
    Assigned(Assigned),
    /// The exception was resolved, with this many receipts stamped.
    Resolved(reconciliation_exception::Model, i64),
}

/// What became of an action by hand: done, or proposed for a second person to decide.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Within the threshold: done.
    Done(Done),
    /// Above it: awaiting a supervisor.
    Proposed(proposal::Model),
}

/// The money the exception's difference amounts to.
fn difference(e: &reconciliation_exception::Model) -> i64 {
    (i128::from(e.deposited_won) - i128::from(e.files_total_won))
        .unsigned_abs()
        .try_into()
        .unwrap_or(i64::MAX)
}

impl CollectionApp {
    /// The money `action` would move, checking on the way that it can be done now.
    async fn amount_of(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        action: &ByHandAction,
    ) -> AppResult<i64> {
        match action {
            ByHandAction::AssignSuspense { receipt_id, number } => {
                let r = suspense_item(txn, tenant, *receipt_id).await?;
                Self::load_by_number(txn, tenant, number).await?;
                Ok(r.suspense_won)
            }
            ByHandAction::ResolveException { exception_id } => Ok(difference(
                &open_exception(txn, tenant, *exception_id).await?,
            )),
        }
    }

    /// Carry `action` out now, by `by`.
    async fn carry_out(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        action: &ByHandAction,
        by: ByHand<'_>,
    ) -> AppResult<Done> {
        match action {
            ByHandAction::AssignSuspense { number, .. } => Ok(Done::Assigned(
                self.assign_suspense(txn, tenant, by, *number).await?,
            )),
            ByHandAction::ResolveException { .. } => {
                let (e, stamped) = self
                    .resolve_reconciliation_exception(txn, tenant, by)
                    .await?;
                Ok(Done::Resolved(e, stamped))
            }
        }
    }

    /// `operator` does `action` by hand, in `txn`, for `reason`: at once when it moves no
    /// more than the municipality's threshold, otherwise as a proposal that a supervisor
    /// other than `operator` must decide ([`Self::decide_proposal`]).
    pub async fn by_hand(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        action: ByHandAction,
        operator: &str,
        reason: &str,
    ) -> AppResult<Outcome> {
        who_and_why(operator, reason)?;
        let amount = self.amount_of(txn, tenant, &action).await?;
        let by = ByHand {
            subject: action.subject(),
            operator,
            reason,
        };
        if amount <= self.approval.threshold_won(tenant.as_str()) {
            return Ok(Outcome::Done(
                self.carry_out(txn, tenant, &action, by).await?,
            ));
        }
        let subject = action.subject().to_string();
        if let Some(pending) = proposal::Entity::find()
            .filter(proposal::Column::TenantCode.eq(tenant.as_str()))
            .filter(proposal::Column::Action.eq(action.name()))
            .filter(proposal::Column::SubjectId.eq(subject.as_str()))
            .filter(proposal::Column::State.eq(ProposalState::Pending))
            .one(txn)
            .await?
        {
            return Err(CollectionError::AlreadyProposed {
                subject,
                proposal_id: pending.id,
            }
            .into());
        }
        let now = self.clock.now();
        let p = proposal::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_code: Set(tenant.to_string()),
            action: Set(action.name().to_owned()),
            subject_id: Set(subject.clone()),
            e_payment_number: Set(match &action {
                ByHandAction::AssignSuspense { number, .. } => number.as_str().to_owned(),
                ByHandAction::ResolveException { .. } => String::new(),
            }),
            amount_won: Set(amount),
            proposed_by: Set(operator.to_owned()),
            proposed_at: Set(now),
            reason: Set(reason.to_owned()),
            state: Set(ProposalState::Pending),
            decided_by: Set(None),
            decided_at: Set(None),
            decision_reason: Set(None),
        }
        .insert(txn)
        .await?;
        audit(
            txn,
            tenant,
            now,
            Audit {
                actor: operator,
                action: "propose",
                subject: p.id.to_string(),
                reason,
                detail: serde_json::json!({
                    "action": p.action,
                    "subject_id": p.subject_id,
                    "amount_won": amount,
                }),
            },
        )
        .await?;
        Ok(Outcome::Proposed(p))
    }

    /// `decider` (a supervisor, by the RPC's roles) approves or rejects the proposal `id`
    /// for `reason`. An approved proposal is carried out now, as proposed and in the
    /// proposer's name, and must still move the amount proposed.
    pub async fn decide_proposal(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: Uuid,
        decider: &str,
        approve: bool,
        reason: &str,
    ) -> AppResult<(proposal::Model, Option<Done>)> {
        who_and_why(decider, reason)?;
        let p = proposal::Entity::find_by_id(id)
            .filter(proposal::Column::TenantCode.eq(tenant.as_str()))
            .one(txn)
            .await?
            .ok_or(CollectionError::ProposalNotFound(id))?;
        if p.state != ProposalState::Pending {
            return Err(CollectionError::ProposalDecided {
                id,
                state: p.state.to_string(),
                by: p.decided_by.unwrap_or_default(),
            }
            .into());
        }
        if p.proposed_by == decider {
            return Err(CollectionError::ApproverIsProposer {
                subject: decider.to_owned(),
                id,
            }
            .into());
        }
        let state = if approve {
            ProposalState::Approved
        } else {
            ProposalState::Rejected
        };
        let now = self.clock.now();
        // Only if nobody decided it in the meantime.
        let decided = proposal::Entity::update_many()
            .col_expr(proposal::Column::State, Expr::value(state))
            .col_expr(proposal::Column::DecidedBy, Expr::value(decider))
            .col_expr(proposal::Column::DecidedAt, Expr::value(now))
            .col_expr(proposal::Column::DecisionReason, Expr::value(reason))
            .filter(proposal::Column::Id.eq(id))
            .filter(proposal::Column::State.eq(ProposalState::Pending))
            .exec(txn)
            .await?
            .rows_affected;
        if decided != 1 {
            return Err(AppError::Conflict(format!(
                "proposal_id: {id} was decided while this decision was made; look again"
            )));
        }
        audit(
            txn,
            tenant,
            now,
            Audit {
                actor: decider,
                action: if approve { "approve" } else { "reject" },
                subject: id.to_string(),
                reason,
                detail: serde_json::json!({
                    "action": p.action,
                    "subject_id": p.subject_id,
                    "amount_won": p.amount_won,
                    "proposed_by": p.proposed_by,
                }),
            },
        )
        .await?;
        let done = if approve {
            let action = ByHandAction::of(&p)?;
            let now_moves = self.amount_of(txn, tenant, &action).await?;
            if now_moves != p.amount_won {
                return Err(CollectionError::ProposalStale {
                    id,
                    proposed: p.amount_won,
                    now: now_moves,
                }
                .into());
            }
            let by = ByHand {
                subject: action.subject(),
                operator: &p.proposed_by,
                reason: &p.reason,
            };
            Some(self.carry_out(txn, tenant, &action, by).await?)
        } else {
            None
        };
        let decided = proposal::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or(CollectionError::ProposalNotFound(id))?;
        Ok((decided, done))
    }

    /// The municipality's proposals, newest first, only those in `state` when given.
    pub async fn list_proposals(
        &self,
        tenant: TenantCode,
        state: Option<ProposalState>,
        page: &PageRequest,
    ) -> AppResult<(Vec<proposal::Model>, String)> {
        let mut find =
            proposal::Entity::find().filter(proposal::Column::TenantCode.eq(tenant.as_str()));
        if let Some(s) = state {
            find = find.filter(proposal::Column::State.eq(s));
        }
        if let Some(after) = &page.after {
            let id = Uuid::parse_str(&after[0])
                .map_err(|_| AppError::invalid("page_token", "not a token this list gave"))?;
            find = find.filter(proposal::Column::Id.lt(id));
        }
        let rows = find
            .order_by_desc(proposal::Column::Id)
            .limit(page.fetch())
            .all(&self.db)
            .await?;
        Ok(page.finish(PROPOSAL_LIST, rows, |p| vec![p.id.to_string()]))
    }
}
