//! FarmLive's listing photo pipeline. Pure: bytes in, bytes out; the caller
//! (`farmlive-core`) stores the results content-addressed by their SHA-256.
//!
//! ```text
//! bytes ─ size check ─ sniff ─ header ─ limits ─ decode (DCT-scaled) ─ resize ─ orient ─ encode ─ listing
//!                                                                                  └ resize ─ encode ─ thumbnail
//! ```
//!
//! Each step, and why:
//!
//! 1. **Refuse early, allocate late.** Empty input, oversized input, unknown magic bytes,
//!    then the image *header* (dimensions, JPEG variant) is checked against [`Limits`]
//!    before any pixel buffer exists, so a 60000×60000 "decompression bomb" costs
//!    microseconds. For JPEG our own marker walker also checks the stream reaches its
//!    EOI marker: a photo cut off mid-transfer is refused instead of being shown with a
//!    grey lower half.
//! 2. **Decode at reduced size.** JPEG (what phones produce) is decoded with
//!    `jpeg-decoder`'s DCT scaling at the smallest of 1/8, 1/4, 1/2, 1 that leaves at
//!    least 1.5× the listing size: a 12 MP photo is decoded as 3 MP, about 4× less IDCT,
//!    colour conversion and memory. (The 1.5× margin keeps a real Lanczos step after the
//!    block-local DCT reduction; landing exactly on the target measured ~0.3 dB worse and
//!    ~3 % larger.) Grey and CMYK JPEGs become RGB. PNG and WebP (screenshots, shared
//!    images) go through `image` with `image::Limits`; transparency is flattened onto white.
//! 3. **Resize with SIMD**, Lanczos3 (sharp, alias-free, the libvips default) via
//!    `fast_image_resize`. Never enlarges. The thumbnail is made from the listing image,
//!    not from the source: a fraction of the work and the same look; it is resized and
//!    encoded on a second thread while the listing is encoded.
//! 4. **Orient** per EXIF (all 8 values) *after* resizing, on ~1 MP instead of 12 MP.
//! 5. **Encode** baseline JPEG with `jpeg-encoder`: 4:2:0, optimised Huffman tables.
//!    Only the pixels are re-encoded, so nothing of the source's metadata (EXIF with
//!    GPS, XMP, ICC, comments, maker notes) can survive: the output has SOI, a JFIF
//!    APP0 and image data only.
//! 6. **Deterministic**: no clocks, randomness or thread-order dependence, so the same
//!    bytes and options give byte-identical output and the same SHA-256 on a given
//!    device. (SIMD paths are chosen per CPU, so two *different* CPUs may differ in
//!    the last bit; deduplication is per device, which is what the app needs.)
//!
//! Errors ([`PhotoError`]) are worded for the farmer and carry no paths.

mod decode;
mod encode;
mod error;
mod jpeg_header;
mod orient;
mod resize;

pub use error::PhotoError;

/// Settings of the pipeline; [`Default`] is what the app uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineOptions {
    /// Longest side of the listing image, in pixels (default 1280).
    pub listing_long_edge: u32,
    /// Longest side of the thumbnail, in pixels (default 320).
    pub thumbnail_long_edge: u32,
    /// JPEG quality of both outputs, 1..=100 (default 75).
    pub jpeg_quality: u8,
    /// Input limits (decompression bomb and memory guards).
    pub limits: Limits,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        Self {
            listing_long_edge: 1280,
            thumbnail_long_edge: 320,
            jpeg_quality: 75,
            limits: Limits::default(),
        }
    }
}

/// Upper bounds checked before decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input file, in bytes (default 40 MiB).
    pub max_input_bytes: usize,
    /// Largest accepted declared pixel count (default 120 MP). Phones shoot up to
    /// 108–200 MP; for JPEG, DCT scaling keeps the decoded image small anyway.
    pub max_source_pixels: u64,
    /// Cap on the decoder's memory (default 256 MiB): the decoded buffer, plus for
    /// progressive JPEG the full-size coefficient buffer, plus for PNG/WebP (which
    /// cannot be decoded at reduced size) the full-size pixels.
    pub max_decoded_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 40 * 1024 * 1024,
            max_source_pixels: 120_000_000,
            max_decoded_bytes: 256 * 1024 * 1024,
        }
    }
}

