//! Resident registration number (주민등록번호): validated, never printed.

use chrono::NaiveDate;
use seip_core::InvalidField;

/// A resident registration number, 13 digits. Its `Debug` hides the digits so it can
/// never reach a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ResidentRegistrationNumber(String);

impl std::fmt::Debug for ResidentRegistrationNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResidentRegistrationNumber(******-*******)")
    }
}

impl ResidentRegistrationNumber {
    /// Parse `YYMMDD-GNNNNNN` (dash optional). Checks the shape, the birth date and the
    /// gender/century digit; numbers issued since October 2020 carry no check digit, so none
    /// is tested. Errors never echo the value.
    pub fn parse(s: &str) -> Result<Self, InvalidField> {
        const FIELD: &str = "resident_registration_number";
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidField::new(
                FIELD,
                "expected 13 digits (YYMMDD-GNNNNNN)",
            ));
        }
        let n = |r: std::ops::Range<usize>| digits[r].parse::<u32>().unwrap_or(0);
        let century = match digits.as_bytes()[6] {
            b'9' | b'0' => 1800,
            b'1' | b'2' | b'5' | b'6' => 1900,
            b'3' | b'4' | b'7' | b'8' => 2000,
            _ => unreachable!("all digits are covered"),
        };
        let year = i32::try_from(century + n(0..2)).unwrap_or(0);
        if NaiveDate::from_ymd_opt(year, n(2..4), n(4..6)).is_none() {
            return Err(InvalidField::new(
                FIELD,
                "the first six digits are not a valid birth date",
            ));
        }
        Ok(Self(digits))
    }

    /// The 13 digits, for encryption and the blind index only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_and_hides_digits() {
        let r = ResidentRegistrationNumber::parse("900101-1234567").unwrap();
        assert_eq!(r.expose(), "9001011234567");
        assert!(!format!("{r:?}").contains("900101"));
    }

    #[test]
    fn rejects_without_echoing() {
        let e = ResidentRegistrationNumber::parse("901301-1234567").unwrap_err();
        assert!(e.reason.contains("birth date"));
        assert!(!e.to_string().contains("901301"));
        assert!(ResidentRegistrationNumber::parse("12345").is_err());
    }
}
