//! Delivery (송달) of notices: the channels, and the one message a taxpayer receives for all
//! their pending notices — each with its amount due on the day it is sent, one total and one
//! link (Nowon's "all of a person's notices in one message").

use chrono::NaiveDate;
use seip_core::Won;

pub use super::delivery_state::{ApplicationEnd, Channel, MessageState, NoticeDelivery};
use super::notice::DocumentKind;

/// One notice as a consolidated message lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its kind.
    pub kind: DocumentKind,
    /// What is due on it on the day sent (a refund: what is paid back).
    pub amount: Won,
    /// The date it sets.
    pub deadline: NaiveDate,
}

/// The one message a taxpayer receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consolidated {
    /// Who sends it (the municipality's name, e.g. `서울특별시 종로구`).
    pub sender: String,
    /// The recipient's name, opened to address them (never logged).
    pub name: String,
    /// The notices, in the order handed over.
    pub notices: Vec<Listed>,
    /// The day the amounts are as of.
    pub as_of: NaiveDate,
}

impl Consolidated {
    /// What is due over every payable notice.
    pub fn total_due(&self) -> Won {
        self.notices
            .iter()
            .filter(|n| n.kind.is_payable())
            .map(|n| n.amount)
            .sum()
    }

    fn lines(&self) -> String {
        self.notices
            .iter()
            .map(|n| {
                let verb = if n.kind.is_payable() {
                    "납부기한"
                } else if n.kind == DocumentKind::RefundNotice {
                    "청구기한"
                } else {
                    "기한"
                };
                format!(
                    "■ {} {}원 ({verb} {})",
                    n.kind.title(),
                    n.amount,
                    n.deadline.format("%Y. %-m. %-d.")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The AlimTalk text, filled into the approved template: who, what, how much, by when.
    pub fn alimtalk_text(&self) -> String {
        format!(
            "[{sender}] 고지서 도착 안내\n\n{name}님께 보내는 고지서 {count}건이 도착했습니다.\n{lines}\n합계 {total}원 ({as_of} 기준)\n\n아래 [고지서 확인] 버튼을 눌러 본인 확인 후 내용을 확인하고 바로 납부하실 수 있습니다.",
            sender = self.sender,
            name = self.name,
            count = self.notices.len(),
            lines = self.lines(),
            total = self.total_due(),
            as_of = self.as_of.format("%Y. %-m. %-d."),
        )
    }

    /// The LMS text of the failover, with the link in it.
    pub fn sms_text(&self, link: &str) -> String {
        format!(
            "[{sender}] {name}님께 보내는 고지서 {count}건(합계 {total}원)이 도착했습니다. 본인 확인 후 확인·납부: {link}",
            sender = self.sender,
            name = self.name,
            count = self.notices.len(),
            total = self.total_due(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn one_message_lists_every_notice_with_one_total_of_what_is_payable() {
        let m = Consolidated {
            sender: "서울특별시 종로구".into(),
            name: "홍길동".into(),
            notices: vec![
                Listed {
                    kind: DocumentKind::TaxNotice,
                    amount: Won::new(259_740),
                    deadline: d(6, 30),
                },
                Listed {
                    kind: DocumentKind::AdminFineNotice,
                    amount: Won::new(40_000),
                    deadline: d(7, 31),
                },
                Listed {
                    kind: DocumentKind::RefundNotice,
                    amount: Won::new(12_000),
                    deadline: d(12, 31),
                },
            ],
            as_of: d(6, 10),
        };
        assert_eq!(m.total_due(), Won::new(299_740));
        let text = m.alimtalk_text();
        assert!(
            text.starts_with("[서울특별시 종로구] 고지서 도착 안내"),
            "{text}"
        );
        assert!(text.contains("홍길동님께 보내는 고지서 3건"), "{text}");
        assert!(
            text.contains("■ 지방세 납세고지서 259,740원 (납부기한 2026. 6. 30.)"),
            "{text}"
        );
        assert!(text.contains("■ 지방세 환급금 지급 통지서 12,000원 (청구기한 2026. 12. 31.)"));
        assert!(
            text.contains("합계 299,740원 (2026. 6. 10. 기준)"),
            "{text}"
        );
        let sms = m.sms_text("https://pay.example/n/abc");
        assert!(sms.ends_with("https://pay.example/n/abc"), "{sms}");
        assert!(sms.contains("합계 299,740원"), "{sms}");
    }
}
