//! Notices (고지·안내) as documents: one composition per kind, with the items the law
//! requires of it (RULES.md B-1: tax item, amount and basis, due date, where and how to pay;
//! B-3/F-2: how to object), rendered to HTML for the phone and to PDF for paper by
//! `seip-documents`.
//!
//! A notice's content carries no personal data: the recipient's name and address are
//! opened from the taxpayer's sealed record only when the document is rendered for them.

use chrono::NaiveDate;
use sea_orm::DeriveValueType;
use seip_core::{BillId, EPaymentNumber, TaxItem, Won};
use seip_documents::{Block, Column, Document, Field, Table};

/// The kinds of notice Seip sends (`notice.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum DocumentKind {
    /// 납세고지서: a levy (RULES.md B-1).
    TaxNotice,
    /// 독촉장: a demand for bills past due (D-1).
    DemandNotice,
    /// 체납액 납부 안내: informational guidance on arrears (N-3; a campaign's message).
    ArrearsGuidance,
    /// 과태료 부과고지서: an administrative fine (F-1, F-2).
    AdminFineNotice,
    /// 환급금 지급 통지서: a refund to claim (R-F1).
    RefundNotice,
    /// 명단공개 사전안내: the prior notice of the delinquent list, opening the explanation
    /// period (M-1).
    ListPriorNotice,
}

seip_core::stored_names!(DocumentKind {
    TaxNotice => "tax_notice",
    DemandNotice => "demand_notice",
    ArrearsGuidance => "arrears_guidance",
    AdminFineNotice => "admin_fine_notice",
    RefundNotice => "refund_notice",
    ListPriorNotice => "list_prior_notice",
});

impl DocumentKind {
    /// The title printed on top.
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::TaxNotice => "지방세 납세고지서",
            DocumentKind::DemandNotice => "독촉장",
            DocumentKind::ArrearsGuidance => "체납액 납부 안내",
            DocumentKind::AdminFineNotice => "과태료 부과고지서",
            DocumentKind::RefundNotice => "지방세 환급금 지급 통지서",
            DocumentKind::ListPriorNotice => "고액·상습체납자 명단공개 사전안내",
        }
    }

    /// True for the kinds whose service has legal effect (a disposition, a demand, the prior
    /// notice of the list): without an e-service application they go on paper too (N-1),
    /// unless paid first.
    pub fn is_legal_service(self) -> bool {
        matches!(
            self,
            DocumentKind::TaxNotice
                | DocumentKind::DemandNotice
                | DocumentKind::AdminFineNotice
                | DocumentKind::ListPriorNotice
        )
    }

    /// True for the kinds that ask for money (a payment number and a pay button).
    pub fn is_payable(self) -> bool {
        self != DocumentKind::RefundNotice
    }
}

/// Who handed a notice over (`notice.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum NoticeSource {
    /// Assessment itself: the notice of a levy.
    Assessment,
    /// Arrears enforcement: demands (by its `DemandsIssued`).
    ArrearsEnforcement,
    /// A clerk, through `SubmitNotice`.
    Clerk,
}

seip_core::stored_names!(NoticeSource {
    Assessment => "assessment",
    ArrearsEnforcement => "arrears_enforcement",
    Clerk => "clerk",
});

/// A notice as assessment keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Notice id (UUIDv7).
    pub id: uuid::Uuid,
    /// Recipient.
    pub taxpayer_id: seip_core::TaxpayerId,
    /// Who handed it over.
    pub source: NoticeSource,
    /// The sender's id of what it is for.
    pub reference: String,
    /// What it says.
    pub content: NoticeContent,
    /// When it was handed over.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Where its delivery stands.
    pub delivery: super::delivery_state::NoticeDelivery,
    /// The day it was served with legal effect, and by which channel.
    pub served: Option<(NaiveDate, super::delivery_state::Channel)>,
}

impl Notice {
    /// The number printed on it: issue date and the id's random tail, unique and short
    /// enough to read out over the phone.
    pub fn document_number(&self) -> String {
        let id = self.id.simple().to_string().to_uppercase();
        format!(
            "{}-{}",
            self.content.issued_on.format("%Y%m%d"),
            &id[id.len() - 10..]
        )
    }
}

/// A notice served with legal effect, as its sender is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedNotice {
    /// The notice.
    pub notice_id: uuid::Uuid,
    /// Recipient.
    pub taxpayer_id: uuid::Uuid,
    /// Kind.
    pub kind: DocumentKind,
    /// Who handed it over.
    pub source: NoticeSource,
    /// The sender's id of what it is for.
    pub reference: String,
    /// The day served.
    pub served_on: NaiveDate,
    /// By which channel.
    pub channel: super::delivery_state::Channel,
}

