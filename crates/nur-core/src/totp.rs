//! RFC 6238 TOTP (HMAC-SHA1, 30 s step, 6 digits) and RFC 4648 base32.
//!
//! Pure functions only: the caller supplies the secret bytes (from a CSPRNG)
//! and the current Unix time, and stores the step returned by [`Totp::verify`]
//! to refuse a second use of the same code. The HOTP arithmetic is `totp-rs`
//! (built without its clock, QR and secret-generation features, so it does no
//! IO); base32 is `data-encoding`; what stays here is the portal's contract:
//! lenient secret input, the verification window and the `otpauth` URI.

use data_encoding::{Encoding, BASE32_NOPAD};
use std::fmt;
use std::sync::LazyLock;
use subtle::ConstantTimeEq;

/// Seconds per time step (RFC 6238 `X`).
pub const PERIOD: u64 = 30;
/// Number of digits in a code.
pub const DIGITS: usize = 6;

/// A TOTP generator/verifier. `Debug` never shows the secret.
pub struct Totp {
    /// Built with no skew: [`Totp::verify`] walks the window itself so that
    /// the current step wins and every candidate is computed.
    inner: totp_rs::Totp,
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Totp {
    /// `secret`: 20 random bytes, drawn by the caller from a CSPRNG.
    pub fn new(secret: Vec<u8>) -> Totp {
        Totp {
            inner: generator(secret, DIGITS as u8),
        }
    }

    /// Parses a base32 secret (case-insensitive, spaces and trailing `=`
    /// padding allowed). Returns `None` for invalid or empty input.
    pub fn from_base32(s: &str) -> Option<Totp> {
        let secret = base32_decode(s)?;
        if secret.is_empty() {
            return None;
        }
        Some(Totp::new(secret))
    }

    /// The secret as unpadded upper-case base32.
    pub fn secret_base32(&self) -> String {
        base32_encode(self.inner.secret().as_bytes())
    }

    /// The 6-digit, zero-padded code for the step containing `unix_secs`.
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.inner.generate(unix_secs).to_string()
    }

    /// Accepts a code for `unix_secs` or one step before/after (clock drift);
    /// returns the matched time step so callers can refuse reuse of the same
    /// step. All candidate codes are computed and compared in full (totp-rs
    /// compares tokens in constant time), with no early exit, whatever the
    /// input. Anything but exactly six ASCII digits matches nothing.
    pub fn verify(&self, code: &str, unix_secs: u64) -> Option<u64> {
        let now = unix_secs / PERIOD;
        // Current step first, so it wins if two steps share a code.
        let candidates = [Some(now), now.checked_sub(1), now.checked_add(1)];
        let mut matched = None;
        for step in candidates.into_iter().flatten() {
            let ok = step
                .checked_mul(PERIOD)
                .is_some_and(|t| self.inner.check(code, t).is_some());
            if ok && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }

    /// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`
    /// with issuer and account percent-encoded (UTF-8, RFC 3986 unreserved kept).
    /// Written here rather than with totp-rs's `otpauth` feature, which would
    /// bring the `url` crate for one format string and refuses `:` in names.
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={PERIOD}",
            percent_encode(account),
            self.secret_base32(),
        )
    }
}

/// A SHA-1 generator of `digits` digits with the RFC's 30 s step and no skew.
/// `build_noncompliant` because the RFC's 128-bit minimum is the caller's
/// choice of secret (the portal draws 160 bits), not a reason to fail here.
fn generator(secret: Vec<u8>, digits: u8) -> totp_rs::Totp {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(digits)
        .with_step_duration(PERIOD)
        .with_skew(0)
        .with_secret(secret)
        .build_noncompliant()
}

/// Compares two byte strings in time that depends only on their lengths:
/// every byte is examined, with no early exit. Unequal lengths return `false`.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// Decodes upper- or lower-case base32 without padding, ignoring the unused
/// low bits of the last symbol as the hand-written decoder before it did.
static LENIENT_BASE32: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = BASE32_NOPAD.specification();
    spec.translate.from.push_str("abcdefghijklmnopqrstuvwxyz");
    spec.translate.to.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    spec.check_trailing_bits = false;
    spec.encoding().expect("a valid base32 specification")
});

/// RFC 4648 base32, upper case, no padding.
pub fn base32_encode(data: &[u8]) -> String {
    BASE32_NOPAD.encode(data)
}

