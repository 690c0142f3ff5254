//! Public auction (공매, RULES.md §3.5) of a seized asset, delegated to the auction platform
//! (a port): an officer starts it on a registered seizure with the appraisal; timers list
//! each round, open its bids on the sale day, decide the sale by the last day the law
//! allows (an officer may decide earlier), and watch the buyer's payment; an unsold round,
//! or a buyer who does not pay, is re-auctioned with the reserve cut. The paid price goes
//! to collection in `AuctionSold` (it distributes it, P-3, and holds the surplus for the
//! owner); a full payment of the arrears before the decision stops the auction (§85).

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use seip_core::TenantCode;
use seip_rules::Won;
use seip_rules::auction::{price_deadline, sale_decision_by};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox;
use uuid::Uuid;

use crate::ArrearsEnforcementApp;
use crate::app::MONEY_CONSUMERS;
use crate::app::case::{Act, record, set_timer};
use crate::app::cost::{Cost, incur};
use crate::app::seizure::release_all;
use crate::domain::auction::{AuctionState, OpenedBid, open_bids, round};
use crate::domain::case::{ActionKind, CaseState, TimerKind, actor};
use crate::domain::document::won;
use crate::domain::seizure::{ReleaseReason, SeizureState};
use crate::error::ArrearsError;
use crate::ports::auction::Listing;
use crate::store::{arrears_bill, auction, enforcement_case, seizure};
use crate::wire::auction_sold;

/// The appraisal an auction starts from.
#[derive(Debug, Clone, Copy)]
pub struct Appraisal<'a> {
    /// The appraised value (감정가액): the first round's reserve.
    pub value: Won,
    /// The appraiser's fee, charged to the delinquent as enforcement costs.
    pub cost: Won,
    /// How the listing describes the asset.
    pub description: &'a str,
}

fn next_day(d: NaiveDate) -> AppResult<NaiveDate> {
    d.checked_add_days(Days::new(1))
        .ok_or_else(|| AppError::Internal("the calendar ended".into()))
}

fn tenant_of(a: &auction::Model) -> AppResult<TenantCode> {
    seip_runtime::convert::tenant(&a.tenant_code)
}

/// Where an auction stood when read: a change is written only if it still stands so.
#[derive(Debug, Clone, Copy)]
struct Read {
    id: Uuid,
    state: AuctionState,
    round: i32,
    listed: bool,
}

impl Read {
    fn of(a: &auction::Model) -> Self {
        Self {
            id: a.id,
            state: a.state,
            round: a.round,
            listed: a.listing_id.is_some(),
        }
    }
}

/// Write `am`, a change of the auction as `read`, only if nobody moved it since (a
/// replica's timer, an officer's call on the same auction): else a conflict and nothing
/// written — the caller's transaction rolls back, a timer fires again and finds the step
/// taken.
async fn save(
    txn: &DatabaseTransaction,
    am: auction::ActiveModel,
    read: Read,
) -> AppResult<auction::Model> {
    claim(txn, read).await?;
    Ok(am.update(txn).await?)
}

/// Claim the auction as `read`, else a conflict (on PostgreSQL the claim holds the row's
/// lock to the commit, so a second writer waits, then finds it moved).
async fn claim(txn: &DatabaseTransaction, read: Read) -> AppResult<()> {
    let listed = if read.listed {
        auction::Column::ListingId.is_not_null()
    } else {
        auction::Column::ListingId.is_null()
    };
    let claimed = auction::Entity::update_many()
        .col_expr(
            auction::Column::Round,
            sea_orm::sea_query::Expr::col(auction::Column::Round),
        )
        .filter(auction::Column::Id.eq(read.id))
        .filter(auction::Column::State.eq(read.state))
        .filter(auction::Column::Round.eq(read.round))
        .filter(listed)
        .exec(txn)
        .await?
        .rows_affected;
    if claimed != 1 {
        return Err(AppError::Conflict(format!(
            "auction_id: auction {} changed while this step was taken; look again",
            read.id
        )));
    }
    Ok(())
}

