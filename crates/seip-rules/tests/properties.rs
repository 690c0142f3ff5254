//! Property tests for the invariants of `seip-rules` (issue 3).

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use seip_rules::allocation::{Claim, ClaimKind, allocate};
use seip_rules::automobile::{
    AutomobileTaxOptions, PeriodHalf, Vehicle, VehicleClass, VehicleUse, age_reduction_percent,
};
use seip_rules::late_charge::{ChargeRegime, Liability, NoticeFacts, Payment, late_charges};
use seip_rules::proration::{ProrationBasis, TransferDayConvention, prorate, transfer};
use seip_rules::{LawParams, Won};

fn day(offset: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 1, 1).unwrap() + Days::new(offset)
}

prop_compose! {
    fn any_car()(cc in 50i64..6000, start in 0u64..3000, commercial in any::<bool>()) -> Vehicle {
        Vehicle {
            class: VehicleClass::Passenger { displacement_cc: cc },
            vehicle_use: if commercial { VehicleUse::Commercial } else { VehicleUse::NonCommercial },
            age_start_date: NaiveDate::from_ymd_opt(2015, 1, 1).unwrap() + Days::new(start),
        }
    }
}

proptest! {
    /// A transfer splits a period into two shares whose sum equals the whole period's prorated
    /// tax within the rounding residue (each share floors to 10 won: residue 0 or 10 won); on
    /// the per-period basis the whole is the 기분 bill itself.
    #[test]
    fn proration_sums_to_period_tax(car in any_car(), offset in 0u64..365) {
        let opts = AutomobileTaxOptions::default();
        let date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Days::new(offset);
        let split = transfer(&car, date, TransferDayConvention::default(), &opts).unwrap();
        let half = PeriodHalf::of(date);
        let (start, end) = half.bounds(2026).unwrap();
        let whole = prorate(&car, start, end, &opts).unwrap();
        let sum = split.transferor.automobile_tax + split.transferee.automobile_tax;
        let residue = whole.automobile_tax - sum;
        prop_assert!(residue == Won::ZERO || residue == Won::new(10), "residue {residue}");
        prop_assert_eq!(split.transferor.days + split.transferee.days, whole.days);
        if whole.basis == ProrationBasis::Period {
            let levy = car.period_levy(2026, half, &opts).unwrap();
            prop_assert_eq!(whole.automobile_tax, levy.automobile_tax);
        }
    }

    /// 차령 경감 stays within 0–50 % whatever the age.
    #[test]
    fn age_reduction_within_bounds(age in 0u32..200) {
        let pct = age_reduction_percent(age);
        prop_assert!(pct <= 50);
        prop_assert_eq!(pct % 5, 0);
    }

    /// Allocation never applies more than was paid, nor more than a claim is open.
    #[test]
    fn allocation_moves_at_most_the_payment(
        payment in 0i64..10_000_000,
        claims in prop::collection::vec((0u8..3, 0i64..3_000_000, any::<bool>()), 0..8),
    ) {
        let claims: Vec<Claim> = claims.into_iter().map(|(k, a, p)| Claim {
            kind: match k { 0 => ClaimKind::EnforcementCost, 1 => ClaimKind::Principal, _ => ClaimKind::Charges },
            amount: Won::new(a),
            delegated_provincial: p,
        }).collect();
        let a = allocate(Won::new(payment), &claims).unwrap();
        let applied: Won = a.applied.iter().copied().sum();
        prop_assert_eq!(applied + a.overpayment, Won::new(payment));
        for (x, c) in a.applied.iter().zip(&claims) {
            prop_assert!(*x <= c.amount && !x.is_negative());
        }
        // Charges get money only when every principal and cost is fully paid.
        let charges_paid = a.applied.iter().zip(&claims).any(|(x, c)| c.kind == ClaimKind::Charges && !x.is_zero());
        if charges_paid {
            for (x, c) in a.applied.iter().zip(&claims) {
                if c.kind != ClaimKind::Charges { prop_assert_eq!(*x, c.amount); }
            }
        }
    }

    /// Late charges never decrease as the as-of date advances and never pass their cap.
    #[test]
    fn charges_monotone_and_capped(
        regime in 0u8..6,
        principal in 0i64..5_000_000,
        established in 0u64..3000,
        due_after in 0u64..60,
        pays in prop::collection::vec((0u64..4000, 0i64..2_000_000), 0..4),
        t1 in 0u64..6000,
        dt in 0u64..3000,
    ) {
        let params = LawParams::statutory();
        let est = day(established);
        let due = est + Days::new(due_after);
        let notice = NoticeFacts { noticed_on: due + Days::new(40), due_date: due + Days::new(60) };
        let (regime, cap) = match regime {
            0 => (ChargeRegime::LocalTaxNotice, dec!(0.75)),
            1 => (ChargeRegime::LatePaymentPenalty, dec!(0.426)),
            2 => (ChargeRegime::AdminFine, dec!(0.80)),
            3 => (ChargeRegime::SelfAssessed { notice: Some(notice) }, dec!(1.50)),
            4 => (ChargeRegime::Withholding { notice: Some(notice) }, dec!(0.50)),
            _ => (ChargeRegime::Surcharge, dec!(0.75)),
        };
        let liability = Liability {
            regime,
            principal: Won::new(principal),
            threshold_amount: None,
            liability_established_on: est,
            due_date: due,
            payer_is_government: false,
            deferrals: vec![],
        };
        let payments: Vec<Payment> = pays.into_iter().map(|(o, a)| Payment { paid_on: day(o), amount: Won::new(a) }).collect();
        let a = late_charges(&liability, &payments, day(t1), params).unwrap();
        let b = late_charges(&liability, &payments, day(t1 + dt), params).unwrap();
        prop_assert!(a.total <= b.total, "{} > {}", a.total, b.total);
        prop_assert!(b.total.to_decimal() <= Decimal::from(principal) * cap, "{} over cap", b.total);
        prop_assert!(b.months_elapsed <= 60 * 2);
    }
}
