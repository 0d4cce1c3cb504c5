//! The IStream of a `PT_UNICODE` property as `wchar_t` text (c-abi.md §0): the facade's
//! stream holds UTF-8, a C program ported from Windows reads and writes `WCHAR`s. At
//! open the whole text is read and kept as native-endian UTF-32 (4 bytes a code point,
//! no BOM, no terminator), so memory is four bytes a character while the stream is
//! open, as Windows' own providers convert at open; Read, Write, Seek, SetSize and Stat
//! work on that copy in bytes. Commit turns it back into UTF-8 and replaces the
//! property's text through the facade's stream, then commits that: a size that is not a
//! whole number of `wchar_t`, a surrogate, a value above U+10FFFF or a NUL before the
//! end is `MAPI_E_INVALID_PARAMETER` (nothing is replaced; trailing NULs, a Windows
//! program's terminator, are dropped).

use std::sync::{Mutex, MutexGuard};

use mapi::object::{STGM_READWRITE, STREAM_APPEND};
use mapi::{EngineError, Status};

use crate::error::{CapiError, Result};

/// Most bytes of `wchar_t` text a stream holds (a quarter of a gigabyte of code points);
/// a longer text is `MAPI_E_TOO_BIG` at open, a longer Write or SetSize too.
const MAX_BYTES: u64 = 1 << 30;

/// The bytes of one `wchar_t`.
const WCHAR: usize = 4;

/// A `PT_UNICODE` property's stream seen as `wchar_t` text.
pub struct WideText {
    inner: mapi::Stream,
    /// The facade stream's `grfMode` (asked once at open).
    mode: u32,
    state: Mutex<State>,
}

struct State {
    /// The text as native-endian UTF-32.
    buf: Vec<u8>,
    /// The position in bytes (may be past the end after a Seek).
    pos: u64,
    /// Whether Write or SetSize changed the text since open or the last Commit.
    dirty: bool,
}

