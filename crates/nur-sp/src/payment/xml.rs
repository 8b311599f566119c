//! A small streaming XML writer for the payment files: elements indented two spaces, except
//! inside a record (one transfer, one status) which takes one line, every text escaped,
//! characters XML 1.0 forbids replaced. Written by hand because the files are flat and large:
//! one pre-sized `String`, no tree, no intermediate allocations. A record on one line keeps a
//! national payroll's file at half the size of an indented one, and a transfer is found whole
//! with `grep`.

pub(crate) struct XmlWriter {
    out: String,
    depth: usize,
    /// Inside a record: no line breaks.
    in_record: bool,
}

impl XmlWriter {
    pub fn with_capacity(bytes: usize) -> XmlWriter {
        let mut out = String::with_capacity(bytes);
        out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        XmlWriter {
            out,
            depth: 0,
            in_record: false,
        }
    }

    fn line(&mut self) {
        if self.in_record {
            return;
        }
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    pub fn open(&mut self, tag: &str) {
        self.line();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        self.depth += 1;
    }

    pub fn open_ns(&mut self, tag: &str, namespace: &str) {
        self.line();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(" xmlns=\"");
        escape_into(&mut self.out, namespace);
        self.out.push_str("\">");
        self.depth += 1;
    }

    /// Opens an element whose content is written on its line.
    pub fn open_record(&mut self, tag: &str) {
        self.open(tag);
        self.in_record = true;
    }

    pub fn close_record(&mut self, tag: &str) {
        self.close(tag);
        self.in_record = false;
    }

    pub fn close(&mut self, tag: &str) {
        self.depth -= 1;
        self.line();
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// `<tag>text</tag>` on one line.
    pub fn leaf(&mut self, tag: &str, text: &str) {
        self.line();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// `<tag attr="value">text</tag>` on one line.
    pub fn leaf_attr(&mut self, tag: &str, attr: &str, value: &str, text: &str) {
        self.line();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push(' ');
        self.out.push_str(attr);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value);
        self.out.push_str("\">");
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// A chain of single-child elements ending in a text: `path(&["A", "B"], t)` writes
    /// `<A><B>t</B></A>` over three lines.
    pub fn path(&mut self, tags: &[&str], text: &str) {
        let (leaf, outer) = tags
            .split_last()
            .expect("a path names at least one element");
        for t in outer {
            self.open(t);
        }
        self.leaf(leaf, text);
        for t in outer.iter().rev() {
            self.close(t);
        }
    }

    pub fn finish(mut self) -> String {
        debug_assert_eq!(self.depth, 0, "every element closed");
        self.out.push('\n');
        self.out
    }
}

/// Appends `text` escaped for XML content and attribute values alike. Control characters
/// (which XML 1.0 forbids or a name never means) and the non-characters U+FFFE and U+FFFF
/// become spaces, so a stray byte in a registry name cannot make the whole file unreadable.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    // Most names and ids need nothing: one scan of the bytes, one copy. Lead bytes 0xC2
    // (C1 controls) and 0xEF (U+FFFE, U+FFFF) send the text to the careful path.
    let plain = text
        .bytes()
        .all(|b| b >= 0x20 && !matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0x7f | 0xc2 | 0xef));
    if plain {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
}

/// At most `max` characters of `text`, cut on a character boundary (ISO 20022's `MaxNText`
/// counts characters, and an Arabic letter is two bytes).
pub(crate) fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_forbidden_characters_replaced() {
        let mut s = String::new();
        escape_into(&mut s, "سارة & <علي> \"x\" 'y'\u{1}\u{85}\u{FFFF}ﻷ");
        assert_eq!(s, "سارة &amp; &lt;علي&gt; &quot;x&quot; &apos;y&apos;   ﻷ");
        assert_eq!(truncate_chars("محمد", 2), "مح");
        assert_eq!(truncate_chars("abc", 5), "abc");
    }

    #[test]
    fn elements_are_indented_and_closed() {
        let mut w = XmlWriter::with_capacity(64);
        w.open_ns("Document", "urn:x");
        w.path(&["A", "B"], "t");
        w.leaf_attr("Amt", "Ccy", "JOD", "1.000");
        w.open_record("Tx");
        w.path(&["A", "B"], "t");
        w.close_record("Tx");
        w.close("Document");
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:x\">\n  <A>\n    \
             <B>t</B>\n  </A>\n  <Amt Ccy=\"JOD\">1.000</Amt>\n  \
             <Tx><A><B>t</B></A></Tx>\n</Document>\n"
        );
    }
}
