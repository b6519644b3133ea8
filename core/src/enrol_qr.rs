//! Reading an enrolment QR code from a camera frame, so that both phone
//! shells share one decoder: they hand over the luma (Y) plane of a frame
//! (an I420 frame's first plane is one) and get the enrol link back.

use crate::{Error, Result};
use farmlive_protocol::EnrolLink;

/// Widest or tallest frame accepted, in pixels (an 8K camera frame).
pub const QR_FRAME_MAX_SIDE: u32 = 8192;

/// Frames are shrunk (by whole-pixel averaging) until their longer side is
/// at most this: a QR code held up to a phone spans a good part of the
/// frame, and the decoder's time grows with the pixels.
const DECODE_SIDE: u32 = 1280;

/// Why no enrol link came out of a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// No readable QR code in the frame.
    #[error("no QR code found; hold the code flat, in the middle, in good light")]
    NotFound,
    /// The frame's sizes do not fit its bytes (a bug in the caller).
    #[error("the camera frame is not usable: {0}")]
    BadFrame(String),
    /// A QR code was read, but it is not a usable enrol link.
    #[error("{0}")]
    Link(#[from] farmlive_protocol::EnrolLinkError),
}

/// Finds an enrol link in a frame's luma plane: `width` × `height` pixels,
/// rows `stride` bytes apart, one byte per pixel (0 black, 255 white).
///
/// Errors: [`QrError::BadFrame`] if the sizes do not fit `luma`,
/// [`QrError::NotFound`] if no QR code could be read, [`QrError::Link`] if
/// the code read is not an enrol link (another QR code in view).
pub fn decode_enrol_qr(width: u32, height: u32, stride: u32, luma: &[u8]) -> Result<EnrolLink> {
    let text = decode_qr_text(width, height, stride, luma)?;
    EnrolLink::parse(&text).map_err(|e| Error::Qr(e.into()))
}

/// The text of the first readable QR code in the frame.
fn decode_qr_text(width: u32, height: u32, stride: u32, luma: &[u8]) -> Result<String> {
    let bad = |why: String| Error::Qr(QrError::BadFrame(why));
    if width == 0 || height == 0 {
        return Err(bad(format!("{width}×{height} pixels")));
    }
    if width > QR_FRAME_MAX_SIDE || height > QR_FRAME_MAX_SIDE {
        return Err(bad(format!(
            "{width}×{height} pixels is larger than {QR_FRAME_MAX_SIDE} on a side"
        )));
    }
    if stride < width {
        return Err(bad(format!(
            "a row stride of {stride} is less than the width {width}"
        )));
    }
    // Both at most 8192, so these cannot overflow a u64 (nor, on 64-bit, usize).
    let needed = u64::from(stride) * u64::from(height - 1) + u64::from(width);
    if (luma.len() as u64) < needed {
        return Err(bad(format!(
            "{} bytes for {width}×{height} pixels with stride {stride} (needs {needed})",
            luma.len()
        )));
    }
    let (w, h, s) = (width as usize, height as usize, stride as usize);
    let factor = width.max(height).div_ceil(DECODE_SIDE).max(1) as usize;
    // Light on dark too: a code drawn in a dark terminal (`farmlive hub
    // enrol-code --qr`) or on a phone in dark mode comes out inverted.
    for invert in [0u8, 255] {
        let mut prepared = if factor == 1 {
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * s + x] ^ invert)
        } else {
            let area = (factor * factor) as u32;
            rqrr::PreparedImage::prepare_from_greyscale(w / factor, h / factor, |x, y| {
                let mut sum = 0u32;
                for row in luma[y * factor * s..].chunks(s).take(factor) {
                    sum += row[x * factor..(x + 1) * factor]
                        .iter()
                        .map(|&p| u32::from(p))
                        .sum::<u32>();
                }
                (sum / area) as u8 ^ invert
            })
        };
        let text = prepared
            .detect_grids()
            .into_iter()
            .find_map(|grid| grid.decode().ok().map(|(_, text)| text));
        if let Some(text) = text {
            return Ok(text);
        }
    }
    Err(Error::Qr(QrError::NotFound))
}

/// Finds an enrol link in a photo file (JPEG, PNG or WebP): a screenshot,
/// or a picture chosen from the gallery. The photo goes through the photo
/// pipeline first (its size limits, EXIF orientation, no panics on damaged
/// files), then its luma through [`decode_enrol_qr`].
pub fn decode_enrol_qr_photo(bytes: &[u8]) -> Result<EnrolLink> {
    let options = farmlive_photo::PipelineOptions {
        listing_long_edge: DECODE_SIDE,
        jpeg_quality: 95,
        ..Default::default()
    };
    let processed = farmlive_photo::process(bytes, &options)?;
    let jpeg = &processed.listing.jpeg;
    let mut decoder = jpeg_decoder::Decoder::new(jpeg.as_slice());
    // Our own encoder's output: a failure here is a bug, not the user's file.
    let internal = |why: String| Error::Photo(farmlive_photo::PhotoError::Internal { detail: why });
    let pixels = decoder.decode().map_err(|e| internal(e.to_string()))?;
    let info = decoder
        .info()
        .ok_or_else(|| internal("no frame".to_owned()))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let luma: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => pixels,
        jpeg_decoder::PixelFormat::RGB24 => pixels
            .chunks_exact(3)
            // BT.601 luma in 8-bit fixed point (77 + 150 + 29 = 256).
            .map(|p| {
                ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2])) >> 8) as u8
            })
            .collect(),
        other => return Err(internal(format!("unexpected {other:?} output"))),
    };
    decode_enrol_qr(w, h, w, &luma)
}
