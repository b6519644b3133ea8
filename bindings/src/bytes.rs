//! [`ShellBytes`]: bytes handed in by the shell (a camera frame, a PCM chunk,
//! a photo), lifted from the FFI in one piece instead of one byte at a time.
//!
//! # Why it exists
//!
//! uniffi 0.32 lifts a `Vec<u8>` argument through its generic
//! `impl<T: Lift> Lift for Vec<T>`, which reads the buffer element by element:
//! for a 1280x720 NV12 frame that is 1.38 million checked one-byte reads, and
//! it made a frame push from Kotlin or Swift cost about 2.5–3 ms instead of
//! well under the 1 ms budget. The foreign side is not the problem: the
//! generated Kotlin (`FfiConverterByteArray`) and Swift (`FfiConverterData`)
//! already write a big-endian `i32` length and then the bytes in bulk, into a
//! `RustBuffer` the library allocated.
//!
//! [`ShellBytes`] takes that `RustBuffer` over as it is: it checks the length
//! prefix against the buffer and keeps the allocation, the frame starting 4
//! bytes in ([`FrameData`]). No loop and no copy; the core converts the frame
//! to I420 in that same buffer.
//!
//! Its uniffi metadata is exactly `Vec<u8>`'s, so the bindings do not change
//! at all: Kotlin still passes a `ByteArray`, Swift a `Data`, and the API
//! checksums stay the same.
//!
//! uniffi 0.32 also offers `&[u8]` arguments (a borrowed `ForeignBytes`, no
//! `RustBuffer`), but in Kotlin they become a `java.nio.ByteBuffer` that must
//! be direct, and the core has to copy the borrowed bytes anyway to queue
//! them. That suits the camera's own planes, which are direct buffers and
//! need their strides undone anyway: `LiveSession::push_video_planes` takes
//! them that way (copying once, into I420); bytes the shell already holds
//! as a `ByteArray` or `Data` come here.

use crate::error::FarmLiveError;
use farmlive_live::frame::FrameData;
use uniffi::{Lift, MetadataBuffer, RustBuffer, TypeId};

/// Bytes handed in by the shell (`ByteArray` in Kotlin, `Data` in Swift): a
/// camera frame, a chunk of PCM or a photo. Derefs to `[u8]`. Rust callers make one
/// from a `Vec<u8>` with `.into()`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ShellBytes(FrameData);

impl ShellBytes {
    /// The bytes, owned, for the core (no copy).
    pub fn into_frame_data(self) -> FrameData {
        self.0
    }
}

impl std::ops::Deref for ShellBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl From<Vec<u8>> for ShellBytes {
    fn from(bytes: Vec<u8>) -> ShellBytes {
        ShellBytes(FrameData::new(bytes))
    }
}

impl std::fmt::Debug for ShellBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShellBytes({} bytes)", self.len())
    }
}

/// Size of the length prefix uniffi writes before the bytes.
const PREFIX: usize = 4;

fn malformed(what: &str) -> uniffi::deps::anyhow::Error {
    // A `FarmLiveError` reaches the shell as a `BadInput` error (uniffi
    // downcasts a failed argument lift to the method's error type), not as
    // an internal error.
    FarmLiveError::bad_input(format!("malformed byte array from the shell: {what}")).into()
}

/// The byte count a length prefix declares, when it is not negative.
fn declared_len(prefix: [u8; PREFIX]) -> Result<usize, uniffi::deps::anyhow::Error> {
    usize::try_from(i32::from_be_bytes(prefix))
        .map_err(|_| malformed("the length prefix is negative"))
}

// SAFETY: `Lift` is an unsafe trait because the FFI type, the serialised form
// and the metadata must match what the generated foreign code sends. They are
// `Vec<u8>`'s in every respect: the FFI type is `RustBuffer`, the bytes are
// read as uniffi's `Lift for Vec<T>` reads them (a big-endian `i32` count,
// then the elements, each `u8` one byte, nothing left over), and
// `TYPE_ID_META` is `Vec<u8>`'s, so the generated Kotlin and Swift code is
// the same as for `Vec<u8>`. No unsafe operation is performed here: the buffer
// is taken over with uniffi's own `RustBuffer::destroy_into_vec`, exactly as
// `Vec<u8>`'s lift does, and everything after it is safe, bounds-checked code.
#[allow(unsafe_code)]
unsafe impl Lift<crate::UniFfiTag> for ShellBytes {
    type FfiType = RustBuffer;

