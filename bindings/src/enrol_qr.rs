//! Enrolment by QR code for both shells: the camera frame's luma plane (or a
//! photo) in, the hub address and one-time code out. The decoding is the
//! core's (`farmlive_core::enrol_qr`); this file only crosses the FFI.

use crate::bytes::ShellBytes;
use crate::error::{FarmLiveError, Result};

// Mirror: protocol's `EnrolLink` is not a uniffi type; the same two strings.
/// What an enrolment QR code holds: pass both to `FarmLive.enrol`.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnrolLink {
    /// The hub's address, e.g. `https://hub.example.com`.
    pub hub: String,
    /// The one-time enrolment code (a secret until used).
    pub code: String,
}

impl std::fmt::Debug for EnrolLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolLink")
            .field("hub", &self.hub)
            .field("code", &"<redacted>")
            .finish()
    }
}

impl From<farmlive_core::protocol::EnrolLink> for EnrolLink {
    fn from(l: farmlive_core::protocol::EnrolLink) -> Self {
        EnrolLink {
            hub: l.hub,
            code: l.code,
        }
    }
}

/// Reads the enrolment QR code in a camera frame: its luma (Y) plane,
/// `width` × `height` pixels, rows `stride` bytes apart (an I420 or NV12
/// frame's first plane; the chroma after it is ignored).
///
/// Errors (all `BadInput`, with `messageCode()`): `qr_not_found` when no code
/// could be read (keep scanning), `qr_not_enrol_link` for another QR code,
/// `qr_bad_hub` / `qr_bad_code` for a damaged one, `qr_bad_frame` when the
/// sizes do not fit the bytes.
#[uniffi::export]
pub fn decode_enrol_qr(
    width: u32,
    height: u32,
    stride: u32,
    luma: ShellBytes,
) -> Result<EnrolLink> {
    Ok(farmlive_core::decode_enrol_qr(width, height, stride, &luma)?.into())
}

/// Reads the enrolment QR code in a photo file (JPEG, PNG or WebP), e.g. a
/// screenshot picked from the gallery. Errors as [`decode_enrol_qr`], or a
/// photo error (`photo_not_a_photo`, …).
#[uniffi::export]
pub fn decode_enrol_qr_photo(photo: ShellBytes) -> Result<EnrolLink> {
    Ok(farmlive_core::decode_enrol_qr_photo(&photo)?.into())
}

/// Reads an enrol link typed or pasted as text
/// (`farmlive://enrol?hub=…&code=…`).
#[uniffi::export]
pub fn parse_enrol_link(text: String) -> Result<EnrolLink> {
    farmlive_core::protocol::EnrolLink::parse(&text)
        .map(EnrolLink::from)
        .map_err(|e| FarmLiveError::from(farmlive_core::Error::Qr(e.into())))
}
