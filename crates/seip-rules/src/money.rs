//! `Won`: an amount of Korean won (원), whole won, exact.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

/// An amount of money in whole Korean won (원).
///
/// Backed by `rust_decimal` so that rates (22/100,000, 0.66 %, …) multiply exactly; the
/// value itself is always a whole number of won. Arithmetic on `Won` panics on overflow
/// rather than wrapping (a `Decimal` holds 28 digits, far beyond any municipality's
/// revenue); use the `checked_*` forms where the operands come from outside.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(from = "i64", into = "i64")]
pub struct Won(Decimal);

impl Won {
    /// Zero won.
    pub const ZERO: Won = Won(Decimal::ZERO);

    /// `n` whole won.
    pub fn new(n: i64) -> Self {
        Won(Decimal::from(n))
    }

    /// A whole-won amount from a decimal; `None` when it has a fractional part.
    pub fn from_whole(d: Decimal) -> Option<Self> {
        (d.fract().is_zero()).then(|| Won(d.normalize()))
    }

    /// Drop the part below 10 won (끝수 계산, 지방세기본법 §59 → 국고금관리법 §47; C-2).
    ///
    /// An amount wholly below 10 won becomes 0. Negative inputs are floored toward zero
    /// so that a refund is never rounded up in the payer's disfavour.
    pub fn floor10(d: Decimal) -> Self {
        let ten = Decimal::TEN;
        Won(((d / ten).trunc() * ten).normalize())
    }

    /// Drop the part below 1 won (used where the law rounds to the won, not to 10 won).
    pub fn floor1(d: Decimal) -> Self {
        Won(d.trunc().normalize())
    }

    /// The exact decimal value, for multiplying by rates.
    pub fn to_decimal(self) -> Decimal {
        self.0
    }

    /// The amount as `i64` whole won (wire format, database columns).
    pub fn to_i64(self) -> i64 {
        // A Won is whole by construction and bounded by the checked arithmetic that made it;
        // values beyond i64 (9.2 × 10^18 won) cannot arise from real revenue.
        self.0.to_i64().unwrap_or(if self.0.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        })
    }

    /// `self + rhs`, or `None` on overflow.
    pub fn checked_add(self, rhs: Won) -> Option<Won> {
        self.0.checked_add(rhs.0).map(Won)
    }

    /// `self - rhs`, or `None` on overflow.
    pub fn checked_sub(self, rhs: Won) -> Option<Won> {
        self.0.checked_sub(rhs.0).map(Won)
    }

    /// True when the amount is zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// True when the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// The smaller of two amounts.
    pub fn min(self, other: Won) -> Won {
        if self <= other { self } else { other }
    }

    /// `max(self - rhs, 0)`.
    pub fn saturating_sub(self, rhs: Won) -> Won {
        if rhs >= self {
            Won::ZERO
        } else {
            Won(self.0 - rhs.0)
        }
    }
}

impl From<Won> for i64 {
    fn from(w: Won) -> i64 {
        w.to_i64()
    }
}

impl From<i64> for Won {
    fn from(n: i64) -> Won {
        Won::new(n)
    }
}

impl Add for Won {
    type Output = Won;
    fn add(self, rhs: Won) -> Won {
        Won(self.0 + rhs.0)
    }
}

impl AddAssign for Won {
    fn add_assign(&mut self, rhs: Won) {
        self.0 += rhs.0;
    }
}

impl Sub for Won {
    type Output = Won;
    fn sub(self, rhs: Won) -> Won {
        Won(self.0 - rhs.0)
    }
}

impl Sum for Won {
    fn sum<I: Iterator<Item = Won>>(iter: I) -> Won {
        iter.fold(Won::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Won {
    /// `1,234,560` — grouped by thousands, as on a notice.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.to_i64();
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        f.pad(&out)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn floor10_drops_below_ten_won() {
        assert_eq!(Won::floor10(dec!(106267)), Won::new(106_260));
        assert_eq!(Won::floor10(dec!(18283.07)), Won::new(18_280));
        assert_eq!(Won::floor10(dec!(9.99)), Won::ZERO);
    }

    #[test]
    fn display_groups_thousands() {
        assert_eq!(Won::new(1_234_567).to_string(), "1,234,567");
        assert_eq!(Won::new(-5_990).to_string(), "-5,990");
        assert_eq!(Won::ZERO.to_string(), "0");
    }
}
