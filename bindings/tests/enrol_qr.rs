//! Issue 13 through the FFI: the shells read the enrolment QR code from a
//! camera frame's luma plane, and show errors by stable code in Chinese or
//! English from the catalog the CLI uses.

#[allow(dead_code)] // the hub is not needed here
mod common;

use common::{block_on, open};
use farmlive_ffi::*;

/// A QR code of `text` on a grey frame `h` rows high, `module` pixels a module,
/// its top-left corner at (`x0`, `y0`), rows `stride` bytes apart.
fn frame(text: &str, h: usize, stride: usize, module: usize, x0: usize, y0: usize) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("encodable");
    let n = code.width();
    let colors = code.to_colors();
    let mut px = vec![170u8; stride * h];
    // A white card with a quiet zone of 4 modules.
    for y in 0..(n + 8) * module {
        for x in 0..(n + 8) * module {
            let (mx, my) = ((x / module) as isize - 4, (y / module) as isize - 4);
            let dark = (0..n as isize).contains(&mx)
                && (0..n as isize).contains(&my)
                && colors[my as usize * n + mx as usize] == qrcode::Color::Dark;
            px[(y0 + y) * stride + x0 + x] = if dark { 20 } else { 235 };
        }
    }
    px
}

#[test]
fn a_camera_frame_s_enrol_code_reaches_the_shell() {
    let uri = "farmlive://enrol?hub=https%3A%2F%2Fhub.example.com&code=K7QXM2PD9R";
    let luma = frame(uri, 480, 704, 5, 150, 60);
    let link = decode_enrol_qr(640, 480, 704, luma.into()).expect("read");
    assert_eq!(link.hub, "https://hub.example.com");
    assert_eq!(link.code, "K7QXM2PD9R");
    assert!(
        !format!("{link:?}").contains("K7QXM2PD9R"),
        "Debug shows the code"
    );
    assert_eq!(parse_enrol_link(uri.into()).expect("parsed"), link);

    let blank = vec![128u8; 640 * 480];
    let e = decode_enrol_qr(640, 480, 640, blank.into()).expect_err("no code");
    assert!(matches!(e, FarmLiveError::BadInput { .. }), "{e:?}");
    assert_eq!(e.message_code(), "qr_not_found");
    assert!(
        e.localized_reason("zh-CN".into())
            .contains("没有找到二维码")
    );
    assert_eq!(e.localized_reason("en".into()), e.reason());

    let other = frame("https://example.com", 400, 400, 5, 40, 40);
    let e = decode_enrol_qr(400, 400, 400, other.into()).expect_err("not ours");
    assert_eq!(e.message_code(), "qr_not_enrol_link", "{e}");
}

#[test]
fn bad_frame_sizes_are_errors_not_panics() {
    for (w, h, stride, len) in [
        (0u32, 10u32, 10u32, 100usize),
        (10, 10, 9, 100),
        (10, 10, 10, 99),
        (u32::MAX, u32::MAX, u32::MAX, 16),
        (4000, 4000, u32::MAX, 16),
    ] {
        let e = decode_enrol_qr(w, h, stride, vec![0u8; len].into()).expect_err("bad sizes");
        assert!(matches!(e, FarmLiveError::BadInput { .. }), "{e:?}");
        assert_eq!(e.message_code(), "qr_bad_frame", "{e}");
        assert!(
            e.localized_reason("zh_CN.UTF-8".into())
                .starts_with("摄像头画面无法使用")
        );
    }
    let e = decode_enrol_qr_photo(b"not a photo".to_vec().into()).expect_err("no photo");
    assert_eq!(e.message_code(), "photo_not_a_photo", "{e}");
    let e = parse_enrol_link("https://example.com".into()).expect_err("not a link");
    assert_eq!(e.message_code(), "qr_not_enrol_link");
}

#[test]
fn core_errors_have_a_code_and_chinese_text() {
    let e = parse_money("abc".into(), "CNY".into()).expect_err("not a price");
    assert_eq!(e.message_code(), "price_not_a_number");
    assert_eq!(
        e.localized_reason("zh-CN".into()),
        "价格必须是数字，例如 12.50"
    );
    assert_eq!(e.localized_reason("en-US".into()), e.reason());

    let (_dir, fl) = open();
    let e = block_on(fl.sync(None)).expect_err("not enrolled");
    assert!(matches!(e, FarmLiveError::NotEnrolled { .. }), "{e:?}");
    assert_eq!(e.message_code(), "not_enrolled");
    assert_eq!(
        e.localized_reason("zh".into()),
        "本设备尚未连接服务中心；请用管理员给的注册码注册"
    );
}
