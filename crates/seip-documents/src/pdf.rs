//! The paper rendering: blocks laid out on A4 pages, then drawn with krilla, which shapes the
//! Hangul and embeds the subset of the font the document uses.
//!
//! Layout and drawing are two steps: [`layout`] turns a document into positioned text runs,
//! lines and boxes per page (pure, testable: nothing runs off the page), and [`pdf`] draws
//! them, numbering the pages once their count is known.

// Page geometry is in points, as floats (krilla's and the font's units); no amount of money
// is ever one here: amounts arrive as the text a notice prints.
#![allow(clippy::float_arithmetic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::Document as PdfDocument;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

use crate::{Block, Document, DocumentError, Field, Table};

/// A font with Hangul, regular and (where there is one) bold.
#[derive(Clone)]
pub struct Typeface {
    regular: FontFile,
    bold: FontFile,
}

#[derive(Clone)]
struct FontFile {
    data: Arc<Vec<u8>>,
    index: u32,
    path: PathBuf,
}

impl std::fmt::Debug for Typeface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Typeface")
            .field("regular", &self.regular.path)
            .field("bold", &self.bold.path)
            .finish()
    }
}

/// Where Debian's packages put fonts with Hangul (`fonts-nanum`, `fonts-noto-cjk`), regular
/// then bold, most compact first.
const SYSTEM_FONTS: [(&str, &str); 3] = [
    (
        "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
        "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf",
    ),
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ),
    (
        "/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansKR-Bold.ttf",
    ),
];

impl Typeface {
    /// The font at `regular` (a TrueType/OpenType file or collection), with the file named
    /// like it with `Bold` for headings when there is one. It must have Hangul.
    pub fn from_file(regular: &Path) -> Result<Self, DocumentError> {
        let name = regular
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let bold_name = match name.contains("Regular") {
            true => name.replace("Regular", "Bold"),
            false => match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}Bold.{ext}"),
                None => format!("{name}Bold"),
            },
        };
        Self::open(regular, &regular.with_file_name(bold_name))
    }

    fn open(regular: &Path, bold: &Path) -> Result<Self, DocumentError> {
        let regular = FontFile::read(regular)?;
        let bold = if bold.is_file() {
            FontFile::read(bold)?
        } else {
            regular.clone()
        };
        Ok(Self { regular, bold })
    }

    /// The font named by the deployment (`configured`), else the first of Debian's Hangul
    /// fonts installed. Names what to install when there is none.
    pub fn find(configured: Option<&Path>) -> Result<Self, DocumentError> {
        if let Some(path) = configured {
            return Self::from_file(path);
        }
        for (regular, bold) in SYSTEM_FONTS {
            if Path::new(regular).is_file() {
                return Self::open(Path::new(regular), Path::new(bold));
            }
        }
        Err(DocumentError::Font(
            "no font with Hangul found: install Debian's fonts-nanum (or fonts-noto-cjk), or \
             name a TrueType/OpenType font with `documents.font_file`"
                .into(),
        ))
    }

    fn file(&self, bold: bool) -> &FontFile {
        if bold { &self.bold } else { &self.regular }
    }
}

impl FontFile {
    fn read(path: &Path) -> Result<Self, DocumentError> {
        let data = std::fs::read(path)
            .map_err(|e| DocumentError::Font(format!("{}: {e}", path.display())))?;
        let file = Self {
            data: Arc::new(data),
            index: 0,
            path: path.to_owned(),
        };
        // A font for notices must draw Hangul: refuse one that would print empty boxes.
        if file.face()?.glyph_index('납').is_none() {
            return Err(DocumentError::Font(format!(
                "{}: has no Hangul",
                path.display()
            )));
        }
        Ok(file)
    }

    fn face(&self) -> Result<rustybuzz::Face<'_>, DocumentError> {
        rustybuzz::Face::from_slice(&self.data, self.index).ok_or_else(|| {
            DocumentError::Font(format!(
                "{}: not a TrueType/OpenType font",
                self.path.display()
            ))
        })
    }
}

// A4 in points, and the printable area.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 56.0;
const MARGIN_TOP: f32 = 56.0;
const MARGIN_BOTTOM: f32 = 64.0;
const BODY: f32 = 10.0;
const LEADING: f32 = 1.5;

const INK: (u8, u8, u8) = (17, 17, 17);
const RED: (u8, u8, u8) = (170, 0, 0);
const BLUE: (u8, u8, u8) = (26, 77, 143);
const GRID: (u8, u8, u8) = (85, 85, 85);
const SHADE: (u8, u8, u8) = (238, 242, 247);

/// What is drawn, positioned: y is the baseline of text, top-left origin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: (u8, u8, u8),
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        color: (u8, u8, u8),
    },
    Shade {
        rect: (f32, f32, f32, f32),
        color: (u8, u8, u8),
    },
}

