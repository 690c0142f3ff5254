//! Tax items (세목) and their codes as printed on a bill and carried in the treasury feed.

use serde::{Deserialize, Serialize};

use crate::InvalidField;

/// A tax item (세목). The 3-digit code is what the bill prints and the treasury feed carries;
/// the 2-digit group is the `II` segment of the electronic payment number.
///
/// Stored by its [`name`](TaxItem::name) (`Display` and `FromStr` speak it); with the `db`
/// feature a sea-orm column may hold a `TaxItem` directly, and a stored name no version of
/// Seip wrote fails the read, naming the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "db", sea_orm(value_type = "String"))]
#[serde(rename_all = "snake_case")]
pub enum TaxItem {
    /// 자동차세 (자동차 소유분).
    AutomobileTax,
    /// 지방교육세 (surtax billed on the same notice).
    LocalEducationTax,
    /// 주민세 개인분.
    ResidentTaxIndividual,
    /// 주민세 사업소분.
    ResidentTaxPremises,
    /// 주민세 종업원분.
    ResidentTaxPayroll,
    /// 과태료.
    AdminFine,
    /// 체납처분비: the costs of enforcement charged to the delinquent (appraisal, publication,
    /// the auction agent's fee). Never levied; bears no late charge; a payment pays it first
    /// (P-3).
    EnforcementCost,
}

impl TaxItem {
    /// Every tax item, in report order.
    pub const ALL: [TaxItem; 7] = [
        TaxItem::AutomobileTax,
        TaxItem::LocalEducationTax,
        TaxItem::ResidentTaxIndividual,
        TaxItem::ResidentTaxPremises,
        TaxItem::ResidentTaxPayroll,
        TaxItem::AdminFine,
        TaxItem::EnforcementCost,
    ];

    /// True for what assessment decides (부과): every item but enforcement costs, which
    /// arrears enforcement charges.
    pub fn is_levied(self) -> bool {
        self != TaxItem::EnforcementCost
    }

    /// The 3-digit tax item code (세목코드).
    pub fn code(self) -> &'static str {
        match self {
            TaxItem::AutomobileTax => "501",
            TaxItem::LocalEducationTax => "601",
            TaxItem::ResidentTaxIndividual => "301",
            TaxItem::ResidentTaxPremises => "302",
            TaxItem::ResidentTaxPayroll => "303",
            TaxItem::AdminFine => "901",
            TaxItem::EnforcementCost => "991",
        }
    }

    /// The 2-digit group used in the electronic payment number.
    pub fn group(self) -> &'static str {
        &self.code()[..2]
    }

    /// The identifier used in proto enums, SQL and reports (GLOSSARY.md).
    pub fn name(self) -> &'static str {
        match self {
            TaxItem::AutomobileTax => "automobile_tax",
            TaxItem::LocalEducationTax => "local_education_tax",
            TaxItem::ResidentTaxIndividual => "resident_tax_individual",
            TaxItem::ResidentTaxPremises => "resident_tax_premises",
            TaxItem::ResidentTaxPayroll => "resident_tax_payroll",
            TaxItem::AdminFine => "admin_fine",
            TaxItem::EnforcementCost => "enforcement_cost",
        }
    }

    /// The name a notice prints (세목).
    pub fn korean_name(self) -> &'static str {
        match self {
            TaxItem::AutomobileTax => "자동차세",
            TaxItem::LocalEducationTax => "지방교육세",
            TaxItem::ResidentTaxIndividual => "주민세(개인분)",
            TaxItem::ResidentTaxPremises => "주민세(사업소분)",
            TaxItem::ResidentTaxPayroll => "주민세(종업원분)",
            TaxItem::AdminFine => "과태료",
            TaxItem::EnforcementCost => "체납처분비",
        }
    }

    /// The tax item from its code, naming `field` when the code is unknown.
    pub fn from_code(code: &str, field: &str) -> Result<Self, InvalidField> {
        Self::ALL
            .into_iter()
            .find(|t| t.code() == code)
            .ok_or_else(|| InvalidField::new(field, format!("unknown tax item code {code:?}")))
    }

    /// The tax item from its identifier (as stored), naming `field` when unknown.
    pub fn from_name(name: &str, field: &str) -> Result<Self, InvalidField> {
        Self::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| InvalidField::new(field, format!("unknown tax item {name:?}")))
    }
}

impl std::fmt::Display for TaxItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TaxItem {
    type Err = InvalidField;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::from_name(name, "tax_item")
    }
}
