//! The treasury receipt-notice file (specs/treasury-feed.md §1): a fixed contract with the
//! bank, read byte for byte. Structural validation only; matching to bills is the app's.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use seip_core::Won;

/// Bytes per record, before the CRLF.
pub const RECORD_LEN: usize = 200;

/// Digits of the trailer's sums (specs/treasury-feed.md §1): the largest amount a day's file
/// can carry, and so the largest a deposit for it can.
pub const SUM_DIGITS: usize = 15;

/// A structural error: the whole file is rejected and nothing is posted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, {field}: {reason}")]
pub struct FeedError {
    /// 1-based line number in the file.
    pub line: usize,
    /// The field (as named in the spec) or `record`.
    pub field: &'static str,
    /// What was expected.
    pub reason: String,
}

fn err(line: usize, field: &'static str, reason: impl Into<String>) -> FeedError {
    FeedError {
        line,
        field,
        reason: reason.into(),
    }
}

/// The header record (H).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// 시군구 code.
    pub tenant_code: String,
    /// Treasury bank code.
    pub bank_code: String,
    /// 회계일자.
    pub accounting_date: NaiveDate,
    /// File sequence for the date.
    pub file_seq: u32,
    /// Created at (KST).
    pub created_at: NaiveDateTime,
}

/// `N` normal receipt or `C` cancellation (the record's column 160, and `receipt.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum RecordKind {
    /// A payment.
    Normal,
    /// Cancels the earlier receipt with the same bank receipt id.
    Cancel,
}

seip_core::stored_names!(RecordKind { Normal => "N", Cancel => "C" });

/// A data record (D).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Line in the file.
    pub line: usize,
    /// Record serial.
    pub serial: u32,
    /// 전자납부번호 as sent (not yet validated: a malformed one goes to suspense).
    pub e_payment_number: String,
    /// Tax item code as printed on the bill.
    pub tax_item_code: String,
    /// 과세연도.
    pub fiscal_year: i32,
    /// 기분 (0 when not periodic).
    pub period: u8,
    /// 본세 paid.
    pub principal: Won,
    /// 가산금·가산세 paid.
    pub late_charge: Won,
    /// 지방교육세 paid.
    pub education_tax: Won,
    /// Total paid.
    pub total: Won,
    /// 수납일자.
    pub paid_on: NaiveDate,
    /// Paid time (KST).
    pub paid_at: NaiveTime,
    /// Collecting bank (3) + branch (4).
    pub collecting_institution: String,
    /// Payment channel code 01–08.
    pub channel: u8,
    /// Payer name, decoded from CP949 (a character cut by the bank is dropped).
    pub payer_name: String,
    /// 이체일자.
    pub transfer_date: NaiveDate,
    /// Normal or cancellation.
    pub kind: RecordKind,
    /// 수납 거래고유번호.
    pub bank_receipt_id: String,
}

#[cfg(test)]
impl Receipt {
    /// A 1,000-won payment (or its cancellation) paid on 2026-06-29, for unit tests.
    pub(crate) fn example(e_payment_number: &str, bank_receipt_id: &str, kind: RecordKind) -> Self {
        let day = NaiveDate::from_ymd_opt(2026, 6, 29).unwrap_or_default();
        Self {
            line: 2,
            serial: 1,
            e_payment_number: e_payment_number.into(),
            tax_item_code: "101".into(),
            fiscal_year: 2026,
            period: 1,
            principal: Won::new(1000),
            late_charge: Won::ZERO,
            education_tax: Won::ZERO,
            total: Won::new(1000),
            paid_on: day,
            paid_at: NaiveTime::MIN,
            collecting_institution: "0000000".into(),
            channel: 1,
            payer_name: String::new(),
            transfer_date: day,
            kind,
            bank_receipt_id: bank_receipt_id.into(),
        }
    }
}

/// The trailer record (T).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// Number of data records.
    pub count: u32,
    /// Net principal.
    pub principal: Won,
    /// Net late charge.
    pub late_charge: Won,
    /// Net education tax.
    pub education_tax: Won,
    /// Net total.
    pub total: Won,
}

/// A structurally valid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptFile {
    /// Header.
    pub header: Header,
    /// Data records in order.
    pub receipts: Vec<Receipt>,
    /// Trailer, checked against the records.
    pub trailer: Trailer,
}

struct Rec<'a> {
    line: usize,
    bytes: &'a [u8],
}