impl WideText {
    /// Reads the whole text of `inner` (opened with `flags`) and converts it.
    pub fn open(inner: mapi::Stream, flags: u32) -> Result<WideText> {
        let mode = inner.stat()?.mode;
        inner.seek(0, 0)?;
        let utf8 = inner.read_to_end()?;
        let text = String::from_utf8_lossy(&utf8);
        let wide = text.chars().count() as u64 * WCHAR as u64;
        if wide > MAX_BYTES {
            return Err(too_big(wide));
        }
        let mut buf = Vec::with_capacity(text.len() * WCHAR);
        for c in text.chars() {
            buf.extend_from_slice(&(c as u32).to_ne_bytes());
        }
        let pos = if flags & STREAM_APPEND != 0 {
            buf.len() as u64
        } else {
            0
        };
        Ok(WideText {
            inner,
            mode,
            state: Mutex::new(State {
                buf,
                pos,
                dirty: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn writable(&self) -> Result<()> {
        if self.mode == STGM_READWRITE {
            Ok(())
        } else {
            Err(CapiError::Engine(EngineError::Status(
                Status::MAPI_E_NO_ACCESS,
                "the stream was opened without MAPI_MODIFY".into(),
            )))
        }
    }

    /// `Read`: up to `out.len()` bytes from the position.
    pub fn read(&self, out: &mut [u8]) -> Result<usize> {
        let mut st = self.lock();
        let start = usize::try_from(st.pos)
            .unwrap_or(usize::MAX)
            .min(st.buf.len());
        let n = out.len().min(st.buf.len() - start);
        out[..n].copy_from_slice(&st.buf[start..start + n]);
        st.pos = (start + n) as u64;
        Ok(n)
    }

    /// `Write` at the position (zeros fill a gap after a Seek past the end).
    pub fn write(&self, data: &[u8]) -> Result<usize> {
        self.writable()?;
        let mut st = self.lock();
        let end = st.pos.saturating_add(data.len() as u64);
        if end > MAX_BYTES {
            return Err(too_big(end));
        }
        let (pos, end) = (st.pos as usize, end as usize);
        if st.buf.len() < end {
            st.buf.resize(end, 0);
        }
        st.buf[pos..end].copy_from_slice(data);
        st.pos = end as u64;
        st.dirty = true;
        Ok(data.len())
    }

    /// `Seek` (`STREAM_SEEK_SET` / `CUR` / `END`, in bytes): the new position.
    pub fn seek(&self, offset: i64, origin: u32) -> Result<u64> {
        let mut st = self.lock();
        let base = match origin {
            0 => 0,
            1 => st.pos,
            2 => st.buf.len() as u64,
            o => {
                return Err(CapiError::InvalidParameter(format!(
                    "Seek origin {o} (STREAM_SEEK_SET, _CUR or _END)"
                )));
            }
        };
        let pos = base
            .checked_add_signed(offset)
            .ok_or_else(|| CapiError::InvalidParameter(format!("Seek by {offset} from {base}")))?;
        st.pos = pos;
        Ok(pos)
    }

    /// `SetSize` in bytes: truncates or extends with zeros.
    pub fn set_size(&self, size: u64) -> Result<()> {
        self.writable()?;
        if size > MAX_BYTES {
            return Err(too_big(size));
        }
        let mut st = self.lock();
        st.buf.resize(size as usize, 0);
        st.dirty = true;
        Ok(())
    }

    /// `Stat`: the size in bytes and the stream's mode.
    pub fn stat(&self) -> Result<(u64, u32)> {
        Ok((self.lock().buf.len() as u64, self.mode))
    }

    /// `Commit`: the text, as UTF-8, replaces the property's through the facade stream.
    pub fn commit(&self, flags: u32) -> Result<()> {
        let mut st = self.lock();
        if st.dirty {
            let text = to_utf8(&st.buf)?;
            self.inner.set_size(0)?;
            self.inner.seek(0, 0)?;
            self.inner.write(text.as_bytes())?;
            st.dirty = false;
        }
        self.inner.commit(flags)?;
        Ok(())
    }
}

/// Native-endian UTF-32 `bytes` as a string; trailing NULs dropped.
fn to_utf8(bytes: &[u8]) -> Result<String> {
    if !bytes.len().is_multiple_of(WCHAR) {
        return Err(CapiError::InvalidParameter(format!(
            "Commit: {} bytes is not a whole number of 4-byte wchar_t",
            bytes.len()
        )));
    }
    let units: Vec<u32> = bytes
        .chunks_exact(WCHAR)
        .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let len = units.iter().rposition(|&u| u != 0).map_or(0, |i| i + 1);
    let mut out = String::with_capacity(len);
    for (i, &u) in units[..len].iter().enumerate() {
        match char::from_u32(u) {
            Some(c) if u != 0 => out.push(c),
            _ => {
                return Err(CapiError::InvalidParameter(format!(
                    "Commit: wchar_t {i} is {u:#x}, not a character of the text"
                )));
            }
        }
    }
    Ok(out)
}

fn too_big(size: u64) -> CapiError {
    CapiError::TooBig(format!(
        "a wchar_t text stream of {size} bytes (at most {MAX_BYTES})"
    ))
}

#[cfg(test)]
mod tests {
    use super::to_utf8;

    fn wide(s: &str) -> Vec<u8> {
        s.chars().flat_map(|c| (c as u32).to_ne_bytes()).collect()
    }

    #[test]
    fn utf32_turns_back_into_the_text_without_its_terminator() {
        assert_eq!(to_utf8(&wide("Grüße 😀")).unwrap(), "Grüße 😀");
        assert_eq!(to_utf8(&wide("ab\0\0")).unwrap(), "ab");
        assert_eq!(to_utf8(&[]).unwrap(), "");
    }

    #[test]
    fn bad_code_points_and_torn_units_are_refused() {
        assert!(to_utf8(&[0x41, 0, 0]).is_err());
        assert!(to_utf8(&0xD800u32.to_ne_bytes()).is_err());
        assert!(to_utf8(&0x11_0000u32.to_ne_bytes()).is_err());
        let mut inner_nul = wide("a");
        inner_nul.extend(wide("\0b"));
        assert!(to_utf8(&inner_nul).is_err());
    }
}
