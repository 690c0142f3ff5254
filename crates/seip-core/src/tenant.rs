//! The municipality a record or request belongs to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::InvalidField;

/// A municipality (지방자치단체), by its 5-digit 시군구 code (e.g. `11110` for Jongno-gu, Seoul).
/// Every record and every request carries one; no query crosses tenants unless it says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantCode([u8; 5]);

impl TenantCode {
    /// Parse a 5-digit code, naming `field` when it is not one.
    pub fn parse_field(s: &str, field: &str) -> Result<Self, InvalidField> {
        let b = s.as_bytes();
        if b.len() != 5 || !b.iter().all(u8::is_ascii_digit) {
            return Err(InvalidField::new(
                field,
                "expected a municipality code of 5 digits (e.g. 11110)",
            ));
        }
        let mut code = [0u8; 5];
        code.copy_from_slice(b);
        Ok(Self(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("00000")
    }
}

impl fmt::Display for TenantCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TenantCode {
    type Err = InvalidField;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_field(s, "tenant_code")
    }
}

impl TryFrom<String> for TenantCode {
    type Error = InvalidField;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TenantCode> for String {
    fn from(t: TenantCode) -> String {
        t.as_str().to_owned()
    }
}
