//! Fuzzing the treasury-file parser with proptest: random byte mutations of valid files
//! never panic, every rejection is a named error (line, field, reason), and reading a file
//! in pieces of any size gives exactly what reading it whole gives.

use chrono::NaiveDate;
use proptest::prelude::*;
use seip_collection::domain::feed::{
    FeedError, FileWriter, Header, PaymentToWrite, ReceiptFile, Record, RecordKind, Splitter,
    Validator, parse,
};
use seip_core::Won;

fn header(seq: u32) -> Header {
    Header {
        tenant_code: "11110".into(),
        bank_code: "032".into(),
        accounting_date: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        file_seq: seq,
        created_at: NaiveDate::from_ymd_opt(2026, 7, 1)
            .unwrap()
            .and_hms_opt(6, 0, 0)
            .unwrap(),
    }
}

/// A valid file of `records` (principal, education tax, name, cancel?); a cancellation is
/// written only where the sums stay non-negative, as the bank guarantees.
fn valid_file(records: &[(i64, i64, String, bool)]) -> Vec<u8> {
    let mut w = FileWriter::new(header(1));
    let ids: Vec<String> = (0..records.len()).map(|i| format!("R{i:09}")).collect();
    let mut net = (Won::ZERO, Won::ZERO);
    for (i, (p, e, name, cancel)) in records.iter().enumerate() {
        let cancel = *cancel && net.0 >= Won::new(*p) && net.1 >= Won::new(*e);
        let sign = if cancel { -1 } else { 1 };
        net = (net.0 + Won::new(sign * p), net.1 + Won::new(sign * e));
        w.push(&PaymentToWrite {
            e_payment_number: "1111012650000000010",
            tax_item_code: "501",
            fiscal_year: 2026,
            period: 1,
            principal: Won::new(*p),
            late_charge: Won::ZERO,
            education_tax: Won::new(*e),
            paid_on: NaiveDate::from_ymd_opt(2026, 6, 29).unwrap(),
            channel: 1 + u8::try_from(i % 8).unwrap(),
            payer_name: name,
            bank_receipt_id: &ids[i],
            cancel,
        });
    }
    w.finish()
}

fn records() -> impl Strategy<Value = Vec<(i64, i64, String, bool)>> {
    prop::collection::vec(
        (
            0i64..10_000_000,
            0i64..3_000_000,
            "[가-힣A-Za-z ]{0,25}",
            prop::bool::weighted(0.2),
        ),
        0..12,
    )
}

/// Read `bytes` in pieces cut at `cuts` (offsets, any order), as an upload streams it.
fn parse_streamed(bytes: &[u8], cuts: &[usize]) -> Result<ReceiptFile, FeedError> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.push(bytes.len());
    cuts.sort_unstable();
    let mut v = Validator::new();
    let mut receipts = Vec::new();
    let mut lines = 0;
    let mut on = |line: usize, rec: &[u8]| {
        lines = line;
        if let Some(Record::Data(r)) = v.record(line, rec)? {
            receipts.push(r);
        }
        Ok(())
    };
    let mut s = Splitter::new();
    let mut at = 0;
    for c in cuts {
        s.push(&bytes[at..c], &mut on)?;
        at = c;
    }
    s.finish(&mut on)?;
    let (header, trailer) = v.finish(lines)?;
    Ok(ReceiptFile {
        header,
        receipts,
        trailer,
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (
            any::<usize>(),
            prop::sample::select(b"0123456789 DHTNC\r\n\xb0\xa1".to_vec())
        )
            .prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len().max(1);
    match *m {
        Mutation::Set(i, b) => {
            if !bytes.is_empty() {
                bytes[i % n] = b;
            }
        }
        Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
        Mutation::Remove(i) => {
            if !bytes.is_empty() {
                bytes.remove(i % n);
            }
        }
        Mutation::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
    }
}

fn signed(r: &seip_collection::domain::feed::Receipt) -> Won {
    if r.kind == RecordKind::Cancel {
        Won::ZERO - r.total
    } else {
        r.total
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn valid_files_parse_whole_and_streamed_alike(
        recs in records(),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let bytes = valid_file(&recs);
        let whole = parse(&bytes).expect("a written file is valid");
        prop_assert_eq!(whole.receipts.len(), recs.len());
        let net: Won = whole.receipts.iter().map(signed).sum();
        prop_assert_eq!(net, whole.trailer.total);
        prop_assert_eq!(parse_streamed(&bytes, &cuts), Ok(whole));
    }

    #[test]
    fn mutated_files_never_panic_and_every_rejection_is_named(
        recs in records(),
        muts in prop::collection::vec(mutation(), 1..4),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut bytes = valid_file(&recs);
        for m in &muts {
            apply(&mut bytes, m);
        }
        let lines = bytes.len() / 202 + 2;
        let whole = parse(&bytes);
        match &whole {
            Ok(f) => {
                // Whatever survived is still self-consistent.
                prop_assert_eq!(f.receipts.len(), f.trailer.count as usize);
                for r in &f.receipts {
                    prop_assert_eq!(r.principal + r.late_charge + r.education_tax, r.total);
                }
                let net: Won = f.receipts.iter().map(signed).sum();
                prop_assert_eq!(net, f.trailer.total);
            }
            Err(e) => {
                prop_assert!(e.line >= 1 && e.line <= lines, "line {} of {}", e.line, lines);
                prop_assert!(!e.field.is_empty());
                prop_assert!(!e.reason.is_empty());
                let named = format!("line {}, {}", e.line, e.field);
                prop_assert!(e.to_string().starts_with(&named));
            }
        }
        // Reading it in pieces reaches the same verdict.
        prop_assert_eq!(parse_streamed(&bytes, &cuts), whole);
    }
}
