//! How the CLI shows things: tables of counts and won, progress bars.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};
use indicatif::{ProgressBar, ProgressStyle};
use seip_core::Won;

/// A count, right-aligned.
pub fn num(n: i64) -> Cell {
    Cell::new(n).set_alignment(CellAlignment::Right)
}

/// An amount in won with thousands separators, right-aligned.
pub fn won(w: i64) -> Cell {
    Cell::new(Won::new(w)).set_alignment(CellAlignment::Right)
}

/// An empty table with `header`.
pub fn table<S: ToString>(header: impl IntoIterator<Item = S>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(
        header
            .into_iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>(),
    );
    t
}

/// What a progress bar counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Items (vehicles, bills, records).
    Items,
    /// Bytes.
    Bytes,
}

/// A progress bar of `len` units, labelled `what`.
pub fn bar(len: u64, what: &str, unit: Unit) -> ProgressBar {
    let pb = ProgressBar::new(len);
    let template = match unit {
        Unit::Bytes => "{msg:>28} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        Unit::Items => "{msg:>28} [{bar:40}] {pos}/{len} ({per_sec}, {eta})",
    };
    pb.set_style(
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_owned());
    pb
}
