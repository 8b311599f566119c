//! Horizontal bar charts as SVG drawn on the server (no script): one bar per item, its length
//! the item's share of the largest, its figures written beside it so the chart reads without
//! colour. The same figures are in the page's tables and its CSV.

use maud::{html, Markup};

/// One bar: its label, the value its length is drawn from, and the figures written beside it.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub text: String,
}

const ROW: i64 = 22;
const LABEL_WIDTH: i64 = 130;
const BAR_WIDTH: i64 = 260;

pub fn bars(title: &str, items: &[Bar]) -> Markup {
    let height = ROW * items.len().max(1) as i64 + 8;
    let max = items.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    html! {
        figure.chart {
            figcaption { (title) }
            // Drawn left to right in both languages (an inherited right-to-left direction
            // would move every label onto its bar); the Arabic labels still read right to left.
            svg role="img" aria-label=(title) direction="ltr" viewBox=(format!("0 0 600 {height}")) width="600" height=(height) {
                @for (i, b) in items.iter().enumerate() {
                    @let y = 4 + ROW * i as i64;
                    @let w = b.value.max(0) * BAR_WIDTH / max;
                    text x="0" y=(y + 15) font-size="12" { (b.label) }
                    rect x=(LABEL_WIDTH) y=(y + 3) width=(w.max(1)) height="14" fill="#2f6f8f" {}
                    text x=(LABEL_WIDTH + 6 + w) y=(y + 15) font-size="12" { (b.text) }
                }
            }
        }
    }
}
