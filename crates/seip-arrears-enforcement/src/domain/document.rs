//! Documents arrears enforcement issues, rendered from one template per kind (Korean,
//! escaped, checked at compile time).

use askama::Template;
use chrono::NaiveDate;

/// One bill line of a demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandLine {
    /// 전자납부번호.
    pub e_payment_number: String,
    /// Principal, formatted.
    pub principal: String,
    /// Late charges, formatted.
    pub late_charge: String,
    /// Both, formatted.
    pub total: String,
}

/// A demand notice (독촉장) with the legally required items: tax, amount per bill, the
/// deadline, how to pay and how to appeal.
#[derive(Debug, Clone, Template)]
#[template(path = "demand.html")]
pub struct DemandDocument {
    /// Demand id.
    pub demand_id: String,
    /// Taxpayer id (names and addresses are assessment's: it delivers).
    pub taxpayer_id: String,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// The due date missed.
    pub due_date: NaiveDate,
    /// The deadline.
    pub deadline: NaiveDate,
    /// The bills.
    pub bills: Vec<DemandLine>,
    /// Principal, formatted.
    pub principal: String,
    /// Late charges, formatted.
    pub late_charge: String,
    /// Total, formatted.
    pub total: String,
}

/// An amount as a notice shows it: `1,234,567`.
pub fn won(n: i64) -> String {
    seip_rules::Won::new(n).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demand_renders_in_korean_with_its_bills_escaped() {
        let d = DemandDocument {
            demand_id: "d-1".into(),
            taxpayer_id: "<t>".into(),
            issued_on: NaiveDate::from_ymd_opt(2026, 8, 10).unwrap(),
            due_date: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            deadline: NaiveDate::from_ymd_opt(2026, 8, 31).unwrap(),
            bills: vec![DemandLine {
                e_payment_number: "1111012650000000001".into(),
                principal: won(199_800),
                late_charge: won(5_990),
                total: won(205_790),
            }],
            principal: won(199_800),
            late_charge: won(5_990),
            total: won(205_790),
        };
        let html = d.render().unwrap();
        assert!(html.contains("지방세 독촉장"));
        assert!(html.contains("2026-08-31까지"));
        assert!(html.contains("205,790원"));
        assert!(
            html.contains("&#60;t&#62;") || html.contains("&lt;t&gt;"),
            "{html}"
        );
        assert!(!html.contains("<t>"));
    }
}