/// One bill (or, on a refund notice, one refund) a notice names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeItem {
    /// The bill, when the notice is about one of collection's receivables.
    pub bill_id: Option<BillId>,
    /// 세목.
    pub tax_item: TaxItem,
    /// 과세대상·근거: the vehicle and period, the violation, the overpayment.
    pub basis: String,
    /// 전자납부번호 (none on a refund).
    pub e_payment_number: Option<EPaymentNumber>,
    /// 가상계좌, `은행 계좌번호`, where the bill has one.
    pub virtual_account: Option<String>,
    /// The bill's due date.
    pub due_date: NaiveDate,
    /// Principal owed (on a refund: the refund).
    pub principal: Won,
    /// Late charges owed as of the notice (on a refund: refund interest).
    pub late_charge: Won,
}

impl NoticeItem {
    /// Both.
    pub fn total(&self) -> Won {
        self.principal + self.late_charge
    }
}

/// What a notice says, without who it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeContent {
    /// The kind.
    pub kind: DocumentKind,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// The date the notice sets: the payment deadline (a tax or fine notice's due date, a
    /// demand's deadline), the end of the explanation period (list prior notice), the date
    /// to claim by (refund).
    pub deadline: NaiveDate,
    /// The bills, oldest first.
    pub items: Vec<NoticeItem>,
}

impl NoticeContent {
    /// Principal over all items.
    pub fn principal(&self) -> Won {
        self.items.iter().map(|i| i.principal).sum()
    }

    /// Late charges over all items.
    pub fn late_charge(&self) -> Won {
        self.items.iter().map(|i| i.late_charge).sum()
    }

    /// Everything the notice asks for (or, on a refund, pays).
    pub fn total(&self) -> Won {
        self.principal() + self.late_charge()
    }
}

/// Who a notice is for, opened from the sealed record just to render it.
#[derive(Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
}

impl std::fmt::Debug for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recipient(..)")
    }
}

/// How to pay, on every payable notice.
const HOW_TO_PAY: &str = "전자납부번호로 위택스(www.wetax.go.kr)·인터넷지로, 금융기관 창구·현금자동입출금기, \
     신용카드·간편결제로 납부하거나 가상계좌로 이체할 수 있습니다. 모바일 고지를 받으신 경우 \
     본인 확인 후 안내 화면에서 바로 납부할 수 있습니다.";

/// How to object to a tax disposition (지방세기본법 §90, §91; RULES.md B-3).
const HOW_TO_OBJECT_TAX: &str = "이 처분에 이의가 있으면 처분이 있음을 안 날(고지를 받은 날)부터 \
     90일 이내에 이의신청 또는 심판청구를 할 수 있습니다(「지방세기본법」 제90조, 제91조).";