impl Rec<'_> {
    /// Field at 1-based `pos` of `len` bytes.
    fn field(&self, pos: usize, len: usize) -> &[u8] {
        &self.bytes[pos - 1..pos - 1 + len]
    }

    fn num(&self, pos: usize, len: usize, name: &'static str) -> Result<u64, FeedError> {
        let f = self.field(pos, len);
        if !f.iter().all(u8::is_ascii_digit) {
            return Err(err(self.line, name, format!("expected {len} digits")));
        }
        // At most 15 digits: fits u64.
        Ok(f.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0')))
    }

    /// A number of `len` digits as `T`; one that `T` cannot hold is an error naming the field,
    /// never a zero or a maximum in its place.
    fn small<T: TryFrom<u64>>(
        &self,
        pos: usize,
        len: usize,
        name: &'static str,
    ) -> Result<T, FeedError> {
        let n = self.num(pos, len, name)?;
        T::try_from(n).map_err(|_| err(self.line, name, format!("{n} is out of range")))
    }

    fn digits(&self, pos: usize, len: usize, name: &'static str) -> Result<String, FeedError> {
        self.num(pos, len, name)?;
        Ok(String::from_utf8_lossy(self.field(pos, len)).into_owned())
    }

    fn won(&self, pos: usize, len: usize, name: &'static str) -> Result<Won, FeedError> {
        let n = self.num(pos, len, name)?;
        Ok(Won::new(
            i64::try_from(n).map_err(|_| err(self.line, name, "amount too large"))?,
        ))
    }

    fn date(&self, pos: usize, name: &'static str) -> Result<NaiveDate, FeedError> {
        let n = self.num(pos, 8, name)?;
        let (y, m, d) = (n / 10_000, (n / 100) % 100, n % 100);
        i32::try_from(y)
            .ok()
            .and_then(|y| {
                NaiveDate::from_ymd_opt(y, u32::try_from(m).ok()?, u32::try_from(d).ok()?)
            })
            .ok_or_else(|| err(self.line, name, "expected a real date YYYYMMDD"))
    }

    fn time(&self, pos: usize, name: &'static str) -> Result<NaiveTime, FeedError> {
        let n = self.num(pos, 6, name)?;
        let (h, m, s) = (n / 10_000, (n / 100) % 100, n % 100);
        NaiveTime::from_hms_opt(
            u32::try_from(h).unwrap_or(99),
            u32::try_from(m).unwrap_or(99),
            u32::try_from(s).unwrap_or(99),
        )
        .ok_or_else(|| err(self.line, name, "expected a real time hhmmss"))
    }

    fn text(&self, pos: usize, len: usize) -> String {
        decode_cp949(self.field(pos, len))
    }
}