/// The bids of an auction's last opened round.
pub fn opened_bids(a: &auction::Model) -> Vec<OpenedBid> {
    serde_json::from_str(&a.bids).unwrap_or_default()
}

/// Auction `id` of municipality `tenant`, read on `conn`.
async fn auction_in<C: sea_orm::ConnectionTrait>(
    conn: &C,
    tenant: TenantCode,
    id: Uuid,
) -> AppResult<auction::Model> {
    auction::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|a| a.tenant_code == tenant.as_str())
        .ok_or_else(|| ArrearsError::NoAuction(id, tenant).into())
}

/// Record `kind` on auction `a` in its case, done at `at` for the business day `on`.
async fn note(
    txn: &DatabaseTransaction,
    a: &auction::Model,
    by: &str,
    kind: ActionKind,
    (at, on): (DateTime<Utc>, NaiveDate),
    reason: String,
    detail: serde_json::Value,
) -> AppResult<()> {
    record(
        txn,
        tenant_of(a)?,
        at,
        on,
        Act {
            case_id: a.case_id,
            actor: by,
            kind,
            subject: a.id.to_string(),
            reason,
            detail,
        },
    )
    .await
}

/// What a round says in the case's record.
fn round_reason(a: &auction::Model) -> String {
    format!(
        "round {}: appraised {} won, reserve {} won, deposit ≥ {} won; noticed {}, sale on {}",
        a.round,
        won(a.appraised_won),
        won(a.reserve_won),
        won(a.deposit_won),
        a.notice_on,
        a.sale_on
    )
}

impl ArrearsEnforcementApp {
    fn round_of(
        &self,
        appraised: i64,
        n: u32,
        notice_on: NaiveDate,
    ) -> AppResult<Option<crate::domain::auction::Round>> {
        Ok(round(
            Won::new(appraised),
            n,
            notice_on,
            &self.params,
            &self.calendar,
        )?)
    }

