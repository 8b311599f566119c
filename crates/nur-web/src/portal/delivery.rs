//! Delivering one-time codes. Production deployments plug in their SMS gateway or SMTP
//! relay (lettre; plain or STARTTLS) behind [`Delivery`]; development writes an outbox file
//! under the data directory.

use std::io::Write;
use std::path::PathBuf;

pub use nur_app::Delivery;

/// The delivery a portal configuration names: the outbox file (development), else the SMTP
/// relay, else the SMS gateway; none when nothing is configured (TOTP only).
pub fn for_config(config: &super::PortalConfig) -> Option<std::sync::Arc<dyn Delivery>> {
    match (&config.outbox, &config.smtp, &config.sms_gateway) {
        (Some(p), _, _) => Some(std::sync::Arc::new(Outbox(p.clone()))),
        (None, Some(smtp), _) => Some(std::sync::Arc::new(smtp.clone())),
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

/// How the connection to the SMTP relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpTls {
    /// Plain SMTP, for a relay on the same host or a trusted segment that does TLS onwards.
    #[default]
    Plain,
    /// STARTTLS is required: a relay that does not offer it, or whose certificate does not
    /// chain to a trusted CA for the relay's host name, gets nothing (no fallback to plain).
    StartTls,
}

/// SMTP to the deployment's mail relay, through lettre. The account's contact must be an
/// e-mail address. A transport is built for each message: codes are rare, and a CA bundle
/// replaced on disk is picked up without a restart.
#[derive(Debug, Clone)]
pub struct Smtp {
    /// host:port of the relay (also the name its certificate must carry under STARTTLS).
    pub relay: String,
    pub from: String,
    pub tls: SmtpTls,
    /// PEM file of the CA certificates that sign the relay's certificate (on a closed network,
    /// the internal CA): then only these are trusted. Without it, STARTTLS trusts the
    /// system's store (`/etc/ssl/certs`), never a bundle compiled into the binary.
    pub ca_file: Option<PathBuf>,
}

/// The greeting name NUR gives the relay (`EHLO nur`), as before lettre.
const HELLO_NAME: &str = "nur";
/// Connect, read and write timeout for one exchange with the relay.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn clean(s: &str, what: &str) -> Result<(), String> {
    if s.is_empty() || s.chars().any(|c| c.is_control()) {
        return Err(format!("{what} is empty or holds control characters"));
    }
    Ok(())
}

impl Smtp {
    /// Checks what can be checked before the first message (relay address, sender, CA file),
    /// so that a deployment's mistakes show at start-up rather than at someone's sign-in.
    pub fn check(&self) -> Result<(), String> {
        self.sender()?;
        self.transport().map(|_| ())
    }

    fn sender(&self) -> Result<lettre::message::Mailbox, String> {
        clean(&self.from, "the sender")?;
        self.from
            .parse()
            .map_err(|e| format!("the sender {:?}: {e}", self.from))
    }

    /// Splits `host:port` (an IPv6 host in brackets).
    fn host_port(&self) -> Result<(String, u16), String> {
        let bad = || format!("the SMTP relay {:?} is not host:port", self.relay);
        let (host, port) = self.relay.rsplit_once(':').ok_or_else(bad)?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = port.parse::<u16>().map_err(|_| bad())?;
        if host.is_empty() {
            return Err(bad());
        }
        Ok((host.to_owned(), port))
    }

    fn transport(&self) -> Result<lettre::SmtpTransport, String> {
        use lettre::transport::smtp::client::Tls;
        use lettre::transport::smtp::extension::ClientId;
        let (host, port) = self.host_port()?;
        let tls = match self.tls {
            SmtpTls::Plain => Tls::None,
            SmtpTls::StartTls => Tls::Required(self.tls_parameters(&host)?),
        };
        Ok(lettre::SmtpTransport::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .hello_name(ClientId::Domain(HELLO_NAME.into()))
            .timeout(Some(SMTP_TIMEOUT))
            .build())
    }

    /// rustls (with ring, the provider already in the lock file) verifying the relay's
    /// certificate against the CA file, or the system's store without one.
    fn tls_parameters(
        &self,
        host: &str,
    ) -> Result<lettre::transport::smtp::client::TlsParameters, String> {
        use lettre::transport::smtp::client::{Certificate, CertificateStore, TlsParameters};
        use rustls_pki_types::pem::PemObject;
        let mut params = TlsParameters::builder(host.to_owned());
        if let Some(path) = &self.ca_file {
            let what = || format!("the SMTP CA file {}", path.display());
            let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", what()))?;
            let certs = rustls_pki_types::CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{}: {e}", what()))?;
            if certs.is_empty() {
                return Err(format!("{} holds no PEM certificate", what()));
            }
            params = params.certificate_store(CertificateStore::None);
            for der in certs {
                let cert =
                    Certificate::from_der(der.to_vec()).map_err(|e| format!("{}: {e}", what()))?;
                params = params.add_root_certificate(cert);
            }
        }
        params
            .build_rustls()
            .map_err(|e| format!("smtp tls settings: {e}"))
    }
}

impl Delivery for Smtp {
    fn send(&self, username: &str, contact: Option<&str>, text: &str) -> Result<(), String> {
        use lettre::message::header::ContentType;
        use lettre::Transport;
        let to = contact
            .filter(|c| c.contains('@'))
            .ok_or_else(|| format!("account {username} has no e-mail address"))?;
        clean(to, "the address")?;
        let to: lettre::message::Mailbox = to
            .parse()
            .map_err(|e| format!("the address of account {username}: {e}"))?;
        // lettre picks the transfer encoding (7bit, quoted-printable or base64), so an Arabic
        // text reaches relays without 8BITMIME too; it dot-stuffs the body itself.
        let message = lettre::Message::builder()
            .from(self.sender()?)
            .to(to)
            .subject("NUR")
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_owned())
            .map_err(|e| format!("smtp message: {e}"))?;
        self.transport()?
            .send(&message)
            .map(|_| ())
            .map_err(|e| format!("smtp relay {}: {e}", self.relay))
    }
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
mod starttls_tests;

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
            tls: SmtpTls::Plain,
            ca_file: None,
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
            tls: SmtpTls::Plain,
            ca_file: None,
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
