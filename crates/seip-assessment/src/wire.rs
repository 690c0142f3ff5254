//! Assessment's types on the wire: protobuf of the bill and the period, shared by the gRPC
//! adapter and the events assessment publishes.

use seip_proto::assessment::v1 as pb;
use seip_proto::common::v1 as common;
use seip_rules::automobile::PeriodHalf;
use seip_runtime::convert::{date_to_proto, tax_item_to_proto, timestamp_to_proto};
use seip_runtime::error::{AppError, AppResult};

use crate::domain::bill::Bill;

/// A half-year period onto the wire.
pub fn period_to_proto(p: PeriodHalf) -> i32 {
    (match p {
        PeriodHalf::H1 => common::PeriodHalf::H1,
        PeriodHalf::H2 => common::PeriodHalf::H2,
    }) as i32
}

/// A required half-year period from the wire.
pub fn period_from_proto(v: i32, field: &str) -> AppResult<PeriodHalf> {
    match common::PeriodHalf::try_from(v) {
        Ok(common::PeriodHalf::H1) => Ok(PeriodHalf::H1),
        Ok(common::PeriodHalf::H2) => Ok(PeriodHalf::H2),
        _ => Err(AppError::invalid(
            field,
            "expected PERIOD_HALF_H1 or PERIOD_HALF_H2",
        )),
    }
}

/// A bill onto the wire.
pub fn bill_to_proto(b: &Bill) -> pb::Bill {
    pb::Bill {
        bill_id: b.id.to_string(),
        assessment_decision_id: b.decision_id.to_string(),
        taxpayer_id: b.taxpayer_id.to_string(),
        e_payment_number: b.e_payment_number.to_string(),
        tax_year: b.tax_year,
        period_half: b.period.map(period_to_proto).unwrap_or(0),
        liability_established_on: Some(date_to_proto(b.liability_established_on)),
        due_date: Some(date_to_proto(b.due_date)),
        lines: b
            .lines
            .iter()
            .map(|(t, w)| pb::BillLine {
                tax_item: tax_item_to_proto(*t),
                tax_item_code: t.code().to_owned(),
                amount_won: w.to_i64(),
            })
            .collect(),
        total_won: b.total().to_i64(),
        issued_at: Some(timestamp_to_proto(b.issued_at)),
        vehicle_id: b.vehicle_id.map(|v| v.to_string()).unwrap_or_default(),
    }
}

/// The event that tells collection, arrears enforcement and reporting of a new bill.
pub fn levy_decided(b: &Bill) -> pb::LevyDecided {
    pb::LevyDecided {
        bill: Some(bill_to_proto(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_round_trip_and_unspecified_is_refused() {
        for p in [PeriodHalf::H1, PeriodHalf::H2] {
            assert_eq!(
                period_from_proto(period_to_proto(p), "period_half").unwrap(),
                p
            );
        }
        let e = period_from_proto(0, "period_half").unwrap_err();
        assert!(e.to_string().starts_with("period_half: "), "{e}");
    }
}
