//! Public auction (공매) of a seized asset, round by round (RULES.md §3.5, from
//! `seip-rules`): what a round asks, how its bids are judged, what follows an unsold round.
//! Pure: no I/O, "today" is a parameter.

use chrono::NaiveDate;
use sea_orm::DeriveValueType;
use seip_rules::auction::{
    Bid, BidDefect, check_bid, earliest_sale_day, minimum_deposit, reserve_price, winning_bid,
};
use seip_rules::calendar::HolidayCalendar;
use seip_rules::law::LawParams;
use seip_rules::{RuleError, Won};
use serde::{Deserialize, Serialize};

use crate::ports::auction::PlatformBid;

/// Where an auction stands (`auction.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum AuctionState {
    /// A round is noticed (or about to be listed); bids are taken until the sale day.
    Noticed,
    /// The bids were opened and one won; the sale decision is due.
    Awarded,
    /// The sale was decided; the buyer's price is due.
    Decided,
    /// The buyer paid; the proceeds went to collection.
    Sold,
    /// Unsold down to half the appraisal: a new appraisal is needed.
    ReappraisalNeeded,
    /// Stopped before the decision.
    Stopped,
}

seip_core::stored_names!(AuctionState {
    Noticed => "noticed",
    Awarded => "awarded",
    Decided => "decided",
    Sold => "sold",
    ReappraisalNeeded => "reappraisal_needed",
    Stopped => "stopped",
});

impl AuctionState {
    /// The states of an auction under way: one per asset at a time.
    pub const UNDER_WAY: [AuctionState; 3] = [
        AuctionState::Noticed,
        AuctionState::Awarded,
        AuctionState::Decided,
    ];

    /// True until the sale is decided: a full payment of the arrears stops it (§85).
    pub fn stoppable(self) -> bool {
        matches!(self, AuctionState::Noticed | AuctionState::Awarded)
    }
}

/// What one round asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// 1 for the first auction.
    pub round: u32,
    /// Reserve price (§91③).
    pub reserve: Won,
    /// The least deposit (§76).
    pub deposit: Won,
    /// Day of the public notice.
    pub notice_on: NaiveDate,
    /// The sale day: ≥ 10 days after the notice (5 for a re-auction, §84, §91④), on a
    /// business day.
    pub sale_on: NaiveDate,
}

/// Round `round` of an asset appraised at `appraised`, noticed on `notice_on`; `None` when
/// the reserve would fall under half the appraisal (re-appraise, §91③).
pub fn round(
    appraised: Won,
    round: u32,
    notice_on: NaiveDate,
    params: &LawParams,
    calendar: &HolidayCalendar,
) -> Result<Option<Round>, RuleError> {
    let Some(reserve) = reserve_price(appraised, round, params)? else {
        return Ok(None);
    };
    Ok(Some(Round {
        round,
        reserve,
        deposit: minimum_deposit(reserve, params),
        notice_on,
        sale_on: calendar.shift_deadline(earliest_sale_day(notice_on, round, params)),
    }))
}

/// A bid as opened: the platform's, and how it was judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedBid {
    /// The platform's reference to the bidder.
    pub bidder_ref: String,
    /// Amount offered, won.
    pub amount_won: i64,
    /// Deposit put up, won.
    pub deposit_won: i64,
    /// Why it does not count, if so.
    pub defect: Option<String>,
    /// True for the winning bid.
    pub winning: bool,
}

/// Judge a round's bids against its reserve (§76, §88): each bid's defect, and the winner,
/// the highest valid bid, the first received of equal ones.
pub fn open_bids(bids: &[PlatformBid], reserve: Won, params: &LawParams) -> Vec<OpenedBid> {
    let judged: Vec<Bid> = bids
        .iter()
        .map(|b| Bid {
            amount: Won::new(b.amount),
            deposit: Won::new(b.deposit),
        })
        .collect();
    let winner = winning_bid(&judged, reserve, params);
    bids.iter()
        .zip(&judged)
        .enumerate()
        .map(|(i, (b, j))| OpenedBid {
            bidder_ref: b.bidder_ref.clone(),
            amount_won: b.amount,
            deposit_won: b.deposit,
            defect: check_bid(*j, reserve, params).err().map(|d| {
                match d {
                    BidDefect::UnderReserve => "under_reserve",
                    BidDefect::DepositTooSmall => "deposit_too_small",
                }
                .to_owned()
            }),
            winning: winner == Some(i),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn rounds_cut_the_reserve_and_sale_days_fall_on_business_days() {
        let p = LawParams::statutory();
        let cal = HolidayCalendar::korea();
        let a = Won::new(10_000_000);
        // Noticed Thu 2026-10-01: ten days on is Sun 10/11, so Mon 10/12.
        let r1 = round(a, 1, d(2026, 10, 1), p, &cal).unwrap().unwrap();
        assert_eq!(
            (r1.reserve, r1.deposit, r1.sale_on),
            (a, Won::new(1_000_000), d(2026, 10, 12))
        );
        // A re-auction noticed Tue 10/13: five days on is Sun 10/18, so Mon 10/19.
        let r2 = round(a, 2, d(2026, 10, 13), p, &cal).unwrap().unwrap();
        assert_eq!(
            (r2.reserve, r2.deposit, r2.sale_on),
            (Won::new(9_000_000), Won::new(900_000), d(2026, 10, 19))
        );
        assert_eq!(round(a, 7, d(2026, 10, 13), p, &cal).unwrap(), None);
    }

    #[test]
    fn bids_are_judged_and_the_highest_valid_wins() {
        let p = LawParams::statutory();
        let bid = |who: &str, amount, deposit| PlatformBid {
            bidder_ref: who.into(),
            amount,
            deposit,
        };
        let opened = open_bids(
            &[
                bid("A", 8_900_000, 900_000),
                bid("B", 9_900_000, 100_000),
                bid("C", 9_500_000, 900_000),
                bid("D", 9_500_000, 950_000),
            ],
            Won::new(9_000_000),
            p,
        );
        let summary: Vec<_> = opened
            .iter()
            .map(|b| (b.bidder_ref.as_str(), b.defect.as_deref(), b.winning))
            .collect();
        assert_eq!(
            summary,
            [
                ("A", Some("under_reserve"), false),
                ("B", Some("deposit_too_small"), false),
                ("C", None, true),
                ("D", None, false),
            ]
        );
        assert!(open_bids(&[], Won::new(1), p).is_empty());
    }
}
