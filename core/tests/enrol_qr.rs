//! Issue 13: the phone reads the enrolment QR code from camera frames (luma
//! planes) and photos. Codes are rendered here with `qrcode`, then turned,
//! scaled, blurred by noise and set in margins or a real photograph, and read
//! back through the core.

use farmlive_core::protocol::{EnrolLink, MsgCode};
use farmlive_core::{Error, QrError, decode_enrol_qr, decode_enrol_qr_photo};

const HUB: &str = "http://192.168.1.20:8080";
const CODE: &str = "7KQ2MZ9PXW";

/// A luma picture.
struct Luma {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Luma {
    fn at(&self, x: f64, y: f64, background: u8) -> u8 {
        // Bilinear sample; outside the picture is `background`.
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let get = |xi: f64, yi: f64| -> f64 {
            if xi < 0.0 || yi < 0.0 || xi >= self.w as f64 || yi >= self.h as f64 {
                f64::from(background)
            } else {
                f64::from(self.px[yi as usize * self.w + xi as usize])
            }
        };
        let top = get(x0, y0) * (1.0 - fx) + get(x0 + 1.0, y0) * fx;
        let bottom = get(x0, y0 + 1.0) * (1.0 - fx) + get(x0 + 1.0, y0 + 1.0) * fx;
        (top * (1.0 - fy) + bottom * fy).round() as u8
    }
}

/// The QR code of `text`, `module` pixels per module, with a 4-module quiet zone.
fn render(text: &str, module: usize) -> Luma {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("encodable");
    let n = code.width();
    let colors = code.to_colors();
    let side = (n + 8) * module;
    let mut px = vec![255u8; side * side];
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / module) as isize - 4, (y / module) as isize - 4);
            if (0..n as isize).contains(&mx)
                && (0..n as isize).contains(&my)
                && colors[my as usize * n + mx as usize] == qrcode::Color::Dark
            {
                px[y * side + x] = 0;
            }
        }
    }
    Luma {
        w: side,
        h: side,
        px,
    }
}

/// `src` turned by `degrees`, scaled by `scale`, centred on a `w`×`h`
/// canvas of `background`.
fn place(src: &Luma, w: usize, h: usize, degrees: f64, scale: f64, background: u8) -> Luma {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let (sx, sy) = (src.w as f64 / 2.0, src.h as f64 / 2.0);
    let mut px = vec![background; w * h];
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = ((x as f64 - cx) / scale, (y as f64 - cy) / scale);
            let (u, v) = (cos * dx + sin * dy + sx, -sin * dx + cos * dy + sy);
            px[y * w + x] = src.at(u, v, background);
        }
    }
    Luma { w, h, px }
}

/// Adds deterministic noise of ±`amount` and lowers the contrast a little,
/// as a camera sensor in poor light does.
fn noisy(mut img: Luma, amount: i32) -> Luma {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for p in &mut img.px {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let n = (state % (2 * amount as u64 + 1)) as i32 - amount;
        let dimmed = 40 + i32::from(*p) * 170 / 255;
        *p = (dimmed + n).clamp(0, 255) as u8;
    }
    img
}

fn link() -> EnrolLink {
    EnrolLink::new(HUB, CODE)
}

#[test]
fn a_turned_scaled_noisy_code_in_a_wide_frame_is_read() {
    let qr = render(&link().to_uri(), 4);
    for (degrees, scale) in [
        (0.0, 1.0),
        (17.0, 1.6),
        (90.0, 0.8),
        (200.0, 2.3),
        (-33.0, 1.2),
    ] {
        let frame = noisy(place(&qr, 640, 480, degrees, scale, 200), 25);
        let got = decode_enrol_qr(640, 480, 640, &frame.px)
            .unwrap_or_else(|e| panic!("{degrees}° ×{scale}: {e}"));
        assert_eq!(got, link(), "{degrees}° ×{scale}");
    }
    // Light on dark, as a dark terminal or a phone in dark mode shows it.
    let mut frame = noisy(place(&qr, 640, 480, 5.0, 1.3, 200), 10);
    frame.px.iter_mut().for_each(|p| *p = 255 - *p);
    assert_eq!(
        decode_enrol_qr(640, 480, 640, &frame.px).expect("inverted"),
        link()
    );
}

