//! A cookie-keeping HTTP/1.1 client for the portal's tests: forms with their CSRF token,
//! redirects read, cookies kept. Shared with the command line's tests (by path).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::SocketAddr;

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body as sent (files that are not text).
    #[allow(dead_code)]
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }
}

/// A cookie-keeping client.
pub struct Browser {
    pub addr: SocketAddr,
    pub cookies: HashMap<String, String>,
    pub accept_language: Option<&'static str>,
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Browser {
        Browser {
            addr,
            cookies: HashMap::new(),
            accept_language: None,
        }
    }

    pub fn send(&mut self, method: &str, path: &str, body: &str) -> Resp {
        self.send_bytes(
            method,
            path,
            "application/x-www-form-urlencoded",
            body.as_bytes(),
        )
    }

    pub fn send_bytes(
        &mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> Resp {
        let mut s = std::net::TcpStream::connect(self.addr).unwrap();
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {}\r\nContent-Type: {content_type}\r\n", body.len());
        if !cookie.is_empty() {
            head.push_str(&format!("Cookie: {}\r\n", cookie.join("; ")));
        }
        if let Some(l) = self.accept_language {
            head.push_str(&format!("Accept-Language: {l}\r\n"));
        }
        write!(s, "{head}\r\n").unwrap();
        s.write_all(body).unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let bytes = buf[split + 4..].to_vec();
        let text = String::from_utf8_lossy(&buf).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let mut lines = head.lines();
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                let pair = v.split(';').next().unwrap();
                let (n, val) = pair.split_once('=').unwrap();
                if v.contains("Max-Age=0") {
                    self.cookies.remove(n);
                } else {
                    self.cookies.insert(n.to_owned(), val.to_owned());
                }
            }
        }
        Resp {
            status,
            headers,
            body: body.to_owned(),
            bytes,
        }
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, "")
    }

    /// Posts a form with the CSRF token of the page last seen at `from`.
    pub fn post(&mut self, from: &str, path: &str, fields: &[(&str, &str)]) -> Resp {
        let page = self.get(from);
        let csrf = csrf(&page.body);
        let mut body = format!("csrf={}", enc(&csrf));
        for (k, v) in fields {
            body.push_str(&format!("&{}={}", enc(k), enc(v)));
        }
        self.send("POST", path, &body)
    }
}

impl Browser {
    /// Posts a `multipart/form-data` form (text fields and files given as field, file name,
    /// type and bytes) with the CSRF token of the page last seen at `from`.
    // The command line's tests, which share this client, send no files.
    #[allow(dead_code)]
    pub fn post_multipart(
        &mut self,
        from: &str,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Resp {
        let page = self.get(from);
        let token = csrf(&page.body);
        let boundary = "----nurTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in [("csrf", token.as_str())].iter().chain(fields) {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (field, name, ty, bytes) in files {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {ty}\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let ty = format!("multipart/form-data; boundary={boundary}");
        self.send_bytes("POST", path, &ty, &body)
    }
}

pub fn csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .to_owned()
}

/// The fields a browser would send from the form `id` of `html` as it stands (text and hidden
/// inputs, ticked checkboxes, each select's selected option; no buttons): maud writes
/// attributes in a regular way, which is all this reads.
#[allow(dead_code)]
pub fn form_fields(html: &str, id: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("<form id=\"{id}\""))
        .unwrap_or_else(|| panic!("no form {id}"));
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let v = &tag[at..at + tag[at..].find('"')?];
        Some(
            v.replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        )
    };
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..end];
        if tag.starts_with("<input") {
            let ty = attr(tag, "type").unwrap_or_default();
            let checkbox = ty == "checkbox";
            if let Some(name) = attr(tag, "name") {
                if !checkbox || tag.contains(" checked") {
                    out.push((name, attr(tag, "value").unwrap_or_default()));
                }
            }
        } else if tag.starts_with("<select") {
            let name = attr(tag, "name").unwrap_or_default();
            let close = rest.find("</select>").unwrap();
            let options = &rest[..close];
            let chosen = options
                .split("<option")
                .skip(1)
                .find(|o| o[..o.find('>').unwrap()].contains(" selected"))
                .or_else(|| options.split("<option").nth(1))
                .map(|o| attr(&o[..o.find('>').unwrap()], "value").unwrap_or_default())
                .unwrap_or_default();
            out.push((name, chosen));
            rest = &rest[close..];
            continue;
        }
        rest = &rest[end..];
    }
    out
}
