//! JPEG encoding and content hashing.
//!
//! `jpeg-encoder` with optimised Huffman tables (a second pass over the coefficients,
//! typically 5–10 % smaller files at identical pixels), 4:2:0 chroma subsampling with
//! box-averaged chroma (the libjpeg default, better than picking one sample), baseline
//! (every viewer decodes it, and decoding it is cheap on old phones). The encoder writes
//! SOI, a JFIF APP0, tables, frame, scans and EOI: nothing else, so no metadata of the
//! source can reach the output.

use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};
use sha2::{Digest, Sha256};

use crate::{EncodedImage, PhotoError, Rgb};

/// Encodes `img` as a baseline JPEG at `quality` (1..=100) and hashes it.
pub(crate) fn encode(img: &Rgb, quality: u8) -> Result<EncodedImage, PhotoError> {
    let (w, h) = (
        u16::try_from(img.width).map_err(PhotoError::internal)?,
        u16::try_from(img.height).map_err(PhotoError::internal)?,
    );
    // Compressed size is usually well under a tenth of the raw size; avoid regrowth.
    let mut jpeg = Vec::with_capacity(img.data.len() / 8 + 1024);
    let mut encoder = Encoder::new(&mut jpeg, quality);
    encoder.set_sampling_factor(SamplingFactor::R_4_2_0);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder.set_optimized_huffman_tables(true);
    encoder
        .encode(&img.data, w, h, ColorType::Rgb)
        .map_err(PhotoError::internal)?;
    let sha256 = hex(&Sha256::digest(&jpeg));
    Ok(EncodedImage {
        jpeg,
        width: img.width,
        height: img.height,
        sha256,
    })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0F)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lowercase_hex_of_the_bytes() {
        // Known vector: SHA-256("abc").
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn output_has_only_jfif_app_segment() {
        let img = Rgb {
            width: 33,
            height: 17,
            data: (0..33 * 17 * 3).map(|i| (i % 256) as u8).collect(),
        };
        let out = encode(&img, 75).expect("encode");
        assert_eq!(&out.jpeg[..4], &[0xFF, 0xD8, 0xFF, 0xE0]);
        assert_eq!(&out.jpeg[6..11], b"JFIF\0");
        assert_eq!(&out.jpeg[out.jpeg.len() - 2..], &[0xFF, 0xD9]);
        assert_eq!(out.sha256, hex(&Sha256::digest(&out.jpeg)));
        assert_eq!((out.width, out.height), (33, 17));
    }
}