#[test]
fn the_y_plane_of_an_i420_frame_with_padded_rows_is_read() {
    let qr = render(&link().to_uri(), 6);
    let frame = place(&qr, 1920, 1080, 8.0, 2.0, 180);
    // Rows padded to 2048 bytes, then the U and V planes after the Y plane.
    let stride = 2048;
    let mut i420 = vec![0u8; stride * 1080 + 2 * (1024 * 540)];
    for y in 0..1080 {
        i420[y * stride..y * stride + 1920].copy_from_slice(&frame.px[y * 1920..(y + 1) * 1920]);
    }
    assert_eq!(
        decode_enrol_qr(1920, 1080, stride as u32, &i420).expect("read"),
        link()
    );
}

#[test]
fn a_code_pasted_into_a_real_photo_and_saved_as_jpeg_is_read() {
    let photo = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/photos/leaf-2560x1600.jpg"
    ))
    .expect("testdata photo");
    let mut decoder = jpeg_decoder::Decoder::new(photo.as_slice());
    let mut rgb = decoder.decode().expect("decode");
    let info = decoder.info().expect("info");
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
    // The code as a printed card held in the scene: turned, not quite black on
    // not quite white, the leaf's texture showing through a little.
    let card = place(&render(&link().to_uri(), 8), 900, 900, 12.0, 1.9, 255);
    let (ox, oy) = (w / 2 - 450, h / 2 - 450);
    for y in 0..900 {
        for x in 0..900 {
            let ink = u32::from(card.px[y * 900 + x]);
            let at = ((oy + y) * w + ox + x) * 3;
            for c in &mut rgb[at..at + 3] {
                *c = ((30 + ink * 200 / 255) * 9 / 10 + u32::from(*c) / 10) as u8;
            }
        }
    }
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 70)
        .encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    assert_eq!(
        decode_enrol_qr_photo(&jpeg).expect("read from the photo"),
        link()
    );
    // The photo without the code: a clear "no code found".
    let e = decode_enrol_qr_photo(&photo).expect_err("no code in the plain photo");
    assert!(matches!(e, Error::Qr(QrError::NotFound)), "{e:?}");
    assert_eq!(e.code(), MsgCode::QrNotFound);
    assert!(e.is_bad_input());
}

#[test]
fn blank_noise_and_other_codes_are_clear_errors() {
    let grey = vec![128u8; 320 * 240];
    let e = decode_enrol_qr(320, 240, 320, &grey).expect_err("nothing there");
    assert!(matches!(e, Error::Qr(QrError::NotFound)), "{e:?}");
    let noise = noisy(
        Luma {
            w: 320,
            h: 240,
            px: vec![128; 320 * 240],
        },
        120,
    );
    let e = decode_enrol_qr(320, 240, 320, &noise.px).expect_err("noise");
    assert_eq!(e.code(), MsgCode::QrNotFound);

    // A QR code, but a web address, not an enrol link.
    let other = place(
        &render("https://example.com/menu", 4),
        400,
        400,
        0.0,
        1.0,
        255,
    );
    let e = decode_enrol_qr(400, 400, 400, &other.px).expect_err("not ours");
    assert_eq!(e.code(), MsgCode::QrNotEnrolLink, "{e}");
    // An enrol link whose code is damaged.
    let bad = place(
        &render("farmlive://enrol?hub=http%3A%2F%2Fh&code=", 4),
        400,
        400,
        0.0,
        1.0,
        255,
    );
    let e = decode_enrol_qr(400, 400, 400, &bad.px).expect_err("no code");
    assert_eq!(e.code(), MsgCode::QrBadCode, "{e}");
}

#[test]
fn frames_whose_sizes_do_not_fit_their_bytes_are_refused_not_read() {
    let px = vec![255u8; 100 * 100];
    for (w, h, stride, len) in [
        (0, 100, 100, 10_000),
        (100, 0, 100, 10_000),
        (100, 100, 99, 10_000),
        (100, 100, 100, 9_999),
        (100, 100, 120, 10_000),
        (9000, 10, 9000, 10_000),
        (u32::MAX, u32::MAX, u32::MAX, 10_000),
    ] {
        let e = decode_enrol_qr(w, h, stride, &px[..len]).expect_err("bad sizes");
        assert!(
            matches!(e, Error::Qr(QrError::BadFrame(_))),
            "{w}×{h}/{stride}: {e:?}"
        );
        assert_eq!(e.code(), MsgCode::QrBadFrame);
    }
    // Exactly enough bytes: the last row needs no padding.
    let e = decode_enrol_qr(100, 100, 120, &vec![255u8; 120 * 99 + 100]).expect_err("blank");
    assert!(matches!(e, Error::Qr(QrError::NotFound)), "{e:?}");
    let e = decode_enrol_qr_photo(b"not a photo").expect_err("not a photo");
    assert!(matches!(e, Error::Photo(_)), "{e:?}");
}
