//! Sanctions against delinquents and their thresholds (RULES.md §3.9, M-1; 지방세징수법 §7–§11의4,
//! §39의2; 지방행정제재·부과금법 §6, §7의2, §7의3; 질서위반행위규제법 §52, §54).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::conventions::date;
use crate::{RuleError, Won};

/// Which body of law the arrears fall under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueKind {
    /// 지방세.
    LocalTax,
    /// 세외수입 (지방행정제재·부과금).
    AdminCharge,
    /// 과태료.
    AdminFine,
}

/// A sanction measure (§3.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sanction {
    /// 고액·상습체납자 명단공개.
    DelinquentListPublication,
    /// 신용정보 제공.
    CreditReporting,
    /// 출국금지 요청.
    TravelBan,
    /// 관허사업 제한.
    LicenceRestriction,
    /// 감치.
    Detention,
    /// 수입물품 세관 압류 (징수법 §39의2).
    CustomsSeizure,
}

/// One arrears item of a delinquent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrearsItem {
    /// Amount in arrears (including 정리보류 amounts).
    pub amount: Won,
    /// 체납 발생일 (the day after the due date).
    pub arrears_since: NaiveDate,
}

/// Facts about one delinquent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelinquentFacts {
    /// Body of law.
    pub revenue: RevenueKind,
    /// Arrears items (one bill = one item).
    pub arrears: Vec<ArrearsItem>,
    /// Risk indicators for a travel ban (assets abroad, frequent travel, …; 시행령 §15).
    pub travel_risk: bool,
    /// Ordinance threshold for list publication, 10,000,000–30,000,000 (default 10,000,000).
    pub publication_threshold: Won,
    /// Ordinance threshold for licence restriction, 300,000–1,000,000 (default 300,000).
    pub licence_threshold: Won,
}

/// One sanction's test result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SanctionCheck {
    /// Measure.
    pub sanction: Sanction,
    /// Article.
    pub article: &'static str,
    /// Whether the threshold is met.
    pub eligible: bool,
    /// Amount the threshold was tested against.
    pub tested_amount: Won,
    /// Threshold.
    pub threshold: Won,
}

fn older_than_a_year(item: &ArrearsItem, as_of: NaiveDate) -> bool {
    item.arrears_since
        .checked_add_months(Months::new(12))
        .is_some_and(|one_year| as_of >= one_year)
}

/// Check every sanction of §3.9 for a delinquent on `as_of`.
pub fn sanctions(
    facts: &DelinquentFacts,
    as_of: NaiveDate,
) -> Result<Vec<SanctionCheck>, RuleError> {
    if let Some(a) = facts.arrears.iter().find(|a| a.amount.is_negative()) {
        return Err(RuleError::invalid(
            "arrears_amount",
            format!("{} won is negative", a.amount),
        ));
    }
    if facts.publication_threshold < Won::new(10_000_000)
        || facts.publication_threshold > Won::new(30_000_000)
    {
        return Err(RuleError::invalid(
            "publication_threshold",
            format!(
                "{} is outside 10,000,000–30,000,000",
                facts.publication_threshold
            ),
        ));
    }
    if facts.licence_threshold < Won::new(300_000) || facts.licence_threshold > Won::new(1_000_000)
    {
        return Err(RuleError::invalid(
            "licence_threshold",
            format!("{} is outside 300,000–1,000,000", facts.licence_threshold),
        ));
    }
    let total: Won = facts.arrears.iter().map(|a| a.amount).sum();
    let old: Vec<&ArrearsItem> = facts
        .arrears
        .iter()
        .filter(|a| older_than_a_year(a, as_of))
        .collect();
    let old_total: Won = old.iter().map(|a| a.amount).sum();
    let year_ago = as_of.checked_sub_months(Months::new(12)).unwrap_or(as_of);
    let recent: Vec<&ArrearsItem> = facts
        .arrears
        .iter()
        .filter(|a| a.arrears_since > year_ago)
        .collect();
    let recent_total: Won = recent.iter().map(|a| a.amount).sum();
    let count = facts.arrears.len();
    let mut out = Vec::new();
    let mut push = |sanction, article, eligible, tested_amount, threshold| {
        out.push(SanctionCheck {
            sanction,
            article,
            eligible,
            tested_amount,
            threshold,
        });
    };
    let five_m = Won::new(5_000_000);
    match facts.revenue {
        RevenueKind::LocalTax => {
            let p = facts.publication_threshold;
            push(
                Sanction::DelinquentListPublication,
                "지방세징수법 §11",
                old_total >= p,
                old_total,
                p,
            );
            let credit = old_total >= five_m || (recent.len() >= 3 && recent_total >= five_m);
            push(
                Sanction::CreditReporting,
                "지방세징수법 §9; 시행령 §16②",
                credit,
                old_total.max(recent_total),
                five_m,
            );
            let ban = Won::new(30_000_000);
            push(
                Sanction::TravelBan,
                "지방세징수법 §8; 시행령 §15",
                total >= ban && facts.travel_risk,
                total,
                ban,
            );
            let l = facts.licence_threshold;
            push(
                Sanction::LicenceRestriction,
                "지방세징수법 §7; 시행령 §12",
                count >= 3 && total >= l,
                total,
                l,
            );
            let det = Won::new(50_000_000);
            let detention = old.len() >= 3 && old_total >= det;
            push(
                Sanction::Detention,
                "지방세징수법 §11의4",
                detention,
                old_total,
                det,
            );
            push(
                Sanction::CustomsSeizure,
                "지방세징수법 §39의2",
                old_total >= p,
                old_total,
                p,
            );
        }
        RevenueKind::AdminCharge => {
            let p = facts.publication_threshold;
            push(
                Sanction::DelinquentListPublication,
                "지방행정제재·부과금법 §7의3",
                old_total >= p,
                old_total,
                p,
            );
            let credit = old_total >= five_m || (recent.len() >= 3 && recent_total >= five_m);
            push(
                Sanction::CreditReporting,
                "지방행정제재·부과금법 §6",
                credit,
                old_total.max(recent_total),
                five_m,
            );
            // 3+ arrears, a year after the third arose, total ≥ 300,000 (과징금 excluded by the caller).
            let mut dates: Vec<NaiveDate> = facts.arrears.iter().map(|a| a.arrears_since).collect();
            dates.sort();
            let third_old = dates.get(2).is_some_and(|d| {
                d.checked_add_months(Months::new(12))
                    .is_some_and(|y| as_of >= y)
            });
            let l = Won::new(300_000);
            push(
                Sanction::LicenceRestriction,
                "지방행정제재·부과금법 §7의2",
                third_old && total >= l,
                total,
                l,
            );
        }
        RevenueKind::AdminFine => {
            let l = five_m;
            let three_old = old.len() >= 3;
            push(
                Sanction::LicenceRestriction,
                "질서위반행위규제법 §52",
                three_old && old_total >= l,
                old_total,
                l,
            );
            let det = Won::new(10_000_000);
            push(
                Sanction::Detention,
                "질서위반행위규제법 §54",
                three_old && old_total >= det,
                old_total,
                det,
            );
        }
    }
    Ok(out)
}