    /// Put the asset of seizure `seizure_id` to auction, appraised at `appraisal.value`,
    /// inside the caller's transaction: round 1 is noticed today; the listing follows by a
    /// timer. The appraisal's fee is charged to the delinquent as enforcement costs.
    pub async fn start_auction(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        seizure_id: Uuid,
        appraisal: Appraisal<'_>,
        by: &str,
    ) -> AppResult<auction::Model> {
        let now = self.clock.now();
        let today = self.clock.today();
        let Appraisal {
            value: appraised,
            cost,
            description,
        } = appraisal;
        if appraised.to_i64() <= 0 {
            return Err(AppError::invalid(
                "appraised_value_won",
                "the appraised value must be positive",
            ));
        }
        if cost.is_negative() {
            return Err(AppError::invalid(
                "appraisal_cost_won",
                "the appraisal's fee must not be negative",
            ));
        }
        if description.trim().is_empty() {
            return Err(AppError::invalid(
                "description",
                "the listing must describe the asset",
            ));
        }
        // Locked: an officer's release of the same seizure waits for this decision.
        let s = seizure::Entity::find_by_id(seizure_id)
            .lock_exclusive()
            .one(txn)
            .await?
            .filter(|s| s.tenant_code == tenant.as_str())
            .ok_or(ArrearsError::NoSeizure(seizure_id, tenant))?;
        if s.state != SeizureState::Registered {
            return Err(ArrearsError::SeizureNotPerfected(seizure_id, s.state.as_str()).into());
        }
        let case = enforcement_case::Entity::find_by_id(s.case_id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal(format!("seizure {seizure_id} has no case")))?;
        if case.state != CaseState::Active {
            return Err(ArrearsError::NothingOwed(
                seip_core::TaxpayerId::from_uuid(s.taxpayer_id),
                tenant,
            )
            .into());
        }
        if let Some(a) = under_way(txn, seizure_id).await? {
            return Err(ArrearsError::AuctionUnderWay(a).into());
        }
        let r = self
            .round_of(appraised.to_i64(), 1, today)?
            .ok_or_else(|| AppError::Internal("round 1 has no reserve".into()))?;
        let id = Uuid::now_v7();
        let a = auction::ActiveModel {
            id: Set(id),
            tenant_code: Set(tenant.to_string()),
            case_id: Set(s.case_id),
            seizure_id: Set(seizure_id),
            taxpayer_id: Set(s.taxpayer_id),
            state: Set(AuctionState::Noticed),
            round: Set(1),
            appraised_won: Set(appraised.to_i64()),
            reserve_won: Set(r.reserve.to_i64()),
            deposit_won: Set(r.deposit.to_i64()),
            description: Set(description.trim().to_owned()),
            notice_on: Set(r.notice_on),
            sale_on: Set(r.sale_on),
            listing_id: Set(None),
            bids: Set("[]".into()),
            winning_bid_won: Set(None),
            decision_by: Set(None),
            decided_on: Set(None),
            price_due_on: Set(None),
            paid_on: Set(None),
            proceeds_won: Set(None),
            note: Set(None),
            started_by: Set(by.to_owned()),
            started_at: Set(now),
        }
        .insert(txn)
        .await?;
        note(
            txn,
            &a,
            by,
            ActionKind::AuctionNoticed,
            (now, today),
            round_reason(&a),
            serde_json::json!({ "round": 1, "reserve_won": a.reserve_won }),
        )
        .await?;
        if cost.to_i64() > 0 {
            incur(
                txn,
                tenant,
                Cost {
                    case_id: a.case_id,
                    taxpayer_id: a.taxpayer_id,
                    amount: cost,
                    reason: &format!("the appraisal of the seized asset for auction {id}"),
                    by,
                },
                now,
                today,
            )
            .await?;
        }
        set_timer(
            txn,
            tenant,
            a.case_id,
            TimerKind::AuctionPublish,
            id,
            today,
            now,
        )
        .await?;
        Ok(a)
    }

    /// Auction `id` of the municipality.
    pub async fn auction(&self, tenant: TenantCode, id: Uuid) -> AppResult<auction::Model> {
        auction_in(&self.db, tenant, id).await
    }

    /// The publish timer of auction `id` fired: list its round at the platform. A round
    /// listed later than noticed (the platform did not answer) is noticed anew today.
    pub(crate) async fn publish_auction(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let Some(a) = auction::Entity::find_by_id(id).one(txn).await? else {
            return Ok(());
        };
        if a.state != AuctionState::Noticed || a.listing_id.is_some() {
            return Ok(());
        }
        let n = u32::try_from(a.round).map_err(|_| AppError::Internal("round".into()))?;
        let r = self
            .round_of(a.appraised_won, n, a.notice_on.max(today))?
            .ok_or_else(|| AppError::Internal("a listed round has no reserve".into()))?;
        let s = seizure::Entity::find_by_id(a.seizure_id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal(format!("auction {id} has no seizure")))?;
        // Claimed before the platform hears of it: an officer's stop meanwhile waits, then
        // finds the listing and withdraws it.
        claim(txn, Read::of(&a)).await?;
        let listing_id = format!("{id}-{n}");
        self.auctions
            .publish(&Listing {
                listing_id: listing_id.clone(),
                agency: a.tenant_code.clone(),
                round: n,
                asset_kind: s.asset_kind.as_str().to_owned(),
                asset_ref: s.asset_ref.clone(),
                description: a.description.clone(),
                reserve_price: r.reserve.to_i64(),
                minimum_deposit: r.deposit.to_i64(),
                notice_on: r.notice_on,
                sale_on: r.sale_on,
            })
            .await
            .map_err(ArrearsError::AuctionPlatformUnavailable)?;
        let tenant = tenant_of(&a)?;
        let case_id = a.case_id;
        let read = Read::of(&a);
        let mut am = a.into_active_model();
        am.listing_id = Set(Some(listing_id));
        am.notice_on = Set(r.notice_on);
        am.sale_on = Set(r.sale_on);
        save(txn, am, read).await?;
        set_timer(
            txn,
            tenant,
            case_id,
            TimerKind::AuctionOpen,
            id,
            r.sale_on,
            now,
        )
        .await
    }

