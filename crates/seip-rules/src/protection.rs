//! Protected amounts in seizure (압류금지 재산, 지방세징수법 §40–§42, 시행령 §46–§47;
//! RULES.md S-4).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::law::LawParams;
use crate::{RuleError, Won};

/// The split of a wage (or retirement pay) between what is protected and what may be seized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtectedAmount {
    /// Net amount (after tax and social insurance).
    pub net: Won,
    /// 압류금지 part.
    pub protected: Won,
    /// Seizable part.
    pub seizable: Won,
}

/// 급여 압류금지 (지방세징수법 §42, 시행령 §46; S-4): half of the net monthly wage is
/// protected, at least the minimum (2,500,000) — the whole wage when it is below — and for
/// high earners only `ceiling + (net/2 − ceiling)/2` (ceiling 3,000,000). Amounts by `on`.
pub fn protected_wage(
    net_monthly: Won,
    on: NaiveDate,
    params: &LawParams,
) -> Result<ProtectedAmount, RuleError> {
    if net_monthly.is_negative() {
        return Err(RuleError::invalid(
            "net_wage",
            format!("{net_monthly} won is negative"),
        ));
    }
    let minimum = params.protected_wage_minimum.get(on, "on")?;
    let ceiling = params.protected_wage_ceiling.get(on, "on")?.to_decimal();
    let half = net_monthly.to_decimal() / Decimal::TWO;
    let protected = if half > ceiling {
        Won::floor1(ceiling + (half - ceiling) / Decimal::TWO)
    } else {
        Won::floor1(half).max(minimum).min(net_monthly)
    };
    Ok(ProtectedAmount {
        net: net_monthly,
        protected,
        seizable: net_monthly - protected,
    })
}

/// 퇴직급여 압류금지 (§42): half of the net retirement pay.
pub fn protected_retirement_pay(net: Won) -> Result<ProtectedAmount, RuleError> {
    if net.is_negative() {
        return Err(RuleError::invalid(
            "net_retirement_pay",
            format!("{net} won is negative"),
        ));
    }
    let protected = Won::floor1(net.to_decimal() / Decimal::TWO);
    Ok(ProtectedAmount {
        net,
        protected,
        seizable: net - protected,
    })
}

/// 예금 압류금지 (§40, 시행령 §47): deposits of one person up to 2,500,000 won in total are
/// protected.
pub fn protected_deposit(
    balance: Won,
    on: NaiveDate,
    params: &LawParams,
) -> Result<ProtectedAmount, RuleError> {
    if balance.is_negative() {
        return Err(RuleError::invalid(
            "deposit_balance",
            format!("{balance} won is negative"),
        ));
    }
    let limit = params.protected_deposit.get(on, "on")?;
    let protected = balance.min(limit);
    Ok(ProtectedAmount {
        net: balance,
        protected,
        seizable: balance - protected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
    }

    #[test]
    fn e_s1_wages() {
        let p = LawParams::statutory();
        let w = protected_wage(Won::new(4_000_000), on(), p).unwrap();
        assert_eq!(
            (w.protected, w.seizable),
            (Won::new(2_500_000), Won::new(1_500_000))
        );
        let w = protected_wage(Won::new(10_000_000), on(), p).unwrap();
        assert_eq!(
            (w.protected, w.seizable),
            (Won::new(4_000_000), Won::new(6_000_000))
        );
        let w = protected_wage(Won::new(2_000_000), on(), p).unwrap();
        assert_eq!(w.seizable, Won::ZERO);
        let w = protected_wage(Won::new(6_000_000), on(), p).unwrap();
        assert_eq!(w.protected, Won::new(3_000_000));
    }

    #[test]
    fn deposits_and_retirement() {
        let p = LawParams::statutory();
        assert_eq!(
            protected_deposit(Won::new(3_000_000), on(), p)
                .unwrap()
                .seizable,
            Won::new(500_000)
        );
        assert_eq!(
            protected_retirement_pay(Won::new(10_000_001))
                .unwrap()
                .protected,
            Won::new(5_000_000)
        );
    }
}
