//! STARTTLS delivery against a real TLS peer: a CA and a relay certificate made with
//! Debian's `openssl` at test time, and an SMTP relay in the test that upgrades the
//! connection with rustls. Fails unless the message travels over TLS to the trusted relay.

use super::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

/// A CA and a relay certificate it signs (for `localhost` and 127.0.0.1), made with
/// Debian's `openssl` in `dir`: the CA's PEM path, the relay's chain and key.
fn test_pki(
    dir: &Path,
    name: &str,
) -> (
    PathBuf,
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
) {
    let openssl = |args: String| {
        let out = std::process::Command::new("openssl")
            .args(args.split_whitespace())
            .current_dir(dir)
            .output()
            .expect("the openssl command (Debian's package openssl; scripts/test-tools.sh)");
        assert!(out.status.success(), "openssl {args}: {out:?}");
    };
    std::fs::write(
        dir.join(format!("{name}-ext.cnf")),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    openssl(format!(
        "req -x509 {ec} -keyout {name}-ca.key -out {name}-ca.pem -days 2 -subj /CN=nur-test-ca-{name}"
    ));
    openssl(format!(
        "req {ec} -keyout {name}-relay.key -out {name}-relay.csr -subj /CN=localhost"
    ));
    openssl(format!(
        "x509 -req -in {name}-relay.csr -CA {name}-ca.pem -CAkey {name}-ca.key -set_serial 2 \
         -days 2 -extfile {name}-ext.cnf -out {name}-relay.pem"
    ));
    let chain = CertificateDer::pem_file_iter(dir.join(format!("{name}-relay.pem")))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join(format!("{name}-relay.key"))).unwrap();
    (dir.join(format!("{name}-ca.pem")), chain, key)
}

/// An SMTP relay that offers STARTTLS when given a TLS configuration and upgrades the
/// connection on it, refusing mail before that as real relays do. Returns every line it
/// read, each marked with whether it arrived over TLS.
fn starttls_relay(
    tls: Option<Arc<rustls::ServerConfig>>,
) -> (String, std::thread::JoinHandle<Vec<(bool, String)>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let h = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        let mut log = Vec::new();
        let mut plain = BufReader::new(s);
        plain.get_mut().write_all(b"220 relay ready\r\n").unwrap();
        let upgrade = loop {
            let mut line = String::new();
            if plain.read_line(&mut line).unwrap_or(0) == 0 {
                return log;
            }
            log.push((false, line.clone()));
            let reply: &[u8] = match (line.get(..4).unwrap_or(""), &tls) {
                ("EHLO", Some(_)) => b"250-relay\r\n250 STARTTLS\r\n",
                ("EHLO", None) => b"250 relay\r\n",
                ("STAR", Some(config)) => {
                    plain.get_mut().write_all(b"220 go ahead\r\n").unwrap();
                    break config.clone();
                }
                ("QUIT", _) => return log,
                _ => b"530 issue STARTTLS first\r\n",
            };
            let _ = plain.get_mut().write_all(reply);
        };
        let conn = rustls::ServerConnection::new(upgrade).unwrap();
        let mut r = BufReader::new(rustls::StreamOwned::new(conn, plain.into_inner()));
        let mut in_data = false;
        loop {
            let mut line = String::new();
            // A client that refuses the certificate ends the handshake: read fails.
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            log.push((true, line.clone()));
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    let _ = r.get_mut().write_all(b"250 queued\r\n");
                }
                continue;
            }
            let reply: &[u8] = match line.get(..4).unwrap_or("") {
                "EHLO" => b"250 relay\r\n",
                "MAIL" | "RCPT" => b"250 ok\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go on\r\n"
                }
                "QUIT" => {
                    let _ = r.get_mut().write_all(b"221 bye\r\n");
                    break;
                }
                _ => b"500 what\r\n",
            };
            let _ = r.get_mut().write_all(reply);
        }
        log
    });
    (addr, h)
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
    )
}

#[test]
fn smtp_starttls_delivers_only_over_tls_to_a_relay_of_the_trusted_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, chain, key) = test_pki(dir.path(), "internal");
    let (other_ca, _, _) = test_pki(dir.path(), "other");
    let config = server_config(chain, key);
    let starttls = |relay: String, ca_file: &Path| Smtp {
        relay,
        from: "nur@gov.example".into(),
        tls: SmtpTls::StartTls,
        ca_file: Some(ca_file.to_owned()),
    };

    let (addr, h) = starttls_relay(Some(config.clone()));
    starttls(addr, &ca)
        .send("u", Some("clerk@naf.example"), "code: 654321")
        .unwrap();
    let log = h.join().unwrap();
    let upgraded = log.iter().position(|(tls, _)| *tls).expect("no TLS at all");
    assert!(
        log[..upgraded]
            .iter()
            .all(|(_, l)| l.starts_with("EHLO") || l.starts_with("STARTTLS")),
        "only the greeting and STARTTLS go in clear: {log:?}"
    );
    let over_tls: String = log[upgraded..].iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        over_tls.starts_with("EHLO nur\r\n")
            && over_tls.contains("MAIL FROM:<nur@gov.example>")
            && over_tls.contains("RCPT TO:<clerk@naf.example>")
            && over_tls.contains("code: 654321\r\n.\r\n"),
        "{over_tls}"
    );

    // A certificate from another CA is refused before anything is sent.
    let (addr, h) = starttls_relay(Some(config));
    let e = starttls(addr, &other_ca)
        .send("u", Some("clerk@naf.example"), "code: 111111")
        .unwrap_err();
    assert!(e.contains("tls") || e.contains("certificate"), "{e}");
    let log = h.join().unwrap();
    assert!(!log.iter().any(|(_, l)| l.contains("MAIL")), "{log:?}");

    // A relay that does not offer STARTTLS gets nothing: no fallback to plain.
    let (addr, h) = starttls_relay(None);
    assert!(starttls(addr, &ca)
        .send("u", Some("clerk@naf.example"), "code: 222222")
        .is_err());
    let log = h.join().unwrap();
    assert!(!log.iter().any(|(_, l)| l.contains("MAIL")), "{log:?}");

    // Mistakes in the settings show in the start-up check.
    let missing = starttls("localhost:25".into(), &dir.path().join("none.pem"));
    assert!(missing.check().unwrap_err().contains("none.pem"));
    std::fs::write(dir.path().join("empty.pem"), "").unwrap();
    let empty = starttls("localhost:25".into(), &dir.path().join("empty.pem"));
    assert!(empty.check().unwrap_err().contains("no PEM certificate"));
    let no_port = starttls("localhost".into(), &ca);
    assert!(no_port.check().unwrap_err().contains("host:port"));
    assert!(starttls("localhost:25".into(), &ca).check().is_ok());
}
