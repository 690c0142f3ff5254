//! Every kind of notice, rendered as the taxpayer sees it: the HTML is compared with its
//! snapshot (`tests/snapshots/`, reviewed like code: `INSTA_UPDATE=always` rewrites them), and
//! the HTML, the PDF and a PNG of each are written to `target/tmp/documents/` for a person to
//! look at — the phone's page by Chromium, the paper by poppler's `pdftoppm`.
//!
//! The PDF and PNGs need a Hangul font, Chromium and poppler-utils; `.ci/run` installs them.
//! Elsewhere a test without them says what it skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use seip_assessment::domain::notice::{
    DocumentKind, NoticeContent, NoticeItem, Recipient, compose,
};
use seip_core::{EPaymentNumber, NoticeKind, TaxItem, TenantCode, Won};
use seip_documents::Typeface;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn number(group: &str, serial: u64) -> EPaymentNumber {
    let tenant = TenantCode::parse_field("11110", "tenant").unwrap();
    EPaymentNumber::compose(tenant, NoticeKind::Periodic, 2026, group, serial).unwrap()
}

/// What each kind says in the sample: a car's tax and education tax, a parking fine, a refund.
fn sample(kind: DocumentKind) -> NoticeContent {
    let car = |item: TaxItem, serial: u64, principal: i64, charge: i64| NoticeItem {
        bill_id: None,
        tax_item: item,
        basis: "12가3456 2026년 1기분".into(),
        e_payment_number: Some(number(item.group(), serial)),
        virtual_account: Some("신한은행 562-0123-4567-8901".into()),
        due_date: d(2026, 6, 30),
        principal: Won::new(principal),
        late_charge: Won::new(charge),
    };
    let (issued_on, deadline, items) = match kind {
        DocumentKind::TaxNotice => (
            d(2026, 6, 10),
            d(2026, 6, 30),
            vec![
                car(TaxItem::AutomobileTax, 1, 199_800, 0),
                car(TaxItem::LocalEducationTax, 2, 59_940, 0),
            ],
        ),
        DocumentKind::DemandNotice | DocumentKind::ArrearsGuidance => (
            d(2026, 8, 10),
            d(2026, 8, 31),
            vec![
                car(TaxItem::AutomobileTax, 1, 199_800, 5_990),
                car(TaxItem::LocalEducationTax, 2, 59_940, 1_790),
            ],
        ),
        DocumentKind::AdminFineNotice => (
            d(2026, 7, 1),
            d(2026, 7, 31),
            vec![NoticeItem {
                bill_id: None,
                tax_item: TaxItem::AdminFine,
                basis: "주정차위반 2026-06-12 14:05 종로구 세종대로 12가3456".into(),
                e_payment_number: Some(number("90", 3)),
                virtual_account: None,
                due_date: d(2026, 7, 31),
                principal: Won::new(40_000),
                late_charge: Won::new(0),
            }],
        ),
        DocumentKind::RefundNotice => (
            d(2026, 7, 15),
            d(2031, 7, 15),
            vec![NoticeItem {
                bill_id: None,
                tax_item: TaxItem::AutomobileTax,
                basis: "2026년 1기분 이중납부".into(),
                e_payment_number: None,
                virtual_account: None,
                due_date: d(2026, 6, 29),
                principal: Won::new(199_800),
                late_charge: Won::new(1_220),
            }],
        ),
        DocumentKind::ListPriorNotice => (
            d(2026, 2, 16),
            d(2026, 8, 17),
            vec![car(TaxItem::AutomobileTax, 1, 21_000_000, 3_150_000)],
        ),
    };
    NoticeContent {
        kind,
        issued_on,
        deadline,
        items,
    }
}

fn recipient() -> Recipient {
    Recipient {
        name: "홍길동".into(),
        address: "서울특별시 종로구 세종대로 209, 101동 1001호".into(),
    }
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("documents");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A tool the check needs: in CI its absence fails the test, elsewhere it skips the check.
fn have(tool: &str, what: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is needed for {what} (.ci/run installs it)"
        );
        eprintln!("skipped {what}: {tool} is not installed");
    }
    found
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_kind_renders_as_its_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for &kind in DocumentKind::ALL {
            let doc = compose(
                &sample(kind),
                &recipient(),
                "서울특별시 종로구청장",
                "N-2026-0001",
            );
            let html = seip_documents::html(&doc).unwrap();
            std::fs::write(out_dir().join(format!("{kind}.html")), &html).unwrap();
            insta::assert_snapshot!(kind.as_str(), html);
        }
    });
}

#[test]
fn every_kind_prints_to_pdf_and_pictures() {
    let typeface = match Typeface::find(None) {
        Ok(t) => t,
        Err(e) if std::env::var_os("CI").is_none() => return eprintln!("skipped: {e}"),
        Err(e) => panic!("{e}"),
    };
    let dir = out_dir();
    let chromium = have("chromium", "the phone pictures");
    let poppler = have("pdftoppm", "the paper pictures");
    for &kind in DocumentKind::ALL {
        let doc = compose(
            &sample(kind),
            &recipient(),
            "서울특별시 종로구청장",
            "N-2026-0001",
        );
        let pdf = seip_documents::pdf(&doc, &typeface).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{kind}");
        let pdf_path = dir.join(format!("{kind}.pdf"));
        std::fs::write(&pdf_path, &pdf).unwrap();
        if poppler {
            let png = dir.join(format!("{kind}.paper"));
            run(Command::new("pdftoppm")
                .args(["-png", "-r", "60", "-singlefile"])
                .arg(&pdf_path)
                .arg(&png));
            let png = png.with_extension("paper.png");
            assert!(std::fs::metadata(&png).unwrap().len() > 10_000, "{kind}");
        }
        if chromium {
            let html = dir.join(format!("{kind}.html"));
            std::fs::write(&html, seip_documents::html(&doc).unwrap()).unwrap();
            let png = dir.join(format!("{kind}.phone.png"));
            run(Command::new("chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--window-size=412,1600",
                ])
                .arg(format!("--screenshot={}", png.display()))
                .arg(format!("file://{}", html.display())));
            assert!(std::fs::metadata(&png).unwrap().len() > 10_000, "{kind}");
        }
    }
    eprintln!("documents written to {}", dir.display());
}