    fn try_lift(buf: RustBuffer) -> uniffi::Result<ShellBytes> {
        let bytes = buf.destroy_into_vec();
        let Some(&prefix) = bytes.first_chunk::<PREFIX>() else {
            return Err(malformed("shorter than its length prefix"));
        };
        let len = declared_len(prefix)?;
        let have = bytes.len() - PREFIX;
        if len != have {
            return Err(malformed(&format!(
                "the length prefix says {len} bytes, the buffer holds {have}"
            )));
        }
        FrameData::with_offset(bytes, PREFIX)
            .map(ShellBytes)
            .ok_or_else(|| malformed("shorter than its length prefix"))
    }

    /// The same form inside a larger buffer (were `ShellBytes` ever nested in
    /// a record or a sequence): one bulk copy.
    fn try_read(buf: &mut &[u8]) -> uniffi::Result<ShellBytes> {
        let Some((&prefix, rest)) = buf.split_first_chunk::<PREFIX>() else {
            return Err(malformed("shorter than its length prefix"));
        };
        let len = declared_len(prefix)?;
        let Some((bytes, rest)) = rest.split_at_checked(len) else {
            return Err(malformed(&format!(
                "the length prefix says {len} bytes, the buffer holds {}",
                rest.len()
            )));
        };
        *buf = rest;
        Ok(ShellBytes::from(bytes.to_vec()))
    }
}

impl TypeId<crate::UniFfiTag> for ShellBytes {
    const TYPE_ID_META: MetadataBuffer = <Vec<u8> as TypeId<crate::UniFfiTag>>::TYPE_ID_META;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(prefix: i32, body: &[u8]) -> Vec<u8> {
        let mut v = prefix.to_be_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    fn lift(bytes: Vec<u8>) -> uniffi::Result<ShellBytes> {
        <ShellBytes as Lift<crate::UniFfiTag>>::try_lift(RustBuffer::from_vec(bytes))
    }

    #[test]
    fn lifts_what_vec_u8_lifts() {
        for body in [&[][..], &[7][..], &[1, 2, 3, 4, 5][..]] {
            let theirs = <Vec<u8> as Lift<crate::UniFfiTag>>::try_lift(RustBuffer::from_vec(
                framed(body.len() as i32, body),
            ))
            .unwrap();
            let ours = lift(framed(body.len() as i32, body)).unwrap();
            assert_eq!(&*ours, &theirs[..]);
            assert_eq!(ours.into_frame_data().into_vec(), theirs);
        }
    }

    #[test]
    fn reads_from_the_middle_of_a_buffer() {
        let mut both = framed(3, &[1, 2, 3]);
        both.extend(framed(0, &[]));
        let mut rest = &both[..];
        let read = |b: &mut &[u8]| <ShellBytes as Lift<crate::UniFfiTag>>::try_read(b);
        assert_eq!(&*read(&mut rest).unwrap(), &[1, 2, 3]);
        assert_eq!(&*read(&mut rest).unwrap(), &[] as &[u8]);
        assert!(rest.is_empty());
        for bad in [vec![0, 0, 0], framed(-1, &[1]), framed(5, &[1, 2, 3, 4])] {
            let mut b = &bad[..];
            assert!(read(&mut b).is_err());
        }
    }

    #[test]
    fn has_vec_u8_metadata() {
        let ours = <ShellBytes as TypeId<crate::UniFfiTag>>::TYPE_ID_META;
        let theirs = <Vec<u8> as TypeId<crate::UniFfiTag>>::TYPE_ID_META;
        assert_eq!(ours.as_ref(), theirs.as_ref());
    }
}
