//! Source positions as fixed-width text, so that text order is stream order on both backends
//! and a position can be stored in one column whatever the transport (a PostgreSQL LSN and an
//! index in its transaction, a binlog file/offset/row, a NATS stream sequence, a watermark).

/// Three parts of 16 hex digits each, `/`-separated. Missing parts are zero.
pub fn encode(parts: &[u64]) -> String {
    debug_assert!(parts.len() <= 3);
    let mut p = [0u64; 3];
    for (i, v) in parts.iter().take(3).enumerate() {
        p[i] = *v;
    }
    format!("{:016x}/{:016x}/{:016x}", p[0], p[1], p[2])
}

/// The parts back; `None` for text that is not an encoded position.
pub fn decode(s: &str) -> Option<[u64; 3]> {
    let mut out = [0u64; 3];
    let mut it = s.split('/');
    for o in &mut out {
        let part = it.next()?;
        if part.len() != 16 {
            return None;
        }
        *o = u64::from_str_radix(part, 16).ok()?;
    }
    it.next().is_none().then_some(out)
}

/// A signed watermark mapped onto u64 so that order is kept (i64::MIN → 0).
pub fn from_signed(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

pub fn to_signed(v: u64) -> i64 {
    (v ^ (1 << 63)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_order_is_tuple_order() {
        let samples = [
            vec![0],
            vec![1],
            vec![1, 0, 5],
            vec![1, 2],
            vec![255, 0, 0],
            vec![256],
            vec![u64::MAX, u64::MAX, u64::MAX],
        ];
        for a in &samples {
            for b in &samples {
                let (ea, eb) = (encode(a), encode(b));
                let mut pa = a.clone();
                pa.resize(3, 0);
                let mut pb = b.clone();
                pb.resize(3, 0);
                assert_eq!(ea.cmp(&eb), pa.cmp(&pb), "{a:?} {b:?}");
                assert_eq!(decode(&ea).unwrap().to_vec(), pa);
            }
        }
        assert_eq!(decode("12"), None);
        assert_eq!(decode(&format!("{}/x", encode(&[1]))), None);
    }

    #[test]
    fn signed_watermarks_keep_order() {
        let v = [i64::MIN, -5, -1, 0, 1, 7, i64::MAX];
        for w in v.windows(2) {
            assert!(from_signed(w[0]) < from_signed(w[1]));
            assert_eq!(to_signed(from_signed(w[0])), w[0]);
        }
    }
}
