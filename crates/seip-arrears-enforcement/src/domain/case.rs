//! The enforcement case of a delinquent taxpayer: its states, the actions recorded in it,
//! the timers that advance it, and what it needs next. Pure: no I/O, "today" is a parameter.

use chrono::NaiveDate;
use sea_orm::DeriveValueType;
use seip_rules::calendar::HolidayCalendar;
use seip_rules::demand::demand_deadlines;
use seip_rules::law::LawParams;
use uuid::Uuid;

/// Where a case stands (`enforcement_case.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum CaseState {
    /// Arrears are unpaid.
    Active,
    /// Every bill was paid or withdrawn.
    Settled,
}

seip_core::stored_names!(CaseState {
    Active => "active",
    Settled => "settled",
});

/// Where a demand stands (`demand.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum DemandState {
    /// Issued; the deadline has not passed.
    Issued,
    /// Every bill it names was paid.
    Paid,
    /// The deadline passed with bills unpaid (S-1).
    Lapsed,
    /// Its bills were never in arrears.
    Withdrawn,
}

seip_core::stored_names!(DemandState {
    Issued => "issued",
    Paid => "paid",
    Lapsed => "lapsed",
    Withdrawn => "withdrawn",
});

impl DemandState {
    /// True once nothing more happens to the demand by itself.
    pub fn is_closed(self) -> bool {
        !matches!(self, DemandState::Issued)
    }
}

/// What was done in a case (`case_action.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum ActionKind {
    /// A bill went overdue and the case opened or reopened.
    CaseOpened,
    /// Every bill was paid.
    CaseSettled,
    /// A demand was issued (interrupts prescription, E-1).
    DemandIssued,
    /// A demand's service was recorded (C-5).
    DemandServed,
    /// A demand's bills were all paid.
    DemandPaid,
    /// A demand's deadline passed unpaid.
    DemandLapsed,
    /// A demand's bills turned out never to have been in arrears.
    DemandWithdrawn,
    /// A payment on a paid demand was reversed before its deadline: it waits again.
    DemandReopened,
    /// A seizure was decided and ordered.
    SeizureRequested,
    /// The registry registered it (S-3).
    SeizureRegistered,
    /// The registry refused it.
    SeizureRefused,
    /// Its release was decided and ordered.
    SeizureReleaseRequested,
    /// The registry released it.
    SeizureReleased,
    /// The owner was warned of impoundment (영치예고).
    PlateWarned,
    /// The vehicle became due for impoundment: on the crews' list.
    PlateImpoundOrdered,
    /// A crew took the plates.
    PlateImpounded,
    /// The plates were released for a while (livelihood vehicle).
    PlateReleasedTemporarily,
    /// Paid: the plates are to be returned.
    PlateReturnDue,
    /// The plates were returned.
    PlateReturned,
    /// Paid before the plates were taken.
    PlateActionCancelled,
    /// An auction round was publicly noticed.
    AuctionNoticed,
    /// A round's bids were opened and none was valid.
    AuctionUnsold,
    /// A round's bids were opened and one won.
    AuctionAwarded,
    /// The sale was decided (매각결정).
    AuctionSaleDecided,
    /// The buyer did not pay by the deadline: the decision is cancelled.
    AuctionPriceUnpaid,
    /// The buyer paid: the proceeds went to collection.
    AuctionSold,
    /// Unsold at half the appraisal: a new appraisal is needed.
    AuctionReappraisalNeeded,
    /// Stopped before the decision.
    AuctionStopped,
    /// Enforcement costs were charged to the delinquent (체납처분비).
    EnforcementCostIncurred,
    /// The vehicle's plate action was handed to another municipality's crews.
    PlateHandedOver,
}

seip_core::stored_names!(ActionKind {
    CaseOpened => "case_opened",
    CaseSettled => "case_settled",
    DemandIssued => "demand_issued",
    DemandServed => "demand_served",
    DemandPaid => "demand_paid",
    DemandLapsed => "demand_lapsed",
    DemandWithdrawn => "demand_withdrawn",
    DemandReopened => "demand_reopened",
    SeizureRequested => "seizure_requested",
    SeizureRegistered => "seizure_registered",
    SeizureRefused => "seizure_refused",
    SeizureReleaseRequested => "seizure_release_requested",
    SeizureReleased => "seizure_released",
    PlateWarned => "plate_warned",
    PlateImpoundOrdered => "plate_impound_ordered",
    PlateImpounded => "plate_impounded",
    PlateReleasedTemporarily => "plate_released_temporarily",
    PlateReturnDue => "plate_return_due",
    PlateReturned => "plate_returned",
    PlateActionCancelled => "plate_action_cancelled",
    AuctionNoticed => "auction_noticed",
    AuctionUnsold => "auction_unsold",
    AuctionAwarded => "auction_awarded",
    AuctionSaleDecided => "auction_sale_decided",
    AuctionPriceUnpaid => "auction_price_unpaid",
    AuctionSold => "auction_sold",
    AuctionReappraisalNeeded => "auction_reappraisal_needed",
    AuctionStopped => "auction_stopped",
    EnforcementCostIncurred => "enforcement_cost_incurred",
    PlateHandedOver => "plate_handed_over",
});