/// 명단공개 day (M-1, practice; 서울시 시세 징수 조례 시행규칙 §17): the third Wednesday of
/// November.
pub fn list_publication_day(year: i32) -> Result<NaiveDate, RuleError> {
    use chrono::Weekday;
    NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Wed, 3)
        .ok_or_else(|| RuleError::invalid("year", format!("{year} is out of range")))
}

/// 명단공개 reference date for candidates: 1 January of the year (M-1).
pub fn list_publication_reference_date(year: i32) -> Result<NaiveDate, RuleError> {
    date("year", year, 1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn facts(revenue: RevenueKind, arrears: Vec<ArrearsItem>) -> DelinquentFacts {
        DelinquentFacts {
            revenue,
            arrears,
            travel_risk: false,
            publication_threshold: Won::new(10_000_000),
            licence_threshold: Won::new(300_000),
        }
    }

    fn eligible(checks: &[SanctionCheck], s: Sanction) -> bool {
        checks.iter().any(|c| c.sanction == s && c.eligible)
    }

    #[test]
    fn local_tax_thresholds() {
        let item = |w, since| ArrearsItem {
            amount: Won::new(w),
            arrears_since: since,
        };
        let f = facts(RevenueKind::LocalTax, vec![item(12_000_000, d(2025, 1, 1))]);
        let c = sanctions(&f, d(2026, 1, 1)).unwrap();
        assert!(eligible(&c, Sanction::DelinquentListPublication));
        assert!(eligible(&c, Sanction::CreditReporting));
        assert!(!eligible(&c, Sanction::LicenceRestriction));
        let c = sanctions(&f, d(2025, 12, 31)).unwrap();
        assert!(!eligible(&c, Sanction::DelinquentListPublication));
        let f = facts(
            RevenueKind::LocalTax,
            vec![
                item(100_000, d(2026, 1, 1)),
                item(100_000, d(2026, 2, 1)),
                item(100_000, d(2026, 3, 1)),
            ],
        );
        assert!(eligible(
            &sanctions(&f, d(2026, 4, 1)).unwrap(),
            Sanction::LicenceRestriction
        ));
    }

    #[test]
    fn publication_day() {
        assert_eq!(list_publication_day(2026).unwrap(), d(2026, 11, 18));
        assert_eq!(list_publication_day(2027).unwrap(), d(2027, 11, 17));
    }
}
