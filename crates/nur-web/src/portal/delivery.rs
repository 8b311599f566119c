//! Delivering one-time codes. Production deployments plug in their SMS gateway or SMTP
//! relay behind [`Delivery`]; development writes an outbox file under the data directory.

use std::io::Write;
use std::path::PathBuf;

pub use nur_app::Delivery;

/// The delivery a portal configuration names: the outbox file (development), else the SMTP
/// relay, else the SMS gateway; none when nothing is configured (TOTP only).
pub fn for_config(config: &super::PortalConfig) -> Option<std::sync::Arc<dyn Delivery>> {
    match (&config.outbox, &config.smtp, &config.sms_gateway) {
        (Some(p), _, _) => Some(std::sync::Arc::new(Outbox(p.clone()))),
        (None, Some((relay, from)), _) => Some(std::sync::Arc::new(Smtp {
            relay: relay.clone(),
            from: from.clone(),
        })),
        (None, None, Some(url)) => Some(std::sync::Arc::new(SmsGateway { url: url.clone() })),
        _ => None,
    }
}

/// Appends one JSON line per message to a file (mode 0600).
pub struct Outbox(pub PathBuf);

impl Delivery for Outbox {
    fn send(&self, username: &str, contact: Option<&str>, text: &str) -> Result<(), String> {
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&self.0)
            .map_err(|e| format!("outbox {}: {e}", self.0.display()))?;
        let line = serde_json::json!({
            "at_ms": nur_store::now_ms(), "to": username, "contact": contact, "text": text,
        });
        writeln!(f, "{line}").map_err(|e| format!("outbox {}: {e}", self.0.display()))
    }
}

/// Plain SMTP to the deployment's mail relay (on a closed network the relay does TLS and
/// authentication onwards). The account's contact must be an e-mail address.
pub struct Smtp {
    /// host:port of the relay.
    pub relay: String,
    pub from: String,
}

fn clean(s: &str, what: &str) -> Result<(), String> {
    if s.is_empty() || s.chars().any(|c| c.is_control()) {
        return Err(format!("{what} is empty or holds control characters"));
    }
    Ok(())
}

fn connect(addr: &str) -> Result<std::net::TcpStream, String> {
    use std::net::ToSocketAddrs;
    let sa = addr
        .to_socket_addrs()
        .map_err(|e| format!("{addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr}: no address"))?;
    let s = std::net::TcpStream::connect_timeout(&sa, std::time::Duration::from_secs(5))
        .map_err(|e| format!("{addr}: {e}"))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    Ok(s)
}

impl Delivery for Smtp {
    fn send(&self, username: &str, contact: Option<&str>, text: &str) -> Result<(), String> {
        use std::io::{BufRead, BufReader};
        let to = contact
            .filter(|c| c.contains('@'))
            .ok_or_else(|| format!("account {username} has no e-mail address"))?;
        clean(to, "the address")?;
        clean(&self.from, "the sender")?;
        let stream = connect(&self.relay)?;
        let mut w = stream.try_clone().map_err(|e| e.to_string())?;
        let mut r = BufReader::new(stream);
        // Reads one (possibly multi-line) reply and checks its code.
        let mut expect = |want: &[&str]| -> Result<(), String> {
            loop {
                let mut line = String::new();
                r.read_line(&mut line).map_err(|e| format!("smtp: {e}"))?;
                if line.len() < 4 || !want.iter().any(|w| line.starts_with(w)) {
                    return Err(format!("smtp relay answered {:?}", line.trim_end()));
                }
                if line.as_bytes()[3] == b' ' {
                    return Ok(());
                }
            }
        };
        let say = |w: &mut std::net::TcpStream, s: &str| -> Result<(), String> {
            w.write_all(s.as_bytes()).map_err(|e| format!("smtp: {e}"))
        };
        expect(&["220"])?;
        say(&mut w, "EHLO nur\r\n")?;
        expect(&["250"])?;
        say(&mut w, &format!("MAIL FROM:<{}>\r\n", self.from))?;
        expect(&["250"])?;
        say(&mut w, &format!("RCPT TO:<{to}>\r\n"))?;
        expect(&["250", "251"])?;
        say(&mut w, "DATA\r\n")?;
        expect(&["354"])?;
        // Dot-stuffing: a line starting with '.' gets another.
        let body: String = text
            .lines()
            .map(|l| {
                if l.starts_with('.') {
                    format!(".{l}\r\n")
                } else {
                    format!("{l}\r\n")
                }
            })
            .collect();
        say(
            &mut w,
            &format!(
                "From: <{}>\r\nTo: <{to}>\r\nSubject: NUR\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}.\r\n",
                self.from
            ),
        )?;
        expect(&["250"])?;
        let _ = say(&mut w, "QUIT\r\n");
        Ok(())
    }
}

