//! Allocation of partial payments (징수 순위, 지방세징수법 §4; 지방행정제재·부과금법 §4;
//! RULES.md P-3).

use serde::{Deserialize, Serialize};

use crate::{RuleError, Won};

/// What a claim of the municipality is, for the allocation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// 체납처분비: always first.
    EnforcementCost,
    /// 지방세 principal (가산세 excluded) / 부과금 (non-tax).
    Principal,
    /// 가산세 (local tax) / 가산금 (non-tax): last.
    Charges,
}

/// One open claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Kind.
    pub kind: ClaimKind,
    /// Amount open.
    pub amount: Won,
    /// A 도세 whose collection was delegated to the 시·군: ranks before the 시·군세 of the same
    /// kind (§4 후단).
    pub delegated_provincial: bool,
}

/// Result of allocating one payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// Amount applied to each claim, in the order the claims were given.
    pub applied: Vec<Won>,
    /// What is left over: an overpayment (과오납) to refund (R-F1).
    pub overpayment: Won,
}

/// 징수 순위 (지방세징수법 §4; 부과금법 §4): 체납처분비 → principal → 가산세/가산금; a delegated
/// 도세 before the 시·군세 of the same kind; otherwise in the order given (oldest first is the
/// caller's convention). Never applies more than was paid, nor more than a claim is open.
pub fn allocate(payment: Won, claims: &[Claim]) -> Result<Allocation, RuleError> {
    if payment.is_negative() {
        return Err(RuleError::invalid(
            "payment",
            format!("{payment} won is negative"),
        ));
    }
    if let Some(c) = claims.iter().find(|c| c.amount.is_negative()) {
        return Err(RuleError::invalid(
            "claim_amount",
            format!("{} won is negative", c.amount),
        ));
    }
    let mut order: Vec<usize> = (0..claims.len()).collect();
    order.sort_by_key(|&i| (claims[i].kind, !claims[i].delegated_provincial, i));
    let mut applied = vec![Won::ZERO; claims.len()];
    let mut left = payment;
    for i in order {
        let take = left.min(claims[i].amount);
        applied[i] = take;
        left = left - take;
    }
    Ok(Allocation {
        applied,
        overpayment: left,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(kind: ClaimKind, amount: i64, provincial: bool) -> Claim {
        Claim {
            kind,
            amount: Won::new(amount),
            delegated_provincial: provincial,
        }
    }

    #[test]
    fn order_is_costs_principal_charges() {
        let claims = [
            claim(ClaimKind::Charges, 5_990, false),
            claim(ClaimKind::Principal, 199_800, false),
            claim(ClaimKind::EnforcementCost, 3_000, false),
        ];
        let a = allocate(Won::new(205_000), &claims).unwrap();
        assert_eq!(
            a.applied,
            vec![Won::new(2_200), Won::new(199_800), Won::new(3_000)]
        );
        assert_eq!(a.overpayment, Won::ZERO);
        let a = allocate(Won::new(300_000), &claims).unwrap();
        assert_eq!(a.overpayment, Won::new(300_000 - 208_790));
    }

    #[test]
    fn delegated_provincial_tax_first() {
        let claims = [
            claim(ClaimKind::Principal, 100, false),
            claim(ClaimKind::Principal, 100, true),
        ];
        let a = allocate(Won::new(150), &claims).unwrap();
        assert_eq!(a.applied, vec![Won::new(50), Won::new(100)]);
    }
}