struct Measure<'a> {
    regular: rustybuzz::Face<'a>,
    bold: rustybuzz::Face<'a>,
}

impl Measure<'_> {
    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold { &self.bold } else { &self.regular };
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(face, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / f32::from(face.units_per_em() as u16)
    }

    /// `text` broken into lines no wider than `width`: at spaces (Korean spaces its words),
    /// and inside a word only when the word alone is too wide (a long account number).
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size, bold) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if self.width(word, size, bold) <= width {
                    line = word.to_owned();
                    continue;
                }
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && self.width(&next, size, bold) > width {
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    } else {
                        line = next;
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

struct Layout<'a> {
    measure: Measure<'a>,
    pages: Vec<Vec<Mark>>,
    y: f32,
}

impl<'a> Layout<'a> {
    fn new(typeface: &'a Typeface) -> Result<Self, DocumentError> {
        Ok(Self {
            measure: Measure {
                regular: typeface.regular.face()?,
                bold: typeface.bold.face()?,
            },
            pages: vec![Vec::new()],
            y: MARGIN_TOP,
        })
    }

    fn width() -> f32 {
        PAGE_W - 2.0 * MARGIN_X
    }

    fn marks(&mut self) -> &mut Vec<Mark> {
        self.pages.last_mut().expect("a page")
    }

