//! The phone's rendering: one template for every document, escaped by askama.

use askama::Template;

use crate::{Block, Document, DocumentError};

#[derive(Template)]
#[template(path = "document.html")]
struct Page<'a> {
    doc: &'a Document,
}

/// `doc` as a self-contained HTML page (inline style, no script, no outside resource).
pub fn html(doc: &Document) -> Result<String, DocumentError> {
    doc.check()?;
    Page { doc }
        .render()
        .map_err(|e| DocumentError::Html(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Column, Field, Table};

    fn sample() -> Document {
        Document {
            title: "지방세 납세고지서".into(),
            issuer: "서울특별시 종로구청장".into(),
            blocks: vec![
                Block::Paragraph("<script>alert(1)</script> 안내".into()),
                Block::Fields(vec![
                    Field::new("납세자", "홍길동"),
                    Field::emphasized("납부기한", "2026-06-30"),
                ]),
                Block::Table(Table {
                    columns: vec![Column::text("세목", 2), Column::amount("금액", 1)],
                    rows: vec![vec!["자동차세".into(), "199,800".into()]],
                    total: Some(vec!["합계".into(), "199,800원".into()]),
                }),
            ],
        }
    }

    #[test]
    fn a_document_renders_escaped_with_amounts_aligned() {
        let page = html(&sample()).unwrap();
        assert!(page.contains("<h1>지방세 납세고지서</h1>"), "{page}");
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains(r#"<dd class="em">2026-06-30</dd>"#), "{page}");
        assert!(
            page.contains(r#"<td data-label="금액" class="won">199,800</td>"#),
            "{page}"
        );
        assert!(
            page.contains(r#"<th data-label="금액" class="won">199,800원</th>"#),
            "{page}"
        );
    }

    #[test]
    fn a_row_short_of_cells_is_refused() {
        let mut doc = sample();
        if let Block::Table(t) = &mut doc.blocks[2] {
            t.rows.push(vec!["지방교육세".into()]);
        }
        let err = html(&doc).unwrap_err();
        assert_eq!(err.to_string(), "table row 1 has 1 cells for 2 columns");
    }
}
