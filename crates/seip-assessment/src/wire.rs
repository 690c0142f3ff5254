//! Assessment's types on the wire: protobuf of the bill and the period, shared by the gRPC
//! adapter and the events assessment publishes.

use seip_core::{BillId, EPaymentNumber, Won};
use seip_proto::assessment::v1 as pb;
use seip_proto::common::v1 as common;
use seip_rules::automobile::PeriodHalf;
use seip_runtime::convert::{
    date_from_proto, date_to_proto, tax_item_from_proto, tax_item_to_proto, timestamp_to_proto,
};
use seip_runtime::error::{AppError, AppResult};

use crate::domain::bill::Bill;
use crate::domain::delivery::{Channel, NoticeDelivery};
use crate::domain::notice::{DocumentKind, Notice, NoticeItem, ServedNotice};

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

/// A document kind onto the wire.
pub fn document_kind_to_proto(k: DocumentKind) -> i32 {
    (match k {
        DocumentKind::TaxNotice => pb::DocumentKind::TaxNotice,
        DocumentKind::DemandNotice => pb::DocumentKind::DemandNotice,
        DocumentKind::ArrearsGuidance => pb::DocumentKind::ArrearsGuidance,
        DocumentKind::AdminFineNotice => pb::DocumentKind::AdminFineNotice,
        DocumentKind::RefundNotice => pb::DocumentKind::RefundNotice,
        DocumentKind::ListPriorNotice => pb::DocumentKind::ListPriorNotice,
    }) as i32
}

/// A document kind from the wire; unspecified is `None`.
pub fn document_kind_from_proto(v: i32, field: &str) -> AppResult<Option<DocumentKind>> {
    Ok(Some(match pb::DocumentKind::try_from(v) {
        Ok(pb::DocumentKind::Unspecified) => return Ok(None),
        Ok(pb::DocumentKind::TaxNotice) => DocumentKind::TaxNotice,
        Ok(pb::DocumentKind::DemandNotice) => DocumentKind::DemandNotice,
        Ok(pb::DocumentKind::ArrearsGuidance) => DocumentKind::ArrearsGuidance,
        Ok(pb::DocumentKind::AdminFineNotice) => DocumentKind::AdminFineNotice,
        Ok(pb::DocumentKind::RefundNotice) => DocumentKind::RefundNotice,
        Ok(pb::DocumentKind::ListPriorNotice) => DocumentKind::ListPriorNotice,
        Err(_) => return Err(AppError::invalid(field, format!("unknown kind {v}"))),
    }))
}

/// Item `i` of a notice from the wire, naming `items[i].…` when a field is wrong.
pub fn notice_item_from_proto(i: usize, it: &pb::NoticeItem) -> AppResult<NoticeItem> {
    let field = |name: &str| format!("items[{i}].{name}");
    let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    Ok(NoticeItem {
        bill_id: optional(&it.bill_id)
            .map(|b| BillId::parse_field(&b, &field("bill_id")))
            .transpose()?,
        tax_item: tax_item_from_proto(it.tax_item, &field("tax_item"))?,
        basis: it.basis.trim().to_owned(),
        e_payment_number: optional(&it.e_payment_number)
            .map(|n| EPaymentNumber::parse_field(&n, &field("e_payment_number")))
            .transpose()?,
        virtual_account: optional(&it.virtual_account),
        due_date: date_from_proto(it.due_date.as_ref(), &field("due_date"))?,
        principal: Won::new(it.principal_won),
        late_charge: Won::new(it.late_charge_won),
    })
}

/// A notice item onto the wire.
pub fn notice_item_to_proto(it: &NoticeItem) -> pb::NoticeItem {
    pb::NoticeItem {
        bill_id: it.bill_id.map(|b| b.to_string()).unwrap_or_default(),
        tax_item: tax_item_to_proto(it.tax_item),
        basis: it.basis.clone(),
        e_payment_number: it
            .e_payment_number
            .map(|n| n.to_string())
            .unwrap_or_default(),
        virtual_account: it.virtual_account.clone().unwrap_or_default(),
        due_date: Some(date_to_proto(it.due_date)),
        principal_won: it.principal.to_i64(),
        late_charge_won: it.late_charge.to_i64(),
    }
}

/// A notice onto the wire.
pub fn notice_to_proto(n: &Notice) -> pb::Notice {
    pb::Notice {
        notice_id: n.id.to_string(),
        taxpayer_id: n.taxpayer_id.to_string(),
        kind: document_kind_to_proto(n.content.kind),
        source: n.source.to_string(),
        reference: n.reference.clone(),
        issued_on: Some(date_to_proto(n.content.issued_on)),
        deadline: Some(date_to_proto(n.content.deadline)),
        items: n.content.items.iter().map(notice_item_to_proto).collect(),
        total_won: n.content.total().to_i64(),
        created_at: Some(timestamp_to_proto(n.created_at)),
        document_number: n.document_number(),
        delivery: (match n.delivery {
            NoticeDelivery::Pending => pb::NoticeDelivery::Pending,
            NoticeDelivery::Sent => pb::NoticeDelivery::Sent,
            NoticeDelivery::ToPrint => pb::NoticeDelivery::ToPrint,
            NoticeDelivery::Printed => pb::NoticeDelivery::Printed,
            NoticeDelivery::Settled => pb::NoticeDelivery::Settled,
        }) as i32,
        served_on: n.served.map(|(on, _)| date_to_proto(on)),
        served_by: n
            .served
            .map(|(_, c)| channel_to_proto(c))
            .unwrap_or_default(),
    }
}

/// The event telling senders their notices were served.
pub fn notices_served(served: &[ServedNotice]) -> pb::NoticesServed {
    pb::NoticesServed {
        notices: served
            .iter()
            .map(|n| pb::NoticeServed {
                notice_id: n.notice_id.to_string(),
                taxpayer_id: n.taxpayer_id.to_string(),
                kind: document_kind_to_proto(n.kind),
                source: n.source.to_string(),
                reference: n.reference.clone(),
                served_on: Some(date_to_proto(n.served_on)),
                channel: channel_to_proto(n.channel),
            })
            .collect(),
    }
}

/// A channel onto the wire.
pub fn channel_to_proto(c: Channel) -> i32 {
    (match c {
        Channel::AlimTalk => pb::Channel::Alimtalk,
        Channel::Sms => pb::Channel::Sms,
        Channel::Paper => pb::Channel::Paper,
    }) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_kinds_round_trip_and_unknown_is_refused() {
        for &k in DocumentKind::ALL {
            assert_eq!(
                document_kind_from_proto(document_kind_to_proto(k), "kind").unwrap(),
                Some(k)
            );
        }
        assert_eq!(document_kind_from_proto(0, "kind").unwrap(), None);
        let e = document_kind_from_proto(99, "kind").unwrap_err();
        assert_eq!(e.to_string(), "kind: unknown kind 99");
    }

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