/// The document `content` makes for `to`, numbered `number`, issued by `issuer`.
pub fn compose(content: &NoticeContent, to: &Recipient, issuer: &str, number: &str) -> Document {
    let kind = content.kind;
    let mut blocks = Vec::new();
    blocks.push(Block::Paragraph(lead(kind).to_owned()));
    let mut fields = vec![
        Field::new("문서번호", number),
        Field::new("받는 분", &to.name),
        Field::new("주소", &to.address),
        Field::new("발급일", date(content.issued_on)),
    ];
    match kind {
        DocumentKind::RefundNotice => {
            fields.push(Field::emphasized(
                "환급받을 금액",
                format!("{}원", content.total()),
            ));
            fields.push(Field::new("청구기한", date(content.deadline)));
        }
        DocumentKind::ListPriorNotice => {
            fields.push(Field::emphasized(
                "체납액",
                format!("{}원", content.total()),
            ));
            fields.push(Field::emphasized(
                "소명 기한",
                format!("{}까지", date(content.deadline)),
            ));
        }
        _ => {
            fields.push(Field::emphasized(
                "납부할 금액",
                format!("{}원", content.total()),
            ));
            fields.push(Field::emphasized(
                "납부기한",
                format!("{}까지", date(content.deadline)),
            ));
        }
    }
    blocks.push(Block::Fields(fields));
    blocks.push(Block::Table(items_table(content)));
    if kind.is_payable() {
        // A payment number per bill, labelled with the tax items it pays (a tax notice
        // lists a bill's tax and its education tax on two lines under one number).
        let mut numbers: Vec<(EPaymentNumber, Vec<&str>, Option<&str>)> = Vec::new();
        for i in &content.items {
            let Some(n) = i.e_payment_number else {
                continue;
            };
            let name = i.tax_item.korean_name();
            match numbers.iter_mut().find(|(m, ..)| *m == n) {
                Some((_, names, _)) if !names.contains(&name) => names.push(name),
                Some(_) => {}
                None => numbers.push((n, vec![name], i.virtual_account.as_deref())),
            }
        }
        let accounts: Vec<Field> = numbers
            .into_iter()
            .map(|(n, names, account)| {
                let value = match account {
                    Some(account) => format!("{} (가상계좌 {account})", n.printed()),
                    None => n.printed(),
                };
                Field::new(names.join("·"), value)
            })
            .collect();
        if !accounts.is_empty() {
            blocks.push(Block::Heading("납부번호".into()));
            blocks.push(Block::Fields(accounts));
        }
        blocks.push(Block::Heading("납부 방법".into()));
        blocks.push(Block::Paragraph(HOW_TO_PAY.into()));
    }
    for (heading, text) in particulars(kind) {
        blocks.push(Block::Heading(heading.into()));
        blocks.push(Block::Paragraph(text.into()));
    }
    blocks.push(Block::Warning(warning(kind).into()));
    Document {
        title: kind.title().into(),
        issuer: issuer.into(),
        blocks,
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y. %-m. %-d.").to_string()
}

fn lead(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::TaxNotice => {
            "「지방세징수법」 제12조에 따라 아래와 같이 지방세를 고지하오니 납부기한까지 \
             납부하여 주시기 바랍니다."
        }
        DocumentKind::DemandNotice => {
            "귀하가 납부하여야 할 아래 지방세가 납부기한까지 납부되지 않아 「지방세징수법」 \
             제32조에 따라 납부를 독촉합니다."
        }
        DocumentKind::ArrearsGuidance => {
            "아래 체납액이 아직 납부되지 않아 안내하여 드립니다. 이 안내문은 납부를 돕기 위한 \
             것으로 새로운 고지가 아니며, 이미 납부하셨다면 양해하여 주시기 바랍니다."
        }
        DocumentKind::AdminFineNotice => {
            "「질서위반행위규제법」 제17조에 따라 아래와 같이 과태료를 부과하오니 납부기한까지 \
             납부하여 주시기 바랍니다."
        }
        DocumentKind::RefundNotice => {
            "귀하가 더 내거나 잘못 낸 지방세가 있어 「지방세기본법」 제60조 및 제62조에 따라 \
             환급금과 환급가산금을 지급하고자 알려 드립니다."
        }
        DocumentKind::ListPriorNotice => {
            "귀하는 「지방세징수법」 제11조에 따른 고액·상습체납자 명단공개 대상자로 선정되어 \
             공개 전에 알려 드립니다. 소명 기한까지 체납액을 납부하거나 소명 자료를 제출할 수 \
             있습니다."
        }
    }
}

fn items_table(content: &NoticeContent) -> Table {
    let refund = content.kind == DocumentKind::RefundNotice;
    let (principal, charge) = if refund {
        ("환급금", "환급가산금")
    } else if content.kind == DocumentKind::TaxNotice {
        ("세액", "가산세")
    } else {
        ("본세", "가산금·가산세")
    };
    let rows = content
        .items
        .iter()
        .map(|i| {
            vec![
                i.tax_item.korean_name().to_owned(),
                i.basis.clone(),
                date(i.due_date),
                i.principal.to_string(),
                i.late_charge.to_string(),
                i.total().to_string(),
            ]
        })
        .collect();
    Table {
        columns: vec![
            Column::text("세목", 3),
            Column::text("과세대상·내역", 5),
            Column::text(if refund { "납부일" } else { "납기" }, 3),
            Column::amount(principal, 3),
            Column::amount(charge, 3),
            Column::amount("합계", 3),
        ],
        rows,
        total: Some(vec![
            "합계".into(),
            String::new(),
            String::new(),
            content.principal().to_string(),
            content.late_charge().to_string(),
            format!("{}원", content.total()),
        ]),
    }
}