/// Decode a CP949 text field and trim its padding. A multi-byte character cut at the end of
/// the field by the bank is dropped (the broken lead byte), as the spec asks.
pub fn decode_cp949(bytes: &[u8]) -> String {
    let mut b = bytes;
    while let [rest @ .., b' '] = b {
        b = rest;
    }
    // A trailing lone lead byte (0x81–0xFE) that does not complete a character is dropped.
    let mut end = b.len();
    let mut i = 0;
    while i < b.len() {
        if b[i] >= 0x81 {
            if i + 1 >= b.len() {
                end = i;
                break;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    let (text, _, _) = encoding_rs::EUC_KR.decode(&b[..end]);
    text.trim_end().to_owned()
}

/// Encode text as CP949 into a field of `len` bytes, cutting whole characters and padding
/// with spaces (the inverse of [`decode_cp949`], used to write test and demo files).
pub fn encode_cp949_field(text: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    for ch in text.chars() {
        let mut buf = [0u8; 4];
        let (bytes, _, _) = encoding_rs::EUC_KR.encode(ch.encode_utf8(&mut buf));
        if out.len() + bytes.len() > len {
            break;
        }
        out.extend_from_slice(&bytes);
    }
    out.resize(len, b' ');
    out
}

/// Splits a byte stream into records as it arrives: exactly 200 bytes then CRLF each; the
/// CRLF after the last record is optional. Holds at most one record of the stream.
#[derive(Debug, Default)]
pub struct Splitter {
    pending: Vec<u8>,
    line: usize,
}

impl Splitter {
    /// A splitter at the start of a file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed the next bytes; `each` gets every complete record (line number, 200 bytes).
    pub fn push(
        &mut self,
        mut bytes: &[u8],
        mut each: impl FnMut(usize, &[u8]) -> Result<(), FeedError>,
    ) -> Result<(), FeedError> {
        const FULL: usize = RECORD_LEN + 2;
        while !bytes.is_empty() {
            if self.pending.is_empty() && bytes.len() >= FULL {
                // Fast path: whole records straight from the input.
                self.record(&bytes[..FULL], &mut each)?;
                bytes = &bytes[FULL..];
                continue;
            }
            let take = (FULL - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.pending.len() == FULL {
                let rec = std::mem::take(&mut self.pending);
                self.record(&rec, &mut each)?;
                self.pending = rec;
                self.pending.clear();
            }
        }
        Ok(())
    }

    fn record(
        &mut self,
        full: &[u8],
        each: &mut impl FnMut(usize, &[u8]) -> Result<(), FeedError>,
    ) -> Result<(), FeedError> {
        self.line += 1;
        if let Some(p) = full[..RECORD_LEN + 1].windows(2).position(|w| w == b"\r\n")
            && p < RECORD_LEN
        {
            return Err(err(
                self.line,
                "record",
                format!("expected {RECORD_LEN} bytes before CRLF, found {p}"),
            ));
        }
        if &full[RECORD_LEN..] != b"\r\n" {
            return Err(err(
                self.line,
                "record",
                format!(
                    "expected {RECORD_LEN} bytes then CRLF, found more than {RECORD_LEN} bytes before CRLF"
                ),
            ));
        }
        each(self.line, &full[..RECORD_LEN])
    }

    /// The end of the stream: a last record without its CRLF, or nothing. Returns whether
    /// the file ended with a CRLF.
    pub fn finish(
        mut self,
        mut each: impl FnMut(usize, &[u8]) -> Result<(), FeedError>,
    ) -> Result<bool, FeedError> {
        if self.pending.is_empty() {
            return Ok(true);
        }
        self.line += 1;
        let found = self
            .pending
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap_or(self.pending.len());
        if found != RECORD_LEN || self.pending.len() != RECORD_LEN {
            return Err(err(
                self.line,
                "record",
                format!("expected {RECORD_LEN} bytes before CRLF, found {found}"),
            ));
        }
        let rec = std::mem::take(&mut self.pending);
        each(self.line, &rec)?;
        Ok(false)
    }
}

/// What a record turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// The header (first line).
    Header(Header),
    /// A data record, structurally valid.
    Data(Receipt),
}

/// Checks records in order as they stream: one header, data records with serials without
/// gaps, one trailer whose count and sums equal the records. Keeps only running sums.
#[derive(Debug, Default)]
pub struct Validator {
    header: Option<Header>,
    trailer: Option<(usize, Trailer)>,
    count: u32,
    sums: [Won; 4],
}

/// Parse the header record.
pub fn parse_header(line: usize, bytes: &[u8]) -> Result<Header, FeedError> {
    let r = Rec { line, bytes };
    if r.bytes[0] != b'H' {
        return Err(err(line, "record type", "expected a header record H first"));
    }
    let header = Header {
        tenant_code: r.digits(2, 5, "tenant code")?,
        bank_code: r.digits(7, 3, "treasury bank code")?,
        accounting_date: r.date(10, "accounting date")?,
        file_seq: r.small::<u32>(18, 4, "file sequence")?,
        created_at: {
            let d = r.date(22, "created at")?;
            let t = r.time(30, "created at")?;
            d.and_time(t)
        },
    };
    if header.file_seq == 0 {
        return Err(err(line, "file sequence", "starts at 0001"));
    }
    Ok(header)
}

/// Parse one data record (its fields only; the serial's place in the file is the
/// [`Validator`]'s to check).
pub fn parse_data(line: usize, bytes: &[u8]) -> Result<Receipt, FeedError> {
    let r = Rec { line, bytes };
    let rec = Receipt {
        line,
        serial: r.small::<u32>(2, 7, "record serial")?,
        e_payment_number: r.digits(9, 19, "electronic payment number")?,
        tax_item_code: r.digits(28, 3, "tax item code")?,
        fiscal_year: r.small::<i32>(31, 4, "fiscal year")?,
        period: r.small::<u8>(35, 2, "period")?,
        principal: r.won(37, 13, "principal paid")?,
        late_charge: r.won(50, 13, "late-payment charge paid")?,
        education_tax: r.won(63, 13, "local education tax paid")?,
        total: r.won(76, 13, "total paid")?,
        paid_on: r.date(89, "paid date")?,
        paid_at: r.time(97, "paid time")?,
        collecting_institution: r.digits(103, 7, "collecting institution")?,
        channel: r.small::<u8>(110, 2, "channel")?,
        payer_name: r.text(112, 40),
        transfer_date: r.date(152, "transfer date")?,
        kind: match r.field(160, 1) {
            b"N" => RecordKind::Normal,
            b"C" => RecordKind::Cancel,
            _ => return Err(err(line, "normal/cancel flag", "expected N or C")),
        },
        bank_receipt_id: {
            let f = r.field(161, 20);
            if !f.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                return Err(err(
                    line,
                    "bank receipt id",
                    "expected printable ASCII characters",
                ));
            }
            String::from_utf8_lossy(f).trim_end().to_owned()
        },
    };
    if rec.period > 2 {
        return Err(err(line, "period", "expected 00, 01 or 02"));
    }
    if !(1..=8).contains(&rec.channel) {
        return Err(err(line, "channel", "expected 01 to 08"));
    }
    if rec.bank_receipt_id.is_empty() {
        return Err(err(line, "bank receipt id", "required"));
    }
    if rec.principal + rec.late_charge + rec.education_tax != rec.total {
        return Err(err(
            line,
            "total paid",
            format!(
                "expected principal + charge + education tax = {}, found {}",
                rec.principal + rec.late_charge + rec.education_tax,
                rec.total
            ),
        ));
    }
    Ok(rec)
}

fn parse_trailer(line: usize, bytes: &[u8]) -> Result<Trailer, FeedError> {
    let r = Rec { line, bytes };
    Ok(Trailer {
        count: r.small::<u32>(2, 7, "number of data records")?,
        principal: r.won(9, SUM_DIGITS, "sum of principal")?,
        late_charge: r.won(24, SUM_DIGITS, "sum of late-payment charge")?,
        education_tax: r.won(39, SUM_DIGITS, "sum of education tax")?,
        total: r.won(54, SUM_DIGITS, "sum of total paid")?,
    })
}

impl Validator {
    /// A validator at the start of a file.
    pub fn new() -> Self {
        Self::default()
    }

    /// The header, once seen.
    pub fn header(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    /// Check the next record. Returns `None` for the trailer (checked by [`Self::finish`]).
    pub fn record(&mut self, line: usize, bytes: &[u8]) -> Result<Option<Record>, FeedError> {
        if let Some((tline, _)) = &self.trailer {
            return Err(err(
                *tline,
                "record type",
                "a trailer record T before the last line",
            ));
        }
        if self.header.is_none() {
            let h = parse_header(line, bytes)?;
            self.header = Some(h.clone());
            return Ok(Some(Record::Header(h)));
        }
        match bytes[0] {
            b'D' => {}
            b'T' => {
                self.trailer = Some((line, parse_trailer(line, bytes)?));
                return Ok(None);
            }
            b'H' => return Err(err(line, "record type", "a second header record H")),
            other => {
                return Err(err(
                    line,
                    "record type",
                    format!(
                        "unknown record type {:?}; expected H, D or T",
                        other as char
                    ),
                ));
            }
        }
        let rec = parse_data(line, bytes)?;
        let expected = self.count + 1;
        if rec.serial != expected {
            return Err(err(
                line,
                "record serial",
                format!("expected {expected:07} (no gaps), found {:07}", rec.serial),
            ));
        }
        self.count = expected;
        let sign = |w: Won| {
            if rec.kind == RecordKind::Cancel {
                Won::ZERO - w
            } else {
                w
            }
        };
        for (s, w) in
            self.sums
                .iter_mut()
                .zip([rec.principal, rec.late_charge, rec.education_tax, rec.total])
        {
            *s += sign(w);
        }
        Ok(Some(Record::Data(rec)))
    }

    /// The end of the file (`lines` read): the trailer must be last and agree with the records.
    pub fn finish(self, lines: usize) -> Result<(Header, Trailer), FeedError> {
        let Some(header) = self.header else {
            return Err(err(1, "record", "empty file: expected a header record H"));
        };
        let Some((line, trailer)) = self.trailer else {
            return Err(err(
                lines.max(1),
                "record type",
                "missing trailer record T at the end",
            ));
        };
        if trailer.count != self.count {
            return Err(err(
                line,
                "number of data records",
                format!(
                    "trailer says {}, the file has {}",
                    trailer.count, self.count
                ),
            ));
        }
        let [principal, late_charge, education_tax, total] = self.sums;
        for (field, said, is) in [
            ("sum of principal", trailer.principal, principal),
            (
                "sum of late-payment charge",
                trailer.late_charge,
                late_charge,
            ),
            ("sum of education tax", trailer.education_tax, education_tax),
            ("sum of total paid", trailer.total, total),
        ] {
            if said != is {
                return Err(err(
                    line,
                    field,
                    format!("trailer says {said}, the records sum to {is}"),
                ));
            }
        }
        Ok((header, trailer))
    }
}

/// Parse and structurally validate a whole file held in memory (§1, §4 first bullet).
pub fn parse(bytes: &[u8]) -> Result<ReceiptFile, FeedError> {
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
    s.push(bytes, &mut on)?;
    s.finish(&mut on)?;
    let (header, trailer) = v.finish(lines)?;
    Ok(ReceiptFile {
        header,
        receipts,
        trailer,
    })
}

/// Writes a file exactly as the bank does, record by record, to memory or to any writer
/// (tests, the demo, the benchmark, the bank team's fixtures). Holds one record at a time.
#[derive(Debug, Clone)]
pub struct FileWriter<W = Vec<u8>> {
    out: W,
    bank_code: String,
    count: usize,
    sums: [Won; 4],
}

/// One payment to write.
#[derive(Debug, Clone)]
pub struct PaymentToWrite<'a> {
    /// Payment number (any 19 characters; the writer does not validate).
    pub e_payment_number: &'a str,
    /// Tax item code.
    pub tax_item_code: &'a str,
    /// 과세연도.
    pub fiscal_year: i32,
    /// 기분.
    pub period: u8,
    /// Principal.
    pub principal: Won,
    /// Late charge.
    pub late_charge: Won,
    /// Education tax.
    pub education_tax: Won,
    /// Paid date.
    pub paid_on: NaiveDate,
    /// Channel 1–8.
    pub channel: u8,
    /// Payer name.
    pub payer_name: &'a str,
    /// Bank receipt id.
    pub bank_receipt_id: &'a str,
    /// Cancellation?
    pub cancel: bool,
}

impl FileWriter<Vec<u8>> {
    /// A file in memory, starting with `header`.
    pub fn new(header: Header) -> Self {
        let mut w = Self {
            out: Vec::new(),
            bank_code: header.bank_code.clone(),
            count: 0,
            sums: [Won::ZERO; 4],
        };
        w.out.extend(header_bytes(&header));
        w
    }

    /// Append a data record.
    pub fn push(&mut self, p: &PaymentToWrite<'_>) {
        let r = self.record(p);
        self.out.extend(r);
    }

    /// The file's bytes, CRLF after every record.
    pub fn finish(mut self) -> Vec<u8> {
        let t = self.trailer();
        self.out.extend(t);
        self.out
    }
}

fn header_bytes(h: &Header) -> Vec<u8> {
    let mut head = format!(
        "H{}{}{}{:04}{}",
        h.tenant_code,
        h.bank_code,
        h.accounting_date.format("%Y%m%d"),
        h.file_seq,
        h.created_at.format("%Y%m%d%H%M%S")
    )
    .into_bytes();
    head.resize(RECORD_LEN, b' ');
    head.extend(b"\r\n");
    head
}

impl<W: std::io::Write> FileWriter<W> {
    /// A file written to `out`, starting with `header`.
    pub fn to(mut out: W, header: &Header) -> std::io::Result<Self> {
        out.write_all(&header_bytes(header))?;
        Ok(Self {
            out,
            bank_code: header.bank_code.clone(),
            count: 0,
            sums: [Won::ZERO; 4],
        })
    }

    /// Write a data record.
    pub fn write(&mut self, p: &PaymentToWrite<'_>) -> std::io::Result<()> {
        let r = self.record(p);
        self.out.write_all(&r)
    }

    /// Write the trailer; returns the writer.
    pub fn end(mut self) -> std::io::Result<W> {
        let t = self.trailer();
        self.out.write_all(&t)?;
        Ok(self.out)
    }
}

impl<W> FileWriter<W> {
    fn record(&mut self, p: &PaymentToWrite<'_>) -> Vec<u8> {
        let total = p.principal + p.late_charge + p.education_tax;
        self.count += 1;
        let serial = self.count;
        let mut r = Vec::with_capacity(RECORD_LEN + 2);
        r.push(b'D');
        r.extend(format!("{serial:07}").bytes());
        r.extend(format!("{:<19.19}", p.e_payment_number).bytes());
        r.extend(format!("{:<3.3}", p.tax_item_code).bytes());
        r.extend(format!("{:04}{:02}", p.fiscal_year, p.period).bytes());
        for w in [p.principal, p.late_charge, p.education_tax, total] {
            r.extend(format!("{:013}", w.to_i64()).bytes());
        }
        r.extend(p.paid_on.format("%Y%m%d").to_string().bytes());
        r.extend(b"093000");
        r.extend(format!("{}0001", self.bank_code).bytes());
        r.extend(format!("{:02}", p.channel).bytes());
        r.extend(encode_cp949_field(p.payer_name, 40));
        r.extend(p.paid_on.format("%Y%m%d").to_string().bytes());
        r.push(if p.cancel { b'C' } else { b'N' });
        r.extend(format!("{:<20.20}", p.bank_receipt_id).bytes());
        r.resize(RECORD_LEN, b' ');
        r.extend(b"\r\n");
        let sign = |w: Won| if p.cancel { Won::ZERO - w } else { w };
        for (s, w) in self
            .sums
            .iter_mut()
            .zip([p.principal, p.late_charge, p.education_tax, total])
        {
            *s += sign(w);
        }
        r
    }

    fn trailer(&self) -> Vec<u8> {
        let mut t = format!("T{:07}", self.count).into_bytes();
        for s in self.sums {
            t.extend(format!("{:015}", s.to_i64()).bytes());
        }
        t.resize(RECORD_LEN, b' ');
        t.extend(b"\r\n");
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            tenant_code: "11110".into(),
            bank_code: "032".into(),
            accounting_date: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            file_seq: 1,
            created_at: NaiveDate::from_ymd_opt(2026, 7, 1)
                .unwrap()
                .and_hms_opt(6, 0, 0)
                .unwrap(),
        }
    }

    fn payment<'a>(n: &'a str, id: &'a str) -> PaymentToWrite<'a> {
        PaymentToWrite {
            e_payment_number: n,
            tax_item_code: "501",
            fiscal_year: 2026,
            period: 1,
            principal: Won::new(199_800),
            late_charge: Won::ZERO,
            education_tax: Won::new(59_940),
            paid_on: NaiveDate::from_ymd_opt(2026, 6, 29).unwrap(),
            channel: 6,
            payer_name: "홍길동",
            bank_receipt_id: id,
            cancel: false,
        }
    }

    #[test]
    fn written_file_parses_back() {
        let mut w = FileWriter::new(header());
        w.push(&payment("1111012650000000010", "R1"));
        w.push(&payment("1111012650000000028", "R2"));
        let bytes = w.finish();
        assert_eq!(bytes.len(), 4 * 202);
        let f = parse(&bytes).unwrap();
        assert_eq!(f.receipts.len(), 2);
        assert_eq!(f.receipts[0].payer_name, "홍길동");
        assert_eq!(f.trailer.total, Won::new(2 * 259_740));
        // The final CRLF is optional.
        assert!(parse(&bytes[..bytes.len() - 2]).is_ok());
    }

    #[test]
    fn structural_errors_name_line_and_field() {
        let mut w = FileWriter::new(header());
        w.push(&payment("1111012650000000010", "R1"));
        let good = w.finish();

        let mut short = good.clone();
        short.remove(300);
        let e = parse(&short).unwrap_err();
        assert_eq!((e.line, e.field), (2, "record"));

        let mut bad_digit = good.clone();
        bad_digit[202 + 40] = b'X';
        let e = parse(&bad_digit).unwrap_err();
        assert_eq!((e.line, e.field), (2, "principal paid"));

        let mut bad_sum = good.clone();
        bad_sum[404 + 60] = b'9';
        let e = parse(&bad_sum).unwrap_err();
        assert_eq!(e.line, 3);

        let e = parse(&good[..404]).unwrap_err();
        assert_eq!(e.field, "record type");
    }

    #[test]
    fn cut_hangul_drops_the_broken_byte() {
        let mut field = encode_cp949_field("가나", 4);
        field.truncate(3);
        assert_eq!(decode_cp949(&field), "가");
    }
}