    /// Room for `height` more points on this page, or a new page.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_H - MARGIN_BOTTOM && self.y > MARGIN_TOP {
            self.pages.push(Vec::new());
            self.y = MARGIN_TOP;
        }
    }

    fn text(&mut self, x: f32, baseline: f32, size: f32, bold: bool, color: (u8, u8, u8), s: &str) {
        if !s.is_empty() {
            self.marks().push(Mark::Text {
                x,
                y: baseline,
                size,
                bold,
                color,
                text: s.to_owned(),
            });
        }
    }

    fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: (u8, u8, u8)) {
        self.marks().push(Mark::Line {
            from,
            to,
            width,
            color,
        });
    }

    /// Lines of wrapped text at `x`, `width` wide, from the cursor down.
    fn lines(&mut self, x: f32, width: f32, size: f32, bold: bool, color: (u8, u8, u8), s: &str) {
        for line in self.measure.wrap(s, size, bold, width) {
            let step = size * LEADING;
            self.room(step);
            self.y += step;
            self.text(x, self.y - size * 0.35, size, bold, color, &line);
        }
    }

    fn title(&mut self, doc: &Document) {
        let size = 18.0;
        for line in self.measure.wrap(&doc.title, size, true, Self::width()) {
            let w = self.measure.width(&line, size, true);
            self.y += size * 1.4;
            self.text(
                (PAGE_W - w) / 2.0,
                self.y - size * 0.3,
                size,
                true,
                INK,
                &line,
            );
        }
        self.y += 6.0;
        for dy in [0.0, 2.5] {
            let y = self.y + dy;
            self.line((MARGIN_X, y), (PAGE_W - MARGIN_X, y), 0.8, INK);
        }
        self.y += 4.0;
        let w = self.measure.width(&doc.issuer, BODY, false);
        self.y += BODY * LEADING;
        self.text(
            (PAGE_W - w) / 2.0,
            self.y - BODY * 0.35,
            BODY,
            false,
            GRID,
            &doc.issuer,
        );
        self.y += 8.0;
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Paragraph(text) => {
                self.lines(MARGIN_X, Self::width(), BODY, false, INK, text);
                self.y += 6.0;
            }
            Block::Heading(text) => {
                let size = 11.5;
                self.room(size * 3.0);
                self.y += 8.0;
                let top = self.y;
                self.lines(MARGIN_X + 8.0, Self::width() - 8.0, size, true, INK, text);
                self.line(
                    (MARGIN_X + 1.5, top + 2.0),
                    (MARGIN_X + 1.5, self.y),
                    3.0,
                    BLUE,
                );
                self.y += 3.0;
            }
            Block::Warning(text) => self.warning(text),
            Block::Fields(fields) => self.fields(fields),
            Block::Table(table) => self.table(table),
        }
    }

    fn warning(&mut self, text: &str) {
        let pad = 7.0;
        let inner = Self::width() - 2.0 * pad;
        let lines = self.measure.wrap(text, BODY, true, inner);
        let height = lines.len() as f32 * BODY * LEADING + 2.0 * pad;
        self.room(height.min(PAGE_H - MARGIN_TOP - MARGIN_BOTTOM));
        self.y += 4.0;
        let top = self.y;
        self.y += pad;
        self.lines(MARGIN_X + pad, inner, BODY, true, RED, text);
        self.y += pad;
        let (l, r, b) = (MARGIN_X, PAGE_W - MARGIN_X, self.y);
        for (from, to) in [
            ((l, top), (r, top)),
            ((r, top), (r, b)),
            ((r, b), (l, b)),
            ((l, b), (l, top)),
        ] {
            self.line(from, to, 1.5, RED);
        }
        self.y += 8.0;
    }

    fn fields(&mut self, fields: &[Field]) {
        let label_w = 110.0;
        let value_x = MARGIN_X + label_w;
        let value_w = Self::width() - label_w;
        self.y += 4.0;
        for f in fields {
            let size = if f.emphasis { 12.0 } else { BODY };
            let color = if f.emphasis { RED } else { INK };
            let lines = self.measure.wrap(&f.value, size, f.emphasis, value_w);
            self.room(lines.len() as f32 * size * LEADING);
            let top = self.y;
            self.y += size * LEADING;
            self.text(MARGIN_X, self.y - size * 0.35, BODY, true, INK, &f.label);
            self.y = top;
            for line in lines {
                self.y += size * LEADING;
                self.text(
                    value_x,
                    self.y - size * 0.35,
                    size,
                    f.emphasis,
                    color,
                    &line,
                );
            }
        }
        self.y += 8.0;
    }

    fn table(&mut self, table: &Table) {
        let weights: u32 = table
            .columns
            .iter()
            .map(|c| u32::from(c.weight.max(1)))
            .sum();
        let widths: Vec<f32> = table
            .columns
            .iter()
            .map(|c| Self::width() * f32::from(c.weight.max(1)) / weights as f32)
            .collect();
        let head: Vec<String> = table.columns.iter().map(|c| c.heading.clone()).collect();
        self.y += 4.0;
        self.row(table, &widths, &head, true, Some(SHADE));
        for cells in &table.rows {
            self.row(table, &widths, cells, false, None);
        }
        if let Some(total) = &table.total {
            self.row(table, &widths, total, true, Some(SHADE));
        }
        self.y += 8.0;
    }

    /// One table row: cells wrapped in their column, amounts right-aligned, ruled round.
    fn row(
        &mut self,
        table: &Table,
        widths: &[f32],
        cells: &[String],
        bold: bool,
        shade: Option<(u8, u8, u8)>,
    ) {
        let pad = 4.0;
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(widths)
            .map(|(cell, w)| self.measure.wrap(cell, BODY, bold, w - 2.0 * pad))
            .collect();
        let count = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = count as f32 * BODY * LEADING + pad;
        self.room(height);
        let top = self.y;
        let bottom = top + height;
        if let Some(color) = shade {
            self.marks().push(Mark::Shade {
                rect: (MARGIN_X, top, Self::width(), height),
                color,
            });
        }
        let mut x = MARGIN_X;
        for ((lines, w), column) in wrapped.iter().zip(widths).zip(&table.columns) {
            let mut y = top + pad / 2.0;
            for line in lines {
                y += BODY * LEADING;
                let tx = if column.amount {
                    x + w - pad - self.measure.width(line, BODY, bold)
                } else {
                    x + pad
                };
                self.text(tx, y - BODY * 0.35, BODY, bold, INK, line);
            }
            self.line((x, top), (x, bottom), 0.6, GRID);
            x += w;
        }
        self.line((x, top), (x, bottom), 0.6, GRID);
        self.line((MARGIN_X, top), (x, top), 0.6, GRID);
        self.line((MARGIN_X, bottom), (x, bottom), 0.6, GRID);
        self.y = bottom;
    }
}

/// `doc` laid out on A4 pages.
pub(crate) fn layout(doc: &Document, typeface: &Typeface) -> Result<Vec<Vec<Mark>>, DocumentError> {
    doc.check()?;
    let mut layout = Layout::new(typeface)?;
    layout.title(doc);
    for block in &doc.blocks {
        layout.block(block);
    }
    let count = layout.pages.len();
    if count > 1 {
        for (n, page) in layout.pages.iter_mut().enumerate() {
            let label = format!("{} / {count}", n + 1);
            let w = layout.measure.width(&label, 8.0, false);
            page.push(Mark::Text {
                x: (PAGE_W - w) / 2.0,
                y: PAGE_H - MARGIN_BOTTOM / 2.0,
                size: 8.0,
                bold: false,
                color: GRID,
                text: label,
            });
        }
    }
    Ok(layout.pages)
}