    /// The sale day of auction `id` came: open the round's bids; the highest valid one wins,
    /// or the asset goes to the next round.
    pub(crate) async fn open_auction(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let Some(a) = auction::Entity::find_by_id(id).one(txn).await? else {
            return Ok(());
        };
        let Some(listing_id) = a.listing_id.clone() else {
            // Not listed yet: the listing sets the sale day and this timer again.
            return Ok(());
        };
        if a.state != AuctionState::Noticed {
            return Ok(());
        }
        let bids = self
            .auctions
            .bids(&a.tenant_code, &listing_id)
            .await
            .map_err(ArrearsError::AuctionPlatformUnavailable)?;
        let opened = open_bids(&bids, Won::new(a.reserve_won), &self.params);
        let json =
            serde_json::to_string(&opened).map_err(|e| AppError::Internal(format!("bids: {e}")))?;
        let detail = serde_json::json!({ "round": a.round, "bids": opened });
        let Some(winner) = opened.iter().find(|b| b.winning).cloned() else {
            let reason = format!(
                "round {}: {} bid(s), none at or over the reserve of {} won with its deposit",
                a.round,
                opened.len(),
                won(a.reserve_won)
            );
            note(
                txn,
                &a,
                actor::SCHEDULER,
                ActionKind::AuctionUnsold,
                (now, today),
                reason,
                detail,
            )
            .await?;
            let read = Read::of(&a);
            let mut am = a.into_active_model();
            am.bids = Set(json);
            let a = save(txn, am, read).await?;
            return self.next_round(txn, a, now, today).await;
        };
        let decision_by = sale_decision_by(a.sale_on, &self.params, &self.calendar);
        let tenant = tenant_of(&a)?;
        let read = Read::of(&a);
        let mut am = a.into_active_model();
        am.state = Set(AuctionState::Awarded);
        am.bids = Set(json);
        am.winning_bid_won = Set(Some(winner.amount_won));
        am.decision_by = Set(Some(decision_by));
        let a = save(txn, am, read).await?;
        note(
            txn,
            &a,
            actor::SCHEDULER,
            ActionKind::AuctionAwarded,
            (now, today),
            format!(
                "round {}: {} bid(s); {} wins at {} won; the sale is decided by {decision_by}",
                a.round,
                opened_bids(&a).len(),
                winner.bidder_ref,
                won(winner.amount_won)
            ),
            detail,
        )
        .await?;
        set_timer(
            txn,
            tenant,
            a.case_id,
            TimerKind::AuctionDecide,
            id,
            decision_by,
            now,
        )
        .await
    }

