//! Files sent with a form (`multipart/form-data`, RFC 7578): a status report from a bank, the
//! documents of an appeal. The guard reads the whole body (bounded) before any handler runs,
//! since the CSRF token is one of its fields, so the parts are split here from bytes already
//! read rather than streamed. Only what browsers send is read: each part's
//! `Content-Disposition: form-data; name=…; filename=…` and its `Content-Type`.

use axum::body::Bytes;

/// A file of a submitted form.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The form field it was sent in.
    pub field: String,
    /// The name the sender's computer gave it.
    pub filename: String,
    pub content_type: String,
    pub bytes: Bytes,
}

/// A form of more parts than this is refused (no portal form has a tenth of them).
const MAX_PARTS: usize = 64;

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    if !params
        .next()?
        .trim()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return None;
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| (1..=70).contains(&b.len()))
}

/// A form's text fields (name, value) and its files.
pub type Parts = (Vec<(String, String)>, Vec<Upload>);

/// Why a multipart body was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// The text fields and the files of a multipart body. A file input left empty (no name, no
/// bytes) is no file.
pub fn parse(body: &Bytes, boundary: &str) -> Result<Parts, Malformed> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = find(body, delimiter, 0).ok_or(Malformed("no first boundary"))? + delimiter.len();
    let (mut fields, mut files) = (Vec::new(), Vec::new());
    for _ in 0..=MAX_PARTS {
        if body[at..].starts_with(b"--") {
            return Ok((fields, files));
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err(Malformed("a boundary is not followed by a line end"));
        }
        at += 2;
        let head_end =
            find(body, b"\r\n\r\n", at).ok_or(Malformed("a part has no end of headers"))?;
        let head = String::from_utf8_lossy(&body[at..head_end]);
        let start = head_end + 4;
        let mut next = Vec::with_capacity(delimiter.len() + 2);
        next.extend_from_slice(b"\r\n");
        next.extend_from_slice(delimiter);
        let end = closing(body, &next, start).ok_or(Malformed("a part has no closing boundary"))?;
        at = end + next.len();
        let (mut name, mut filename, mut content_type) = (None, None, None);
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                for p in v.split(';').skip(1) {
                    match p.trim().split_once('=') {
                        Some(("name", n)) => name = Some(unquote(n)),
                        Some(("filename", n)) => filename = Some(unquote(n)),
                        _ => {}
                    }
                }
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_owned());
            }
        }
        let name = name.ok_or(Malformed("a part has no name"))?;
        match filename {
            Some(f) if f.is_empty() && start == end => {}
            Some(filename) => files.push(Upload {
                field: name,
                filename,
                content_type: content_type.unwrap_or_else(|| "application/octet-stream".into()),
                bytes: body.slice(start..end),
            }),
            None => fields.push((
                name,
                String::from_utf8_lossy(&body[start..end]).into_owned(),
            )),
        }
    }
    Err(Malformed("too many parts"))
}

/// A parameter's value without its quotes; browsers escape a quote in a file name as `%22`.
fn unquote(v: &str) -> String {
    let v = v.trim();
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
        .replace("%22", "\"")
}

/// Where a part's content ends: the next line that is the boundary, followed by `--` (the
/// last part) or a line end. A line that merely starts with the boundary is content.
fn closing(body: &[u8], delimiter: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let i = find(body, delimiter, at)?;
        let rest = &body[i + delimiter.len()..];
        if rest.starts_with(b"--") || rest.starts_with(b"\r\n") {
            return Some(i);
        }
        at = i + 1;
    }
}

/// Where `needle` next occurs in `hay` from `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let j = hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|b| *b == first)?;
        i += j;
        if hay[i..].starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Bytes {
        let mut b = Vec::new();
        for (name, file, content) in parts {
            b.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"");
            b.extend_from_slice(name.as_bytes());
            b.push(b'"');
            if let Some(f) = file {
                b.extend_from_slice(
                    format!("; filename=\"{f}\"\r\nContent-Type: application/pdf").as_bytes(),
                );
            }
            b.extend_from_slice(b"\r\n\r\n");
            b.extend_from_slice(content);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"--XyZ--\r\n");
        Bytes::from(b)
    }

    #[test]
    fn fields_and_files_are_split() {
        let b = body(&[
            ("csrf", None, b"tok"),
            ("reason", None, "سبب\r\nثانٍ".as_bytes()),
            (
                "documents",
                Some("a%22b.pdf"),
                b"%PDF-1.4\r\n--XyZ inside\r\n\x00\xff",
            ),
            ("documents", Some(""), b""),
        ]);
        let (fields, files) = parse(&b, "XyZ").unwrap();
        assert_eq!(fields[0], ("csrf".into(), "tok".into()));
        assert_eq!(fields[1].1, "سبب\r\nثانٍ");
        assert_eq!(files.len(), 1, "an empty file input is no file");
        assert_eq!(files[0].filename, "a\"b.pdf");
        assert_eq!(files[0].content_type, "application/pdf");
        assert_eq!(&files[0].bytes[..], b"%PDF-1.4\r\n--XyZ inside\r\n\x00\xff");
    }

    #[test]
    fn boundaries_and_malformed_bodies() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"----Web 1\"").as_deref(),
            Some("----Web 1")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(boundary("multipart/form-data"), None);
        let cut = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
        );
        assert!(parse(&cut, "XyZ").is_err());
        assert!(parse(&Bytes::from_static(b"nothing"), "XyZ").is_err());
        let nameless = Bytes::from_static(b"--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--");
        assert_eq!(
            parse(&nameless, "XyZ").unwrap_err(),
            Malformed("a part has no name")
        );
    }
}