/// An SMS gateway on the deployment's network taking `POST {"to": phone, "text": text}` over
/// plain HTTP; any 2xx answer is success. The account's contact must be a phone number.
pub struct SmsGateway {
    /// http://host:port/path
    pub url: String,
}

impl Delivery for SmsGateway {
    fn send(&self, username: &str, contact: Option<&str>, text: &str) -> Result<(), String> {
        use std::io::Read;
        let to = contact
            .filter(|c| {
                c.trim_start_matches('+')
                    .chars()
                    .all(|d| d.is_ascii_digit())
                    && c.len() >= 6
            })
            .ok_or_else(|| format!("account {username} has no phone number"))?;
        let rest = self
            .url
            .strip_prefix("http://")
            .ok_or("the SMS gateway URL must start with http://")?;
        let (host, path) = rest
            .split_once('/')
            .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
        let body = serde_json::json!({"to": to, "text": text}).to_string();
        let mut s = connect(host)?;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(request.as_bytes())
            .map_err(|e| format!("sms gateway: {e}"))?;
        let mut answer = String::new();
        s.read_to_string(&mut answer)
            .map_err(|e| format!("sms gateway: {e}"))?;
        let status = answer.split(' ').nth(1).unwrap_or("");
        if status.starts_with('2') {
            Ok(())
        } else {
            Err(format!(
                "sms gateway answered {:?}",
                answer.lines().next().unwrap_or("")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read};
    use std::net::TcpListener;

    /// A minimal SMTP relay that records what it receives.
    fn relay(reject_rcpt: bool) -> (String, std::thread::JoinHandle<String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let h = std::thread::spawn(move || {
            let (s, _) = l.accept().unwrap();
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            let mut log = String::new();
            w.write_all(b"220 relay ready\r\n").unwrap();
            let mut in_data = false;
            loop {
                let mut line = String::new();
                // The client may hang up at any point (after QUIT, after a refusal).
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                log.push_str(&line);
                if in_data {
                    if line == ".\r\n" {
                        in_data = false;
                        let _ = w.write_all(b"250 queued\r\n");
                    }
                    continue;
                }
                let reply: &[u8] = match line.get(..4).unwrap_or("") {
                    "EHLO" => b"250-relay\r\n250 8BITMIME\r\n",
                    "MAIL" => b"250 ok\r\n",
                    "RCPT" if reject_rcpt => b"550 no such user\r\n",
                    "RCPT" => b"250 ok\r\n",
                    "DATA" => {
                        in_data = true;
                        b"354 go on\r\n"
                    }
                    "QUIT" => {
                        let _ = w.write_all(b"221 bye\r\n");
                        break;
                    }
                    _ => b"500 what\r\n",
                };
                let _ = w.write_all(reply);
            }
            log
        });
        (addr, h)
    }

    #[test]
    fn smtp_delivers_through_a_relay_and_reports_refusals() {
        let (addr, h) = relay(false);
        let smtp = Smtp {
            relay: addr,
            from: "nur@gov.example".into(),
        };
        smtp.send("u", Some("clerk@naf.example"), "code: 123456\n.hidden")
            .unwrap();
        let log = h.join().unwrap();
        assert!(
            log.contains("RCPT TO:<clerk@naf.example>")
                && log.contains("code: 123456\r\n..hidden\r\n.\r\n"),
            "{log}"
        );
        let (addr, h) = relay(true);
        let smtp = Smtp {
            relay: addr,
            from: "nur@gov.example".into(),
        };
        let e = smtp.send("u", Some("x@y.example"), "t").unwrap_err();
        assert!(e.contains("550"), "{e}");
        let _ = h.join();
        assert!(smtp
            .send("u", None, "t")
            .unwrap_err()
            .contains("no e-mail address"));
        assert!(
            smtp.send("u", Some("a@b\r\nRCPT TO:<evil@x>"), "t")
                .is_err(),
            "no header injection"
        );
    }

    #[test]
    fn sms_gateway_posts_json() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/send", l.local_addr().unwrap());
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            // Reads the whole request (headers, then Content-Length bytes) before answering.
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = s.read(&mut buf).unwrap();
                req.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&req).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if body.len() >= len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            s.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            String::from_utf8_lossy(&req).into_owned()
        });
        SmsGateway { url }
            .send("u", Some("+962790000000"), "code 1")
            .unwrap();
        let req = h.join().unwrap();
        assert!(
            req.starts_with("POST /send ") && req.contains("\"to\":\"+962790000000\""),
            "{req}"
        );
        assert!(SmsGateway {
            url: "http://127.0.0.1:1/x".into()
        }
        .send("u", Some("0790000000"), "t")
        .is_err());
        assert!(SmsGateway {
            url: "http://h/x".into()
        }
        .send("u", Some("mail@x"), "t")
        .unwrap_err()
        .contains("no phone"));
    }
}