/// `doc` as a PDF (A4, the used glyphs of `typeface` embedded, titled, language Korean).
pub fn pdf(doc: &Document, typeface: &Typeface) -> Result<Vec<u8>, DocumentError> {
    let pages = layout(doc, typeface)?;
    let font = |bold: bool| {
        let file = typeface.file(bold);
        Font::new(file.data.clone().into(), file.index).ok_or_else(|| {
            DocumentError::Font(format!("{}: krilla cannot read it", file.path.display()))
        })
    };
    let (regular, bold) = (font(false)?, font(true)?);
    let mut out = PdfDocument::new();
    out.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("ko".into())
            .creator("Seip".into()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| DocumentError::Pdf("page size".into()))?;
    for marks in pages {
        let mut page = out.start_page_with(settings.clone());
        let mut surface = page.surface();
        for mark in marks {
            match mark {
                Mark::Text {
                    x,
                    y,
                    size,
                    bold: b,
                    color,
                    text,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill(color)));
                    let font = if b { bold.clone() } else { regular.clone() };
                    surface.draw_text(
                        Point::from_xy(x, y),
                        font,
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Mark::Line {
                    from,
                    to,
                    width,
                    color,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(from.0, from.1);
                    pb.line_to(to.0, to.1);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(color.0, color.1, color.2).into(),
                            width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
                Mark::Shade { rect, color } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(rect.0, rect.1, rect.2, rect.3) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(fill(color)));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    out.finish()
        .map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}

fn fill(color: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        ..Fill::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Column, Field};

    /// The machine's Hangul font; the tests that need one say so and pass by when there is
    /// none outside CI (CI installs fonts-nanum).
    fn typeface() -> Option<Typeface> {
        match Typeface::find(None) {
            Ok(t) => Some(t),
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("skipped: {e}");
                None
            }
            Err(e) => panic!("{e}"),
        }
    }

    fn long_document(rows: usize) -> Document {
        Document {
            title: "지방세 체납액 납부 안내".into(),
            issuer: "서울특별시 종로구청장".into(),
            blocks: vec![
                Block::Fields(vec![
                    Field::new("납세자", "홍길동"),
                    Field::emphasized("납부할 금액", "1,234,567원"),
                    Field::new(
                        "가상계좌",
                        "신한은행 5620-1234-5678-9012-3456-7890-1234-5678",
                    ),
                ]),
                Block::Table(Table {
                    columns: vec![
                        Column::text("전자납부번호", 4),
                        Column::text("세목", 2),
                        Column::amount("금액", 2),
                    ],
                    rows: (0..rows)
                        .map(|i| {
                            vec![
                                format!("11110-1-26-10-{i:09}"),
                                "자동차세".into(),
                                "199,800".into(),
                            ]
                        })
                        .collect(),
                    total: Some(vec!["합계".into(), String::new(), "199,800".into()]),
                }),
                Block::Warning(
                    "납부기한까지 납부하지 않으면 재산 압류 등 체납처분을 받게 됩니다. ".repeat(4),
                ),
            ],
        }
    }

    #[test]
    fn nothing_is_laid_out_off_the_printable_area() {
        let Some(t) = typeface() else { return };
        let pages = layout(&long_document(120), &t).unwrap();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let measure = Layout::new(&t).unwrap().measure;
        for page in &pages {
            for mark in page {
                if let Mark::Text {
                    x,
                    y,
                    size,
                    bold,
                    text,
                    ..
                } = mark
                {
                    let right = x + measure.width(text, *size, *bold);
                    assert!(*x >= MARGIN_X - 0.01, "{text} starts at {x}");
                    assert!(right <= PAGE_W - MARGIN_X + 0.01, "{text} ends at {right}");
                    assert!(*y <= PAGE_H - MARGIN_BOTTOM / 2.0 + 0.01, "{text} at {y}");
                }
            }
        }
        let last = pages.last().unwrap();
        assert!(last.iter().any(|m| matches!(m, Mark::Text { text, .. } if text == &format!("{} / {}", pages.len(), pages.len()))));
    }

    #[test]
    fn a_pdf_embeds_only_the_glyphs_it_uses() {
        let Some(t) = typeface() else { return };
        let bytes = pdf(&long_document(3), &t).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let font_size = std::fs::metadata(&t.regular.path).unwrap().len();
        assert!(
            (bytes.len() as u64) < font_size / 4,
            "{} bytes for a font of {font_size}",
            bytes.len()
        );
    }

    #[test]
    fn a_long_account_number_breaks_inside_the_word() {
        let Some(t) = typeface() else { return };
        let layout = Layout::new(&t).unwrap();
        let lines = layout
            .measure
            .wrap(&"1234567890".repeat(20), BODY, false, 100.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(
            lines
                .iter()
                .all(|l| layout.measure.width(l, BODY, false) <= 100.0)
        );
        assert_eq!(lines.concat(), "1234567890".repeat(20));
    }

    #[test]
    fn a_font_without_hangul_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("seip-font-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("empty.ttf");
        std::fs::write(&path, b"not a font").unwrap();
        let err = Typeface::from_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("empty.ttf: not a TrueType/OpenType font"),
            "{err}"
        );
    }
}
