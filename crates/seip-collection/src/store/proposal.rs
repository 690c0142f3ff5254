//! `proposal`: money moved by hand that awaits (or had) a supervisor's decision (four eyes).

use sea_orm::entity::prelude::*;

/// A `proposal` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal")]
pub struct Model {
    /// Proposal id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// What it would do: `assign_suspense`, `resolve_reconciliation_exception`.
    pub action: String,
    /// The record it acts on.
    pub subject_id: String,
    /// For an assignment, the bill's electronic payment number; empty otherwise.
    pub e_payment_number: String,
    /// The money it moves, won.
    pub amount_won: i64,
    /// Who proposed it.
    pub proposed_by: String,
    /// When.
    pub proposed_at: DateTimeUtc,
    /// Why, in the proposer's words.
    pub reason: String,
    /// Where it stands.
    pub state: ProposalState,
    /// Who decided it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTimeUtc>,
    /// Why, in the decider's words.
    pub decision_reason: Option<String>,
}

/// Where a proposal stands (`state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum ProposalState {
    /// Awaiting a supervisor's decision.
    Pending,
    /// Approved and carried out.
    Approved,
    /// Rejected: nothing was done.
    Rejected,
}

seip_core::stored_names!(ProposalState {
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
});

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