/// RFC 4648 base32 decoding. Accepts lower case, ASCII whitespace anywhere and
/// optional trailing `=` padding. Rejects other characters, `=` followed by
/// data, and lengths that no byte string encodes to (1, 3 or 6 mod 8).
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let chars: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let data_len = chars.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    let (data, padding) = chars.split_at(data_len);
    if padding.len() > 6 {
        return None;
    }
    LENIENT_BASE32.decode(data).ok()
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ];

    fn rfc() -> Totp {
        Totp::new(RFC_SECRET.to_vec())
    }

    #[test]
    fn rfc6238_sha1_vectors_8_digits() {
        for (t, want) in RFC_VECTORS {
            let got = generator(RFC_SECRET.to_vec(), 8).generate(t).to_string();
            assert_eq!(got, want, "t={t}");
        }
    }

    #[test]
    fn rfc6238_sha1_vectors_6_digits() {
        for (t, want) in RFC_VECTORS {
            assert_eq!(rfc().code_at(t), &want[2..], "t={t}");
        }
    }

    #[test]
    fn rfc4648_base32_vectors() {
        let vectors = [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ];
        for (plain, padded) in vectors {
            let unpadded = padded.trim_end_matches('=');
            assert_eq!(base32_encode(plain.as_bytes()), unpadded);
            assert_eq!(base32_decode(padded).unwrap(), plain.as_bytes());
            assert_eq!(base32_decode(unpadded).unwrap(), plain.as_bytes());
            let lower = padded.to_ascii_lowercase();
            assert_eq!(base32_decode(&lower).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn base32_round_trips() {
        for len in 0..=41usize {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base32_decode(&base32_encode(&data)).unwrap(), data);
        }
        let t = rfc();
        assert_eq!(t.secret_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let back = Totp::from_base32(&t.secret_base32()).unwrap();
        assert_eq!(back.inner.secret().as_bytes(), RFC_SECRET);
    }

    #[test]
    fn base32_lenient_input_and_rejections() {
        let spaced = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq";
        assert_eq!(
            Totp::from_base32(spaced).unwrap().inner.secret().as_bytes(),
            RFC_SECRET
        );
        assert_eq!(base32_decode("MZXW 6YQ=").unwrap(), b"foob");
        assert!(base32_decode("MZXW6YQ1").is_none()); // '1' not in alphabet
        assert!(base32_decode("MZ=XW6YQ").is_none()); // '=' before data
        assert!(base32_decode("MZXW6YQ!").is_none());
        assert!(base32_decode("M").is_none()); // impossible length
        assert!(base32_decode("MZX").is_none());
        assert!(base32_decode("MZXW6Y").is_none());
        assert!(base32_decode("M=======").is_none());
        assert!(Totp::from_base32("").is_none());
        assert!(Totp::from_base32(" == ").is_none());
    }

    #[test]
    fn verify_window() {
        let t = rfc();
        let now = 1_234_567_890;
        let step = now / PERIOD;
        assert_eq!(t.verify(&t.code_at(now), now), Some(step));
        assert_eq!(t.verify(&t.code_at(now - 30), now), Some(step - 1));
        assert_eq!(t.verify(&t.code_at(now + 30), now), Some(step + 1));
        assert_eq!(t.verify(&t.code_at(now - 60), now), None);
        assert_eq!(t.verify(&t.code_at(now + 60), now), None);
        // Step 0 has no previous step; must not underflow.
        assert_eq!(t.verify(&t.code_at(0), 5), Some(0));
        assert_eq!(t.verify(&t.code_at(30), 5), Some(1));
    }

    #[test]
    fn verify_rejects_malformed() {
        let t = rfc();
        let now = 59;
        let good = t.code_at(now);
        assert_eq!(good, "287082");
        assert_eq!(t.verify("94287082", now), None); // 8 digits
        assert_eq!(t.verify("28708", now), None);
        assert_eq!(t.verify("", now), None);
        assert_eq!(t.verify(" 287082", now), None);
        assert_eq!(t.verify("28708a", now), None);
        assert_eq!(t.verify("+28708", now), None);
        assert_eq!(t.verify("２８７０８２", now), None); // full-width digits
    }

    #[test]
    fn constant_time_eq_basics() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"123456", b"123456"));
        assert!(!constant_time_eq(b"123456", b"123457"));
        assert!(!constant_time_eq(b"023456", b"123456"));
        assert!(!constant_time_eq(b"12345", b"123456"));
    }

    #[test]
    fn debug_hides_secret() {
        let t = Totp::new(b"super-secret-bytes!!".to_vec());
        let dbg = format!("{t:?} {t:#?}");
        assert!(dbg.contains("redacted"));
        assert!(!dbg.contains("super"));
        assert!(!dbg.contains(&t.secret_base32()));
        assert!(!dbg.contains("115")); // b's' as a number
    }

    #[test]
    fn uri_escaping() {
        let t = rfc();
        let uri = t.uri("Registry Portal", "alice@example.org");
        assert_eq!(
            uri,
            "otpauth://totp/Registry%20Portal:alice%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Registry%20Portal&algorithm=SHA1&digits=6&period=30"
        );
        let arabic = t.uri("السجل", "a:b&c=d?e");
        assert!(arabic.starts_with(
            "otpauth://totp/%D8%A7%D9%84%D8%B3%D8%AC%D9%84:a%3Ab%26c%3Dd%3Fe?secret="
        ));
        assert!(arabic.contains("&issuer=%D8%A7%D9%84%D8%B3%D8%AC%D9%84&algorithm="));
        assert!(arabic.is_ascii());
        assert_eq!(percent_encode("A-z_0.9~ /%+#"), "A-z_0.9~%20%2F%25%2B%23");
    }
}
