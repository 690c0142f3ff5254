//! Public auction of seized assets (공매, 지방세징수법 §71–§103의3; RULES.md §3.5) and the
//! distribution of its proceeds (배분, §98–§99 with the order of §4, P-3).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocation::{Claim, allocate};
use crate::calendar::HolidayCalendar;
use crate::conventions::add_days;
use crate::law::LawParams;
use crate::{RuleError, Won};

/// The reserve price (최저매각예정가격) of auction round `round` (1 = the first auction) of
/// an asset appraised at `appraised`: each re-auction cuts it by 10 % of the original, down to
/// 50 % (§91③). `None` past the floor: the asset must be re-appraised.
pub fn reserve_price(
    appraised: Won,
    round: u32,
    params: &LawParams,
) -> Result<Option<Won>, RuleError> {
    if !appraised.to_decimal().is_sign_positive() || appraised.is_zero() {
        return Err(RuleError::invalid(
            "appraised_value",
            format!("{appraised} won is not positive"),
        ));
    }
    if round == 0 {
        return Err(RuleError::invalid("round", "rounds count from 1"));
    }
    let cut = params.reauction_cut_rate * Decimal::from(round - 1);
    let rate = Decimal::ONE - cut;
    if rate < params.reauction_floor_rate {
        return Ok(None);
    }
    Ok(Some(Won::floor1(appraised.to_decimal() * rate)))
}

/// The first day the auction of `round` may be held after its public notice on
/// `notice_on`: 10 days after the notice, 5 for a re-auction (§84, §91④).
pub fn earliest_sale_day(notice_on: NaiveDate, round: u32, params: &LawParams) -> NaiveDate {
    let days = if round <= 1 {
        params.auction_notice_days
    } else {
        params.reauction_notice_days
    };
    add_days(notice_on, u64::from(days))
}

/// The least deposit (공매보증) a bidder must put up: 10 % of the reserve, rounded up to the
/// won (§76).
pub fn minimum_deposit(reserve: Won, params: &LawParams) -> Won {
    Won::from_whole((reserve.to_decimal() * params.auction_deposit_rate).ceil()).unwrap_or(reserve)
}

/// One bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bid {
    /// Amount offered.
    pub amount: Won,
    /// Deposit put up.
    pub deposit: Won,
}

/// Why a bid does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BidDefect {
    /// Under the reserve price (§88).
    UnderReserve,
    /// The deposit is under 10 % of the reserve (§76).
    DepositTooSmall,
}

/// Whether `bid` may take part in an auction with reserve `reserve`.
pub fn check_bid(bid: Bid, reserve: Won, params: &LawParams) -> Result<(), BidDefect> {
    if bid.amount < reserve {
        return Err(BidDefect::UnderReserve);
    }
    if bid.deposit < minimum_deposit(reserve, params) {
        return Err(BidDefect::DepositTooSmall);
    }
    Ok(())
}

/// The winning bid (§88): the highest valid bid; of equal highest bids the first received
/// (the law draws lots; the caller may pass them in drawn order). `None`: unsold.
pub fn winning_bid(bids: &[Bid], reserve: Won, params: &LawParams) -> Option<usize> {
    bids.iter()
        .enumerate()
        .filter(|(_, b)| check_bid(**b, reserve, params).is_ok())
        .fold(None, |best: Option<(usize, Won)>, (i, b)| match best {
            Some((_, a)) if a >= b.amount => best,
            _ => Some((i, b.amount)),
        })
        .map(|(i, _)| i)
}

/// The last day for the sale decision (매각결정): 7 business days after the bids are opened
/// on `opened_on` (§78⑥).
pub fn sale_decision_by(
    opened_on: NaiveDate,
    params: &LawParams,
    calendar: &HolidayCalendar,
) -> NaiveDate {
    let mut d = opened_on;
    let mut left = params.sale_decision_business_days;
    while left > 0 {
        d = add_days(d, 1);
        if calendar.is_business_day(d) {
            left -= 1;
        }
    }
    d
}

/// The buyer's price deadline: 7 days after the decision on `decided_on`, or `extended_days`
/// (at most 30) when extended (§92⑤); shifted off holidays (C-3).
pub fn price_deadline(
    decided_on: NaiveDate,
    extended_days: Option<u32>,
    params: &LawParams,
    calendar: &HolidayCalendar,
) -> Result<NaiveDate, RuleError> {
    let days = match extended_days {
        None => params.sale_price_days,
        Some(n) if (params.sale_price_days..=params.sale_price_max_days).contains(&n) => n,
        Some(n) => {
            return Err(RuleError::invalid(
                "extended_days",
                format!(
                    "{n} days: the price deadline may be extended to {}–{} days (§92⑤)",
                    params.sale_price_days, params.sale_price_max_days
                ),
            ));
        }
    };
    Ok(calendar.shift_deadline(add_days(decided_on, u64::from(days))))
}