/// The sections each kind adds: how to object, what happens next.
fn particulars(kind: DocumentKind) -> Vec<(&'static str, &'static str)> {
    match kind {
        DocumentKind::TaxNotice => vec![("불복 방법", HOW_TO_OBJECT_TAX)],
        DocumentKind::DemandNotice => vec![
            (
                "납부지연가산세",
                "납부지연가산세는 납부하는 날을 기준으로 다시 계산되며, 매월 일정 비율이 \
                 가산됩니다(「지방세기본법」 제55조).",
            ),
            ("불복 방법", HOW_TO_OBJECT_TAX),
        ],
        DocumentKind::ArrearsGuidance => vec![(
            "분할납부 상담",
            "한꺼번에 납부하기 어려우시면 세무부서에 분할납부를 상담하실 수 있습니다.",
        )],
        DocumentKind::AdminFineNotice => vec![(
            "이의제기",
            "이 처분에 불복하는 경우 고지를 받은 날부터 60일 이내에 부과 행정청에 서면으로 \
             이의를 제기할 수 있으며, 이의제기가 있으면 과태료 부과처분은 효력을 잃고 법원의 \
             재판으로 정해집니다(「질서위반행위규제법」 제20조, 제21조).",
        )],
        DocumentKind::RefundNotice => vec![(
            "환급금 청구",
            "환급받을 계좌를 모바일 안내 화면이나 세무부서에 신고하시면 계좌로 지급합니다. \
             환급금은 5년 동안 청구하지 않으면 소멸시효가 완성됩니다(「지방세기본법」 제64조).",
        )],
        DocumentKind::ListPriorNotice => vec![(
            "제외되는 경우",
            "소명 기한까지 체납액의 50% 이상을 납부하거나, 회생계획에 따라 납부 중이거나, \
             불복 청구가 진행 중인 경우 등에는 명단공개에서 제외됩니다(「지방세징수법 시행령」 \
             제19조).",
        )],
    }
}

fn warning(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::TaxNotice | DocumentKind::AdminFineNotice => {
            "납부기한까지 납부하지 않으면 가산세(과태료는 가산금)가 더해지고, 독촉 후 재산이 \
             압류될 수 있습니다."
        }
        DocumentKind::DemandNotice => {
            "독촉 납부기한까지 납부하지 않으면 「지방세징수법」 제33조에 따라 재산 압류 등 \
             체납처분을 받게 되며, 자동차세 체납 차량은 자동차 등록번호판이 영치될 수 있습니다."
        }
        DocumentKind::ArrearsGuidance => {
            "체납이 계속되면 재산 압류, 자동차 번호판 영치, 공매 등 체납처분이 진행될 수 \
             있습니다."
        }
        DocumentKind::RefundNotice => {
            "세무공무원은 전화로 계좌 비밀번호나 인증번호를 묻지 않습니다. 환급을 미끼로 한 \
             전화금융사기에 주의하십시오."
        }
        DocumentKind::ListPriorNotice => {
            "소명 기한이 지나면 지방세심의위원회의 재심의를 거쳐 성명, 나이, 직업, 주소, 체납액 \
             등이 공개됩니다(「지방세징수법」 제11조)."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn content(kind: DocumentKind) -> NoticeContent {
        NoticeContent {
            kind,
            issued_on: d(2026, 8, 10),
            deadline: d(2026, 8, 31),
            items: vec![NoticeItem {
                bill_id: None,
                tax_item: TaxItem::AutomobileTax,
                basis: "12가3456 2026년 1기분".into(),
                e_payment_number: Some(number()),
                virtual_account: Some("신한 56201234567890".into()),
                due_date: d(2026, 6, 30),
                principal: Won::new(199_800),
                late_charge: Won::new(5_990),
            }],
        }
    }

    fn number() -> EPaymentNumber {
        let tenant = seip_core::TenantCode::parse_field("11110", "tenant").unwrap();
        EPaymentNumber::compose(tenant, seip_core::NoticeKind::Periodic, 2026, "50", 17).unwrap()
    }

    fn recipient() -> Recipient {
        Recipient {
            name: "홍길동".into(),
            address: "서울특별시 종로구 세종대로 209".into(),
        }
    }

    #[test]
    fn every_kind_names_the_required_items() {
        for &kind in DocumentKind::ALL {
            let doc = compose(&content(kind), &recipient(), "서울특별시 종로구청장", "N-1");
            let html = seip_documents::html(&doc).unwrap();
            assert!(html.contains(kind.title()), "{kind}");
            assert!(html.contains("자동차세"), "{kind}: tax item");
            assert!(html.contains("205,790원"), "{kind}: the total");
            assert!(html.contains("2026. 8. 31."), "{kind}: the deadline");
            assert!(html.contains("홍길동"), "{kind}: the recipient");
            if kind.is_payable() {
                assert!(html.contains(&number().printed()), "{kind}: payment number");
                assert!(html.contains("가상계좌 신한 56201234567890"), "{kind}");
                assert!(html.contains("납부 방법"), "{kind}");
            } else {
                assert!(!html.contains("납부 방법"), "{kind}");
            }
        }
    }

    #[test]
    fn a_recipient_never_shows_in_debug_output() {
        assert_eq!(format!("{:?}", recipient()), "Recipient(..)");
    }
}