    /// Re-auction `a` (unsold, or its buyer did not pay): the next round noticed today with
    /// the reserve cut, or, under half the appraisal, a new appraisal needed.
    async fn next_round(
        &self,
        txn: &DatabaseTransaction,
        a: auction::Model,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let tenant = tenant_of(&a)?;
        let n = u32::try_from(a.round + 1).map_err(|_| AppError::Internal("round".into()))?;
        let Some(r) = self.round_of(a.appraised_won, n, today)? else {
            let why = format!(
                "unsold after round {}: the reserve would fall under half the appraisal of {} won; appraise it again (§91③)",
                a.round,
                won(a.appraised_won)
            );
            let read = Read::of(&a);
            let mut am = a.into_active_model();
            am.state = Set(AuctionState::ReappraisalNeeded);
            am.note = Set(Some(why.clone()));
            let a = save(txn, am, read).await?;
            return note(
                txn,
                &a,
                actor::SCHEDULER,
                ActionKind::AuctionReappraisalNeeded,
                (now, today),
                why,
                serde_json::json!({ "round": a.round }),
            )
            .await;
        };
        let read = Read::of(&a);
        let mut am = a.into_active_model();
        am.state = Set(AuctionState::Noticed);
        am.round = Set(i32::try_from(n).map_err(|_| AppError::Internal("round".into()))?);
        am.reserve_won = Set(r.reserve.to_i64());
        am.deposit_won = Set(r.deposit.to_i64());
        am.notice_on = Set(r.notice_on);
        am.sale_on = Set(r.sale_on);
        am.listing_id = Set(None);
        am.winning_bid_won = Set(None);
        am.decision_by = Set(None);
        am.decided_on = Set(None);
        am.price_due_on = Set(None);
        let a = save(txn, am, read).await?;
        note(
            txn,
            &a,
            actor::SCHEDULER,
            ActionKind::AuctionNoticed,
            (now, today),
            round_reason(&a),
            serde_json::json!({ "round": n, "reserve_won": a.reserve_won }),
        )
        .await?;
        set_timer(
            txn,
            tenant,
            a.case_id,
            TimerKind::AuctionPublish,
            a.id,
            today,
            now,
        )
        .await
    }

    /// Decide the sale of auction `id` to its winning bidder (매각결정), with the buyer's
    /// price deadline `price_days` days on (7 when `None`, up to 30), inside the caller's
    /// transaction.
    pub async fn decide_sale(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: Uuid,
        price_days: Option<u32>,
        by: &str,
    ) -> AppResult<auction::Model> {
        let a = auction_in(txn, tenant, id).await?;
        if a.state != AuctionState::Awarded {
            return Err(ArrearsError::AuctionNotAwarded(id, a.state.as_str()).into());
        }
        self.decide(txn, a, price_days, by, self.clock.now(), self.clock.today())
            .await
    }

