//! The primitive encoding every message is built from, and its bounded reader.
//!
//! Integers are little-endian; a boolean or an option tag is one byte, 0 or 1; a string is
//! a u32 byte length then UTF-8; a blob is a u32 length then bytes; a list is a u32 count
//! then the elements. The reader checks every length against its limit *and* against the
//! bytes actually left before allocating, so memory stays proportional to the input.

use crate::error::ProtoError;
use crate::limits::{MAX_LIST_LEN, MAX_STRING_LEN};
use crate::secret::Secret;

/// Builds an encoding. Encoding cannot fail, but a value over a limit is noted so that
/// [`crate::Message::try_encode`] can refuse to send what the peer would reject.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
    pub(crate) err: Option<ProtoError>,
}

impl Writer {
    fn over(&mut self, what: &'static str, len: usize, max: usize) {
        if len > max && self.err.is_none() {
            self.err = Some(ProtoError::TooLong {
                what,
                len: len as u64,
                max: max as u64,
            });
        }
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn bool(&mut self, v: bool) {
        self.buf.push(v as u8);
    }

    /// A length or count: saturates at u32::MAX (the peer then rejects it as too long).
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    pub(crate) fn blob(&mut self, what: &'static str, b: &[u8], max: usize) {
        self.over(what, b.len(), max);
        self.len(b.len());
        self.buf.extend_from_slice(b);
    }

    /// Bytes of a fixed length, without a length prefix.
    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    pub(crate) fn str(&mut self, what: &'static str, s: &str) {
        self.blob(what, s.as_bytes(), MAX_STRING_LEN);
    }

    pub(crate) fn secret(&mut self, what: &'static str, s: &Secret) {
        self.str(what, s.expose());
    }

    pub(crate) fn opt<T>(&mut self, v: Option<&T>, f: impl FnOnce(&mut Writer, &T)) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                f(self, v);
            }
        }
    }

    pub(crate) fn opt_str(&mut self, what: &'static str, v: Option<&String>) {
        self.opt(v, |w, s| w.str(what, s));
    }

    pub(crate) fn list<T>(&mut self, what: &'static str, items: &[T], f: impl Fn(&mut Writer, &T)) {
        self.over(what, items.len(), MAX_LIST_LEN);
        self.len(items.len());
        for item in items {
            f(self, item);
        }
    }

    pub(crate) fn strings(&mut self, what: &'static str, items: &[String]) {
        self.list(what, items, |w, s| w.str(what, s));
    }
}

/// A cursor over received bytes; every read is bounded and fails cleanly.
pub(crate) struct Input<'a> {
    pub(crate) rest: &'a [u8],
}

