//! The electronic payment number (전자납부번호, specs/treasury-feed.md §3).

use std::fmt;
use std::str::FromStr;

use crate::{InvalidField, TenantCode};

/// The kind digit `K` of a payment number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// 1: periodic notice (정기분).
    Periodic = 1,
    /// 2: ad-hoc notice (수시분).
    AdHoc = 2,
    /// 3: self-assessed (신고납부).
    SelfAssessed = 3,
    /// 4: arrears notice.
    Arrears = 4,
}

/// 19 digits `TTTTT-K-YY-II-SSSSSSSSC`: tenant, kind, levy year, tax item group, serial and a
/// Luhn check digit over the first 18 digits. Routes a payment from any channel to its bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EPaymentNumber([u8; 19]);

/// The Luhn (mod 10) check digit for `digits` (ASCII), as appended to them.
pub fn luhn_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    b'0' + ((10 - (sum % 10)) % 10) as u8
}

impl EPaymentNumber {
    /// Compose a number; `serial` must fit 8 digits.
    pub fn compose(
        tenant: TenantCode,
        kind: NoticeKind,
        levy_year: i32,
        item_group: &str,
        serial: u64,
    ) -> Result<Self, InvalidField> {
        if serial > 99_999_999 {
            return Err(InvalidField::new(
                "serial",
                "the 8-digit serial range is exhausted",
            ));
        }
        if item_group.len() != 2 || !item_group.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidField::new("tax_item_group", "expected 2 digits"));
        }
        let body = format!(
            "{}{}{:02}{}{:08}",
            tenant,
            kind as u8,
            levy_year.rem_euclid(100),
            item_group,
            serial
        );
        let mut out = [0u8; 19];
        out[..18].copy_from_slice(body.as_bytes());
        out[18] = luhn_check_digit(&out[..18]);
        Ok(Self(out))
    }

    /// Parse 19 digits (dashes allowed, as printed), checking the check digit. Names `field`.
    pub fn parse_field(s: &str, field: &str) -> Result<Self, InvalidField> {
        let digits: Vec<u8> = s.bytes().filter(|&b| b != b'-').collect();
        if digits.len() != 19 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(InvalidField::new(
                field,
                "expected an electronic payment number of 19 digits",
            ));
        }
        if luhn_check_digit(&digits[..18]) != digits[18] {
            return Err(InvalidField::new(
                field,
                "electronic payment number check digit is wrong",
            ));
        }
        let mut out = [0u8; 19];
        out.copy_from_slice(&digits);
        Ok(Self(out))
    }

    /// The 19 digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The tenant segment.
    pub fn tenant(&self) -> Result<TenantCode, InvalidField> {
        TenantCode::parse_field(&self.as_str()[..5], "e_payment_number")
    }

    /// As printed on a notice: `TTTTT-K-YY-II-SSSSSSSSC`.
    pub fn printed(&self) -> String {
        let s = self.as_str();
        format!(
            "{}-{}-{}-{}-{}",
            &s[..5],
            &s[5..6],
            &s[6..8],
            &s[8..10],
            &s[10..]
        )
    }
}

impl fmt::Display for EPaymentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EPaymentNumber {
    type Err = InvalidField;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_field(s, "e_payment_number")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_numbers_round_trip_and_check() {
        let t: TenantCode = "11110".parse().unwrap();
        let n = EPaymentNumber::compose(t, NoticeKind::Periodic, 2026, "50", 42).unwrap();
        assert_eq!(n.as_str().len(), 19);
        assert_eq!(&n.as_str()[..18], "111101265000000042");
        let back: EPaymentNumber = n.printed().parse().unwrap();
        assert_eq!(back, n);
        // Any single-digit change breaks the check digit.
        let mut s = n.as_str().to_owned().into_bytes();
        s[12] = if s[12] == b'9' { b'0' } else { s[12] + 1 };
        let err = EPaymentNumber::parse_field(std::str::from_utf8(&s).unwrap(), "f").unwrap_err();
        assert!(err.reason.contains("check digit"));
    }

    #[test]
    fn luhn_known_value() {
        // 7992739871 → check digit 3 (the textbook example).
        assert_eq!(luhn_check_digit(b"7992739871"), b'3');
    }
}