    async fn decide(
        &self,
        txn: &DatabaseTransaction,
        a: auction::Model,
        price_days: Option<u32>,
        by: &str,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<auction::Model> {
        let due = price_deadline(today, price_days, &self.params, &self.calendar)?;
        let tenant = tenant_of(&a)?;
        let read = Read::of(&a);
        let mut am = a.into_active_model();
        am.state = Set(AuctionState::Decided);
        am.decided_on = Set(Some(today));
        am.price_due_on = Set(Some(due));
        let a = save(txn, am, read).await?;
        note(
            txn,
            &a,
            by,
            ActionKind::AuctionSaleDecided,
            (now, today),
            format!(
                "sold to the winning bid of {} won; the price is due by {due}",
                won(a.winning_bid_won.unwrap_or_default())
            ),
            serde_json::json!({ "price_due_on": due }),
        )
        .await?;
        set_timer(
            txn,
            tenant,
            a.case_id,
            TimerKind::AuctionPrice,
            a.id,
            next_day(today)?,
            now,
        )
        .await?;
        Ok(a)
    }

    /// The last day of auction `id`'s decision came and no officer decided: decide it.
    pub(crate) async fn decide_by_law(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        match auction::Entity::find_by_id(id).one(txn).await? {
            Some(a) if a.state == AuctionState::Awarded => {
                self.decide(txn, a, None, actor::SCHEDULER, now, today)
                    .await?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Ask the platform whether auction `id`'s buyer paid: paid, the asset is sold and the
    /// proceeds go to collection; unpaid past the deadline, the decision is cancelled and
    /// the asset re-auctioned; else ask again tomorrow.
    pub(crate) async fn check_price(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let Some(a) = auction::Entity::find_by_id(id).one(txn).await? else {
            return Ok(());
        };
        let (Some(listing_id), Some(due), Some(price)) =
            (a.listing_id.clone(), a.price_due_on, a.winning_bid_won)
        else {
            return Ok(());
        };
        if a.state != AuctionState::Decided {
            return Ok(());
        }
        let tenant = tenant_of(&a)?;
        let settlement = self
            .auctions
            .settlement(&a.tenant_code, &listing_id)
            .await
            .map_err(ArrearsError::AuctionPlatformUnavailable)?;
        if let Some(s) = settlement.filter(|s| s.amount >= price && s.paid_on <= due) {
            return self.sold(txn, a, s.paid_on, s.amount, now, today).await;
        }
        if today <= due {
            return set_timer(
                txn,
                tenant,
                a.case_id,
                TimerKind::AuctionPrice,
                id,
                next_day(today)?,
                now,
            )
            .await;
        }
        // What the platform reports short or late is recorded for the officer to settle
        // with the buyer; it is not the price.
        let reported = settlement
            .map(|s| {
                format!(
                    " (the platform reports {} won paid on {})",
                    won(s.amount),
                    s.paid_on
                )
            })
            .unwrap_or_default();
        note(
            txn,
            &a,
            actor::SCHEDULER,
            ActionKind::AuctionPriceUnpaid,
            (now, today),
            format!(
                "the buyer did not pay {} won by {due}{reported}: the decision is cancelled",
                won(price)
            ),
            serde_json::json!({
                "price_due_on": due,
                "reported_won": settlement.map(|s| s.amount),
                "reported_paid_on": settlement.map(|s| s.paid_on),
            }),
        )
        .await?;
        // Paid up while the sale awaited its price: nothing is left to sell for.
        let active = enforcement_case::Entity::find_by_id(a.case_id)
            .one(txn)
            .await?
            .is_some_and(|c| c.state == CaseState::Active);
        if !active {
            let case_id = a.case_id;
            stop(
                txn,
                a,
                "the arrears were paid while the sale awaited its price, which the buyer did not pay",
                actor::SCHEDULER,
                now,
                today,
            )
            .await?;
            return release_all(txn, case_id, ReleaseReason::Paid, now, today).await;
        }
        self.next_round(txn, a, now, today).await
    }

    /// The buyer of `a` paid `amount` on `paid_on`: the asset is sold, the seizure ends, and
    /// the proceeds go to collection for the case's unpaid bills, oldest first.
    async fn sold(
        &self,
        txn: &DatabaseTransaction,
        a: auction::Model,
        paid_on: NaiveDate,
        amount: i64,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let tenant = tenant_of(&a)?;
        let s = seizure::Entity::find_by_id(a.seizure_id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal(format!("auction {} has no seizure", a.id)))?;
        let kind = s.asset_kind;
        let mut sm = s.into_active_model();
        sm.state = Set(SeizureState::Sold);
        sm.released_on = Set(Some(paid_on));
        sm.update(txn).await?;
        let bills: Vec<Uuid> = arrears_bill::Entity::find()
            .filter(arrears_bill::Column::TenantCode.eq(tenant.as_str()))
            .filter(arrears_bill::Column::TaxpayerId.eq(a.taxpayer_id))
            .filter(arrears_bill::Column::Settled.eq(false))
            .order_by_asc(arrears_bill::Column::ArrearsSince)
            .order_by_asc(arrears_bill::Column::BillId)
            .all(txn)
            .await?
            .into_iter()
            .map(|b| b.bill_id)
            .collect();
        let read = Read::of(&a);
        let mut am = a.into_active_model();
        am.state = Set(AuctionState::Sold);
        am.paid_on = Set(Some(paid_on));
        am.proceeds_won = Set(Some(amount));
        let a = save(txn, am, read).await?;
        note(
            txn,
            &a,
            actor::SCHEDULER,
            ActionKind::AuctionSold,
            (now, today),
            format!(
                "the buyer paid {} won on {paid_on}; the proceeds go to collection for {} unpaid bill(s), the surplus to the owner",
                won(amount),
                bills.len()
            ),
            serde_json::json!({ "proceeds_won": amount, "bills": bills }),
        )
        .await?;
        outbox::enqueue(
            txn,
            &MONEY_CONSUMERS,
            tenant.as_str(),
            &auction_sold(
                a.id,
                a.seizure_id,
                a.taxpayer_id,
                kind,
                paid_on,
                amount,
                &bills,
            ),
            now,
        )
        .await?;
        Ok(())
    }

    /// Stop auction `id` before its sale decision, for `reason`, inside the caller's
    /// transaction.
    pub async fn stop_auction(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: Uuid,
        reason: &str,
        by: &str,
    ) -> AppResult<auction::Model> {
        if reason.trim().is_empty() {
            return Err(AppError::invalid("reason", "the reason is required"));
        }
        let a = auction_in(txn, tenant, id).await?;
        if !a.state.stoppable() {
            return Err(ArrearsError::AuctionDecided(id, a.state.as_str()).into());
        }
        stop(
            txn,
            a,
            reason.trim(),
            by,
            self.clock.now(),
            self.clock.today(),
        )
        .await
    }

    /// The withdraw timer of auction `id` fired: take its listing off the platform.
    pub(crate) async fn withdraw_listing(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
    ) -> AppResult<()> {
        let Some(a) = auction::Entity::find_by_id(id).one(txn).await? else {
            return Ok(());
        };
        match (&a.listing_id, a.state) {
            (Some(listing), AuctionState::Stopped) => self
                .auctions
                .withdraw(&a.tenant_code, listing)
                .await
                .map_err(|e| ArrearsError::AuctionPlatformUnavailable(e).into()),
            _ => Ok(()),
        }
    }
}

/// Stop `a` for `reason`; its listing is withdrawn by a timer.
async fn stop(
    txn: &DatabaseTransaction,
    a: auction::Model,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<auction::Model> {
    let tenant = tenant_of(&a)?;
    let listed = a.listing_id.is_some();
    let read = Read::of(&a);
    let mut am = a.into_active_model();
    am.state = Set(AuctionState::Stopped);
    am.note = Set(Some(reason.to_owned()));
    let a = save(txn, am, read).await?;
    note(
        txn,
        &a,
        by,
        ActionKind::AuctionStopped,
        (now, today),
        format!("round {}: {reason}", a.round),
        serde_json::json!({}),
    )
    .await?;
    if listed {
        set_timer(
            txn,
            tenant,
            a.case_id,
            TimerKind::AuctionWithdraw,
            a.id,
            today,
            now,
        )
        .await?;
    }
    Ok(a)
}

/// The auction under way on seizure `seizure_id`, if any (one at a time).
pub(crate) async fn under_way(
    txn: &DatabaseTransaction,
    seizure_id: Uuid,
) -> AppResult<Option<Uuid>> {
    Ok(auction::Entity::find()
        .filter(auction::Column::SeizureId.eq(seizure_id))
        .filter(auction::Column::State.is_in(AuctionState::UNDER_WAY))
        .one(txn)
        .await?
        .map(|a| a.id))
}

/// Stop every auction of case `case_id` not yet decided: its arrears were paid (§85).
pub(crate) async fn stop_all(
    txn: &DatabaseTransaction,
    case_id: Uuid,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<()> {
    for a in auction::Entity::find()
        .filter(auction::Column::CaseId.eq(case_id))
        .filter(auction::Column::State.is_in([AuctionState::Noticed, AuctionState::Awarded]))
        .all(txn)
        .await?
    {
        stop(
            txn,
            a,
            "the arrears were paid before the sale decision (§85)",
            actor::COLLECTION,
            now,
            today,
        )
        .await?;
    }
    Ok(())
}

/// The seizures of case `case_id` whose asset is being sold (decided, awaiting the price):
/// a payment of the arrears no longer stops that sale, so they are not released.
pub(crate) async fn being_sold(txn: &DatabaseTransaction, case_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(auction::Entity::find()
        .filter(auction::Column::CaseId.eq(case_id))
        .filter(auction::Column::State.eq(AuctionState::Decided))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.seizure_id)
        .collect())
}