impl<'a> Input<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Input<'a> {
        Input { rest: bytes }
    }

    pub(crate) fn take(&mut self, what: &'static str, n: usize) -> Result<&'a [u8], ProtoError> {
        if self.rest.len() < n {
            return Err(ProtoError::Truncated { what });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], ProtoError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(what, N)?);
        Ok(a)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, ProtoError> {
        Ok(self.take(what, 1)?[0])
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, ProtoError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, ProtoError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn i64(&mut self, what: &'static str) -> Result<i64, ProtoError> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn bool(&mut self, what: &'static str) -> Result<bool, ProtoError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ProtoError::Malformed {
                what,
                why: "boolean is neither 0 nor 1",
            }),
        }
    }

    /// A u32 length checked against `max`, then against the bytes left.
    pub(crate) fn blob(&mut self, what: &'static str, max: usize) -> Result<&'a [u8], ProtoError> {
        let n = self.u32(what)? as usize;
        if n > max {
            return Err(ProtoError::TooLong {
                what,
                len: n as u64,
                max: max as u64,
            });
        }
        self.take(what, n)
    }

    pub(crate) fn string(&mut self, what: &'static str) -> Result<String, ProtoError> {
        let b = self.blob(what, MAX_STRING_LEN)?;
        std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| ProtoError::Malformed {
                what,
                why: "string is not UTF-8",
            })
    }

    pub(crate) fn secret(&mut self, what: &'static str) -> Result<Secret, ProtoError> {
        self.string(what).map(Secret::new)
    }

    pub(crate) fn opt<T>(
        &mut self,
        what: &'static str,
        f: impl FnOnce(&mut Input<'a>) -> Result<T, ProtoError>,
    ) -> Result<Option<T>, ProtoError> {
        match self.u8(what)? {
            0 => Ok(None),
            1 => f(self).map(Some),
            _ => Err(ProtoError::Malformed {
                what,
                why: "option tag is neither 0 nor 1",
            }),
        }
    }

    pub(crate) fn opt_str(&mut self, what: &'static str) -> Result<Option<String>, ProtoError> {
        self.opt(what, |r| r.string(what))
    }

    /// A list whose elements each take at least `min_elem` bytes: the count is checked
    /// against [`MAX_LIST_LEN`] and against the bytes left before anything is allocated.
    pub(crate) fn list<T>(
        &mut self,
        what: &'static str,
        min_elem: usize,
        mut f: impl FnMut(&mut Input<'a>) -> Result<T, ProtoError>,
    ) -> Result<Vec<T>, ProtoError> {
        let n = self.u32(what)? as usize;
        if n > MAX_LIST_LEN {
            return Err(ProtoError::TooLong {
                what,
                len: n as u64,
                max: MAX_LIST_LEN as u64,
            });
        }
        if n.saturating_mul(min_elem.max(1)) > self.rest.len() {
            return Err(ProtoError::Truncated { what });
        }
        // Grow as elements really decode rather than trusting the count.
        let mut out = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            out.push(f(self)?);
        }
        Ok(out)
    }

    pub(crate) fn strings(&mut self, what: &'static str) -> Result<Vec<String>, ProtoError> {
        self.list(what, 4, |r| r.string(what))
    }

    /// Fails unless every byte was consumed.
    pub(crate) fn finish(&self, what: &'static str) -> Result<(), ProtoError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(ProtoError::TrailingBytes {
                what,
                extra: self.rest.len(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_count_is_rejected_before_allocating() {
        // Claims 1,000,000 strings with 4 bytes of input behind it.
        let mut bytes = 1_000_000u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        let err = Input::new(&bytes).strings("names").unwrap_err();
        assert_eq!(err, ProtoError::Truncated { what: "names" });
        let over = (MAX_LIST_LEN as u32 + 1).to_le_bytes();
        assert!(matches!(
            Input::new(&over).strings("names"),
            Err(ProtoError::TooLong { .. })
        ));
    }

    #[test]
    fn strings_are_bounded_and_utf8() {
        let mut bytes = (MAX_STRING_LEN as u32 + 1).to_le_bytes().to_vec();
        bytes.resize(bytes.len() + MAX_STRING_LEN + 1, b'a');
        assert!(matches!(
            Input::new(&bytes).string("s"),
            Err(ProtoError::TooLong { what: "s", .. })
        ));
        let bad = [2, 0, 0, 0, 0xff, 0xfe];
        assert!(matches!(
            Input::new(&bad).string("s"),
            Err(ProtoError::Malformed { what: "s", .. })
        ));
        let mut w = Writer::default();
        w.str("s", &"a".repeat(MAX_STRING_LEN + 1));
        assert!(matches!(w.err, Some(ProtoError::TooLong { what: "s", .. })));
    }

    #[test]
    fn booleans_and_options_accept_only_0_and_1() {
        assert_eq!(Input::new(&[1]).bool("b"), Ok(true));
        assert!(Input::new(&[2]).bool("b").is_err());
        assert_eq!(Input::new(&[0]).opt_str("o"), Ok(None));
        assert!(Input::new(&[7]).opt_str("o").is_err());
    }
}