/// What a timer does when its day comes (`timer.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum TimerKind {
    /// The day after a demand's deadline: lapse it if bills are unpaid.
    DemandDeadline,
    /// Send a seizure's order to its registry (again, until it answers).
    SeizureOrder,
    /// Ask the registry whether a seizure it holds pending is registered.
    SeizureCheck,
    /// Send a seizure's release to its registry (again, until it answers).
    SeizureRelease,
    /// The day after a temporary plate release ends: due for impoundment again if unpaid.
    PlateReleaseEnd,
    /// List an auction's round at the platform (again, until it answers).
    AuctionPublish,
    /// A round's sale day: open its bids.
    AuctionOpen,
    /// The last day of the sale decision: decide it if no officer did.
    AuctionDecide,
    /// Ask the platform whether the buyer paid; past the deadline, cancel the decision.
    AuctionPrice,
    /// Withdraw a stopped auction's listing from the platform.
    AuctionWithdraw,
}

seip_core::stored_names!(TimerKind {
    DemandDeadline => "demand_deadline",
    SeizureOrder => "seizure_order",
    SeizureCheck => "seizure_check",
    SeizureRelease => "seizure_release",
    PlateReleaseEnd => "plate_release_end",
    AuctionPublish => "auction_publish",
    AuctionOpen => "auction_open",
    AuctionDecide => "auction_decide",
    AuctionPrice => "auction_price",
    AuctionWithdraw => "auction_withdraw",
});

/// Who acted when no person did.
pub mod actor {
    /// The timer scheduler.
    pub const SCHEDULER: &str = "seip:scheduler";
    /// Collection, through its events.
    pub const COLLECTION: &str = "seip:collection";
}

/// An unsettled bill of a case, as the next step needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenBill {
    /// The bill.
    pub bill_id: Uuid,
    /// Its due date.
    pub due_date: NaiveDate,
    /// Automobile tax on a known vehicle (S-2).
    pub on_vehicle: bool,
    /// The demand naming it, if any: its state and deadline.
    pub demand: Option<(DemandState, NaiveDate)>,
}

/// What a case needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Nothing: the case is settled.
    None,
    /// Issue a demand by the day given (50 days after the due date, D-1).
    IssueDemand {
        /// Last day.
        by: NaiveDate,
    },
    /// Wait for the deadline given.
    AwaitDemandDeadline {
        /// The deadline.
        by: NaiveDate,
    },
    /// Seize: a demand lapsed (S-1) or automobile tax is owed on its vehicle (S-2).
    Seize,
}

impl NextStep {
    fn urgency(self) -> (u8, Option<NaiveDate>) {
        match self {
            NextStep::Seize => (0, None),
            NextStep::IssueDemand { by } => (1, Some(by)),
            NextStep::AwaitDemandDeadline { by } => (2, Some(by)),
            NextStep::None => (3, None),
        }
    }
}

/// The most pressing step over a case's unsettled bills: seizing before demanding before
/// waiting, the earliest day first.
pub fn next_step(bills: &[OpenBill], params: &LawParams, calendar: &HolidayCalendar) -> NextStep {
    bills
        .iter()
        .map(|b| match b.demand {
            _ if b.on_vehicle => NextStep::Seize,
            Some((DemandState::Lapsed, _)) => NextStep::Seize,
            Some((DemandState::Issued, deadline)) => NextStep::AwaitDemandDeadline { by: deadline },
            // Paid or withdrawn demands leave no unsettled bill; a bill demanded again after
            // a reinstated overdue is demanded anew.
            Some(_) | None => NextStep::IssueDemand {
                by: demand_deadlines(b.due_date, None, params, calendar)
                    .map(|d| d.issue_by)
                    .unwrap_or(b.due_date),
            },
        })
        .min_by_key(|s| s.urgency())
        .unwrap_or(NextStep::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn bill(
        due: NaiveDate,
        on_vehicle: bool,
        demand: Option<(DemandState, NaiveDate)>,
    ) -> OpenBill {
        OpenBill {
            bill_id: Uuid::now_v7(),
            due_date: due,
            on_vehicle,
            demand,
        }
    }

    #[test]
    fn the_most_pressing_step_wins() {
        let p = LawParams::statutory();
        let cal = HolidayCalendar::korea();
        let due = d(2026, 6, 30);
        assert_eq!(next_step(&[], p, &cal), NextStep::None);
        assert_eq!(
            next_step(&[bill(due, false, None)], p, &cal),
            NextStep::IssueDemand { by: d(2026, 8, 19) }
        );
        let waiting = bill(due, false, Some((DemandState::Issued, d(2026, 8, 31))));
        assert_eq!(
            next_step(&[waiting, bill(d(2026, 7, 31), false, None)], p, &cal),
            NextStep::IssueDemand { by: d(2026, 9, 19) }
        );
        assert_eq!(
            next_step(&[waiting], p, &cal),
            NextStep::AwaitDemandDeadline { by: d(2026, 8, 31) }
        );
        let lapsed = bill(due, false, Some((DemandState::Lapsed, d(2026, 8, 31))));
        assert_eq!(next_step(&[waiting, lapsed], p, &cal), NextStep::Seize);
        assert_eq!(
            next_step(&[bill(due, true, None)], p, &cal),
            NextStep::Seize
        );
    }
}
