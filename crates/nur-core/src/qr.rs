//! QR code as a compact, standalone SVG string (no styles, no scripts), safe
//! to inline under a strict Content-Security-Policy.

use qrcodegen::{QrCode, QrCodeEcc, QrSegment, Version};
use std::fmt::Write;

/// Width of the light border around the symbol, in modules.
pub const QUIET_ZONE: i32 = 4;

/// The QR code of `text` at error correction level Medium, as an SVG string.
///
/// # Panics
/// If `text` does not fit in a version-40 symbol at level Medium (2331 bytes
/// in byte mode); an otpauth URI is far below that. Use [`try_svg`] to get
/// `None` instead.
pub fn svg(text: &str) -> String {
    labelled(text, "QR code")
}

/// Like [`svg`], named `label` for assistive technology (in the reader's language).
pub fn labelled(text: &str, label: &str) -> String {
    encode(text)
        .map(|qr| render(&qr, label))
        .expect("text too long for a QR code at error correction level M")
}

/// Like [`svg`], but returns `None` if `text` is too long for any QR version.
pub fn try_svg(text: &str) -> Option<String> {
    encode(text).map(|qr| render(&qr, "QR code"))
}

/// Exactly level M: no ECC boosting, so the level is what the caller asked for.
fn encode(text: &str) -> Option<QrCode> {
    let segs = QrSegment::make_segments(text);
    QrCode::encode_segments_advanced(
        &segs,
        QrCodeEcc::Medium,
        Version::MIN,
        Version::MAX,
        None,
        false,
    )
    .ok()
}

fn render(qr: &QrCode, label: &str) -> String {
    let size = qr.size();
    let n = size + 2 * QUIET_ZONE;
    let mut d = String::new();
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if !qr.get_module(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < size && qr.get_module(x, y) {
                x += 1;
            }
            let run = x - start;
            // Writing to a String cannot fail.
            let _ = write!(
                d,
                "M{},{}h{run}v1h-{run}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE
            );
        }
    }
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" "#,
            r#"shape-rendering="crispEdges" role="img" aria-label="{label}">"#,
            r##"<rect width="{n}" height="{n}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{d}"/></svg>"##
        ),
        n = n,
        d = d,
        label = label
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "otpauth://totp/%D8%A7%D9%84%D8%B3%D8%AC%D9%84%20Registry:alice1%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%D8%A7%D9%84%D8%B3%D8%AC%D9%84%20Registry&algorithm=SHA1&digits=6&period=30";

    fn view_box_size(svg: &str) -> i32 {
        let rest = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
        let (w, rest) = rest.split_once(' ').unwrap();
        let (h, _) = rest.split_once('"').unwrap();
        assert_eq!(w, h);
        w.parse().unwrap()
    }

    fn path_d(svg: &str) -> &str {
        let rest = svg.split(" d=\"").nth(1).unwrap();
        rest.split_once('"').unwrap().0
    }

    /// Rasterises the `M{x},{y}h{n}v1h-{n}z` runs back into a grid.
    fn rasterise(d: &str, n: i32) -> Vec<Vec<bool>> {
        let mut grid = vec![vec![false; n as usize]; n as usize];
        let mut runs = Vec::new();
        for cmd in d.split('M').filter(|s| !s.is_empty()) {
            let (xy, rest) = cmd.split_once('h').unwrap();
            let (x, y) = xy.split_once(',').unwrap();
            let (x, y): (i32, i32) = (x.parse().unwrap(), y.parse().unwrap());
            let (run, tail) = rest.split_once("v1h-").unwrap();
            let run: i32 = run.parse().unwrap();
            assert_eq!(tail, format!("{run}z"));
            assert!(run >= 1);
            for xi in x..x + run {
                let cell = &mut grid[y as usize][xi as usize];
                assert!(!*cell, "overlapping runs");
                *cell = true;
            }
            runs.push((x, y, run));
        }
        // Runs are maximal: no dark module directly left or right of a run.
        for (x, y, run) in runs {
            let row = &grid[y as usize];
            assert!(!row[(x - 1) as usize] && !row[(x + run) as usize]);
        }
        grid
    }

    #[test]
    fn shape_of_output() {
        assert_eq!(URI.len(), 200);
        let s = svg(URI);
        assert!(s.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#));
        assert!(s.contains(r#"shape-rendering="crispEdges" role="img" aria-label="QR code">"#));
        assert!(s.ends_with("</svg>"));
        assert_eq!(s.matches("<path").count(), 1);
        assert_eq!(s.matches("<rect").count(), 1);
        assert!(!s.contains("style"));
        assert!(!s.contains("script"));
        assert!(!s.contains('\n'));
    }

    #[test]
    fn size_is_module_count_plus_quiet_zone() {
        for text in ["", "x", URI] {
            let qr = encode(text).unwrap();
            assert_eq!(qr.error_correction_level(), QrCodeEcc::Medium);
            assert_eq!(view_box_size(&svg(text)), qr.size() + 8);
        }
    }

    #[test]
    fn path_draws_exactly_the_dark_modules() {
        let qr = encode(URI).unwrap();
        let s = svg(URI);
        let n = view_box_size(&s);
        let grid = rasterise(path_d(&s), n);
        for y in 0..n {
            for x in 0..n {
                let (qx, qy) = (x - QUIET_ZONE, y - QUIET_ZONE);
                let in_symbol = (0..qr.size()).contains(&qx) && (0..qr.size()).contains(&qy);
                let want = in_symbol && qr.get_module(qx, qy);
                assert_eq!(grid[y as usize][x as usize], want, "({x},{y})");
            }
        }
    }

    #[test]
    fn too_long_input_is_none() {
        assert!(try_svg(&"x".repeat(3000)).is_none());
        assert!(try_svg(&"x".repeat(2331)).is_some());
    }
}