/// Whether a seized asset may be sold privately instead of by auction (수의계약, §72):
/// estimated value under 10,000,000, or 5 or more failed auctions within a year.
pub fn private_sale_allowed(
    estimated_value: Won,
    failed_auctions_in_a_year: u32,
    params: &LawParams,
) -> bool {
    estimated_value < params.private_sale_below
        || failed_auctions_in_a_year >= params.private_sale_after_failures
}

/// How a sale's proceeds are distributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    /// Applied to each claim, in the order given.
    pub applied: Vec<Won>,
    /// What is left for the owner (잔여금).
    pub surplus: Won,
}

/// 배분 (§98–§99): the proceeds go to the claims of the municipality in the order of §4
/// (enforcement costs, then tax, then charges — P-3), the rest to the owner. Senior secured
/// creditors of the asset are outside this rule: pass only what the municipality collects.
pub fn distribute(proceeds: Won, claims: &[Claim]) -> Result<Distribution, RuleError> {
    let a = allocate(proceeds, claims)?;
    Ok(Distribution {
        applied: a.applied,
        surplus: a.overpayment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocation::ClaimKind;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reserve_falls_ten_percent_a_round_to_half() {
        let p = LawParams::statutory();
        let a = Won::new(12_345_678);
        let r = |n| reserve_price(a, n, p).unwrap();
        assert_eq!(r(1), Some(a));
        assert_eq!(r(2), Some(Won::new(11_111_110)));
        assert_eq!(r(6), Some(Won::new(6_172_839)));
        assert_eq!(r(7), None);
        assert!(reserve_price(Won::ZERO, 1, p).is_err());
        assert!(reserve_price(a, 0, p).is_err());
    }

    #[test]
    fn notice_deposit_and_bids() {
        let p = LawParams::statutory();
        assert_eq!(earliest_sale_day(d(2026, 10, 1), 1, p), d(2026, 10, 11));
        assert_eq!(earliest_sale_day(d(2026, 10, 1), 2, p), d(2026, 10, 6));
        let reserve = Won::new(8_000_001);
        assert_eq!(minimum_deposit(reserve, p), Won::new(800_001));
        let bid = |amount, deposit| Bid {
            amount: Won::new(amount),
            deposit: Won::new(deposit),
        };
        assert_eq!(
            check_bid(bid(7_999_999, 800_001), reserve, p),
            Err(BidDefect::UnderReserve)
        );
        assert_eq!(
            check_bid(bid(9_000_000, 800_000), reserve, p),
            Err(BidDefect::DepositTooSmall)
        );
        let bids = [
            bid(8_500_000, 800_001),
            bid(9_900_000, 100),
            bid(9_000_000, 900_000),
            bid(9_000_000, 900_000),
        ];
        assert_eq!(winning_bid(&bids, reserve, p), Some(2));
        assert_eq!(winning_bid(&bids[1..2], reserve, p), None);
    }

    #[test]
    fn decision_and_price_deadlines() {
        let p = LawParams::statutory();
        let cal = HolidayCalendar::korea();
        // Opened Thu 2026-09-17; 9/24–9/26 추석 and the weekends are skipped.
        assert_eq!(sale_decision_by(d(2026, 9, 17), p, &cal), d(2026, 9, 30));
        // 10/3 and its substitute 10/5, 10/9 한글날: 10/7 and 10/30 are business days.
        assert_eq!(
            price_deadline(d(2026, 9, 30), None, p, &cal).unwrap(),
            d(2026, 10, 7)
        );
        assert_eq!(
            price_deadline(d(2026, 9, 30), Some(30), p, &cal).unwrap(),
            d(2026, 10, 30)
        );
        // Seven days from 10/2 is 10/9, a holiday: 10/12.
        assert_eq!(
            price_deadline(d(2026, 10, 2), None, p, &cal).unwrap(),
            d(2026, 10, 12)
        );
        assert!(price_deadline(d(2026, 9, 30), Some(31), p, &cal).is_err());
        assert!(private_sale_allowed(Won::new(9_999_999), 0, p));
        assert!(!private_sale_allowed(Won::new(10_000_000), 4, p));
        assert!(private_sale_allowed(Won::new(10_000_000), 5, p));
    }

    #[test]
    fn proceeds_go_costs_tax_charges_then_owner() {
        let claim = |kind, amount| Claim {
            kind,
            amount: Won::new(amount),
            delegated_provincial: false,
        };
        let claims = [
            claim(ClaimKind::Principal, 1_000_000),
            claim(ClaimKind::Charges, 43_200),
            claim(ClaimKind::EnforcementCost, 150_000),
        ];
        let d = distribute(Won::new(1_500_000), &claims).unwrap();
        assert_eq!(
            d.applied,
            vec![Won::new(1_000_000), Won::new(43_200), Won::new(150_000)]
        );
        assert_eq!(d.surplus, Won::new(306_800));
        let short = distribute(Won::new(1_100_000), &claims).unwrap();
        assert_eq!(
            short.applied,
            vec![Won::new(950_000), Won::ZERO, Won::new(150_000)]
        );
        assert_eq!(short.surplus, Won::ZERO);
    }
}