/// One encoded output image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedImage {
    /// The JPEG file: SOI, JFIF APP0, image data, EOI; no other metadata.
    pub jpeg: Vec<u8>,
    /// Width in pixels (display orientation).
    pub width: u32,
    /// Height in pixels (display orientation).
    pub height: u32,
    /// SHA-256 of `jpeg`, lowercase hex (64 characters): the content address.
    pub sha256: String,
}

/// The two images made from one photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// Listing image, long edge at most [`PipelineOptions::listing_long_edge`].
    pub listing: EncodedImage,
    /// Thumbnail, long edge at most [`PipelineOptions::thumbnail_long_edge`], made from
    /// the listing image.
    pub thumbnail: EncodedImage,
    /// Width of the source photo after EXIF orientation.
    pub source_width: u32,
    /// Height of the source photo after EXIF orientation.
    pub source_height: u32,
}

/// 8-bit RGB pixels, row-major, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rgb {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl PipelineOptions {
    fn validate(&self) -> Result<(), PhotoError> {
        let edge_ok = |e: u32| (1..=u32::from(u16::MAX)).contains(&e);
        if !edge_ok(self.listing_long_edge) {
            return Err(PhotoError::InvalidOptions {
                reason: "listing_long_edge must be 1..=65535",
            });
        }
        if !edge_ok(self.thumbnail_long_edge) {
            return Err(PhotoError::InvalidOptions {
                reason: "thumbnail_long_edge must be 1..=65535",
            });
        }
        if !(1..=100).contains(&self.jpeg_quality) {
            return Err(PhotoError::InvalidOptions {
                reason: "jpeg_quality must be 1..=100",
            });
        }
        Ok(())
    }
}

/// Turns a photo (JPEG, PNG or WebP bytes) into a listing image and a thumbnail:
/// upright, metadata-free, downscaled JPEGs with their SHA-256.
///
/// Never panics on any input; every refusal is a [`PhotoError`] with a plain message.
pub fn process(bytes: &[u8], options: &PipelineOptions) -> Result<ProcessedPhoto, PhotoError> {
    options.validate()?;
    let limits = &options.limits;
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(PhotoError::FileTooBig {
            size_bytes: bytes.len(),
            max_bytes: limits.max_input_bytes,
        });
    }
    let decoded = decode::decode(bytes, limits, options.listing_long_edge)?;
    let (source_width, source_height) = orient::oriented_dims(
        decoded.source_width,
        decoded.source_height,
        decoded.orientation,
    );

    // The long edge does not change with orientation, so fit in stored orientation,
    // resize, then rotate the small result.
    let (lw, lh) = resize::fit(
        decoded.source_width,
        decoded.source_height,
        options.listing_long_edge,
    );
    let mut resizer = fast_image_resize::Resizer::new();
    let listing = resize::resize_owned(&mut resizer, decoded.image, lw, lh)?;
    let listing = orient::apply(listing, decoded.orientation);

    // The thumbnail (resize + encode) runs beside the listing's encode. Both only read
    // `listing`, so the result does not depend on scheduling.
    let (tw, th) = resize::fit(listing.width, listing.height, options.thumbnail_long_edge);
    let quality = options.jpeg_quality;
    let make_thumbnail = |resizer: &mut fast_image_resize::Resizer| {
        resize::resize(resizer, &listing, tw, th)
            .and_then(|thumbnail| encode::encode(&thumbnail, quality))
    };
    let (listing_jpeg, thumbnail_jpeg) = std::thread::scope(|scope| {
        // If the OS refuses a thread, do the thumbnail afterwards on this one.
        let thumb = std::thread::Builder::new()
            .name("farmlive-thumbnail".into())
            .spawn_scoped(scope, || make_thumbnail(&mut resizer));
        let listing_jpeg = encode::encode(&listing, quality);
        let thumbnail_jpeg = match thumb {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(PhotoError::internal("thumbnail thread panicked"))),
            Err(_) => make_thumbnail(&mut fast_image_resize::Resizer::new()),
        };
        (listing_jpeg, thumbnail_jpeg)
    });

    Ok(ProcessedPhoto {
        listing: listing_jpeg?,
        thumbnail: thumbnail_jpeg?,
        source_width,
        source_height,
    })
}
