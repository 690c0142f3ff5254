//! Documents Seip sends to people — notices, demands, guidance — as one block model that
//! renders both ways: to HTML for the phone (escaped, no script, readable on a small screen)
//! and to PDF for paper (A4, Hangul shaped and the font's used glyphs embedded, so a print
//! vendor prints what the taxpayer's phone shows).
//!
//! What a document *says* (each kind's wording and legally required items) is composed by
//! the service that owns it; this crate only lays blocks out. No I/O but reading a font file.

mod html;
mod pdf;

pub use html::html;
pub use pdf::{Typeface, pdf};

/// A document: a title and its blocks, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The title (e.g. `지방세 납세고지서`), centred on top.
    pub title: String,
    /// Who issues it (e.g. `서울특별시 종로구청장`), under the title.
    pub issuer: String,
    /// The body.
    pub blocks: Vec<Block>,
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph of running text.
    Paragraph(String),
    /// Labelled values (document number, recipient, due date …), a row each.
    Fields(Vec<Field>),
    /// A table of amounts.
    Table(Table),
    /// A heading over the blocks that follow.
    Heading(String),
    /// Text that must not be missed (a consequence, a deadline), boxed.
    Warning(String),
}

/// A labelled value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The label.
    pub label: String,
    /// The value.
    pub value: String,
    /// Shown prominently (the amount to pay, the deadline).
    pub emphasis: bool,
}

impl Field {
    /// A plain field.
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
            emphasis: false,
        }
    }

    /// A field shown prominently.
    pub fn emphasized(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            emphasis: true,
            ..Self::new(label, value)
        }
    }
}

/// A table: columns, rows and an optional total row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, a cell per column.
    pub rows: Vec<Vec<String>>,
    /// The total row, a cell per column.
    pub total: Option<Vec<String>>,
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The heading.
    pub heading: String,
    /// Amounts are right-aligned.
    pub amount: bool,
    /// Share of the table's width, relative to the other columns.
    pub weight: u8,
}

impl Column {
    /// A text column.
    pub fn text(heading: impl Into<String>, weight: u8) -> Self {
        Self {
            heading: heading.into(),
            amount: false,
            weight,
        }
    }

    /// An amount column (right-aligned, tabular figures).
    pub fn amount(heading: impl Into<String>, weight: u8) -> Self {
        Self {
            amount: true,
            ..Self::text(heading, weight)
        }
    }
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// No font with Hangul was found or the one given is not a font.
    #[error("font: {0}")]
    Font(String),
    /// A table row has a different number of cells than the table has columns.
    #[error("table row {row} has {cells} cells for {columns} columns")]
    Table {
        /// The row (0-based; the total row counts after the rows).
        row: usize,
        /// Cells in it.
        cells: usize,
        /// Columns of the table.
        columns: usize,
    },
    /// The HTML template failed.
    #[error("html: {0}")]
    Html(String),
    /// The PDF writer failed.
    #[error("pdf: {0}")]
    Pdf(String),
}

impl Document {
    /// Checks what a renderer relies on: every table row has a cell per column.
    pub(crate) fn check(&self) -> Result<(), DocumentError> {
        for block in &self.blocks {
            if let Block::Table(t) = block {
                for (row, cells) in t.rows.iter().chain(t.total.iter()).enumerate() {
                    if cells.len() != t.columns.len() {
                        return Err(DocumentError::Table {
                            row,
                            cells: cells.len(),
                            columns: t.columns.len(),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}
