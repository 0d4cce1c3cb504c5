//! Framing: each frame is a 4-byte little-endian body length, then the body.
//!
//! [`FrameDecoder`] takes bytes in whatever chunks the transport delivers and hands out
//! whole frame bodies. A header announcing more than [`MAX_FRAME_LEN`] is refused with
//! `MAPI_E_TOO_BIG` before any of it is buffered or allocated, and the decoder then stays
//! failed: after a bad length the stream cannot be resynchronised.

use crate::error::ProtoError;
use crate::limits::MAX_FRAME_LEN;

/// Bytes of the length prefix.
pub const FRAME_HEADER_LEN: usize = 4;

/// Frames `body`: its length as a little-endian u32, then the body.
/// Fails with `MAPI_E_TOO_BIG` for a body over [`MAX_FRAME_LEN`], which the peer would refuse.
pub fn encode_frame(body: &[u8]) -> Result<Vec<u8>, ProtoError> {
    let len = check_len(body.len() as u64)?;
    let mut out = Vec::with_capacity(FRAME_HEADER_LEN + body.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    Ok(out)
}

fn check_len(len: u64) -> Result<u32, ProtoError> {
    if len > u64::from(MAX_FRAME_LEN) {
        return Err(ProtoError::FrameTooBig {
            len,
            max: MAX_FRAME_LEN,
        });
    }
    Ok(len as u32)
}

/// Reassembles frames from a byte stream. Feed it with [`FrameDecoder::push`], then call
/// [`FrameDecoder::next_frame`] until it returns `Ok(None)`.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Start of the unread part of `buf`.
    start: usize,
    /// The error that stopped the stream, repeated on every later call.
    failed: Option<ProtoError>,
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> FrameDecoder {
        FrameDecoder::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame body, `Ok(None)` if more bytes are needed, or the error
    /// that makes the stream unusable (`MAPI_E_TOO_BIG` for an oversize length).
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, ProtoError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let avail = &self.buf[self.start..];
        let Some(header) = avail.first_chunk::<FRAME_HEADER_LEN>() else {
            return Ok(None);
        };
        let len = match check_len(u64::from(u32::from_le_bytes(*header))) {
            Ok(len) => len as usize,
            Err(e) => {
                self.failed = Some(e.clone());
                self.buf = Vec::new();
                self.start = 0;
                return Err(e);
            }
        };
        let Some(body) = avail.get(FRAME_HEADER_LEN..FRAME_HEADER_LEN + len) else {
            return Ok(None);
        };
        let body = body.to_vec();
        self.start += FRAME_HEADER_LEN + len;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Ok(Some(body))
    }

    /// Bytes received but not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Call when the stream ends: `Ok` if it ended between frames, else the frame it cut.
    pub fn finish(&self) -> Result<(), ProtoError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let avail = &self.buf[self.start..];
        match avail.len() {
            0 => Ok(()),
            have => {
                let need = match avail.first_chunk::<FRAME_HEADER_LEN>() {
                    Some(h) => FRAME_HEADER_LEN + u32::from_le_bytes(*h) as usize,
                    None => FRAME_HEADER_LEN,
                };
                Err(ProtoError::IncompleteFrame { have, need })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::{MapiStatus, Status};

    #[test]
    fn one_frame_in_one_push() {
        let mut d = FrameDecoder::new();
        d.push(&encode_frame(b"hello").unwrap());
        assert_eq!(d.next_frame().unwrap(), Some(b"hello".to_vec()));
        assert_eq!(d.next_frame().unwrap(), None);
        assert_eq!(d.buffered(), 0);
        assert!(d.finish().is_ok());
    }

    #[test]
    fn empty_bodies_are_frames() {
        let mut d = FrameDecoder::new();
        d.push(&encode_frame(b"").unwrap());
        assert_eq!(d.next_frame().unwrap(), Some(Vec::new()));
    }

    #[test]
    fn oversize_length_fails_without_waiting_for_the_body() {
        let mut d = FrameDecoder::new();
        d.push(&(MAX_FRAME_LEN + 1).to_le_bytes());
        let e = d.next_frame().unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_TOO_BIG);
        assert_eq!(
            e,
            ProtoError::FrameTooBig {
                len: u64::from(MAX_FRAME_LEN) + 1,
                max: MAX_FRAME_LEN
            }
        );
        // The stream stays failed, and later bytes are not buffered.
        d.push(&encode_frame(b"x").unwrap());
        assert_eq!(d.buffered(), 0);
        assert_eq!(d.next_frame().unwrap_err(), e);
        assert_eq!(d.finish().unwrap_err(), e);
    }

    #[test]
    fn the_largest_allowed_length_is_accepted_and_awaited() {
        let mut d = FrameDecoder::new();
        d.push(&MAX_FRAME_LEN.to_le_bytes());
        assert_eq!(d.next_frame().unwrap(), None);
        assert_eq!(
            d.finish().unwrap_err(),
            ProtoError::IncompleteFrame {
                have: 4,
                need: 4 + MAX_FRAME_LEN as usize
            }
        );
    }

    #[test]
    fn encode_refuses_oversize_bodies() {
        let body = vec![0u8; MAX_FRAME_LEN as usize + 1];
        assert_eq!(
            encode_frame(&body).unwrap_err().status(),
            Status::MAPI_E_TOO_BIG
        );
        assert_eq!(
            encode_frame(&body[..MAX_FRAME_LEN as usize]).unwrap().len(),
            MAX_FRAME_LEN as usize + 4
        );
    }

    #[test]
    fn cut_header_is_reported_at_finish() {
        let mut d = FrameDecoder::new();
        d.push(&[5, 0]);
        assert_eq!(d.next_frame().unwrap(), None);
        assert_eq!(
            d.finish().unwrap_err(),
            ProtoError::IncompleteFrame { have: 2, need: 4 }
        );
    }
}
