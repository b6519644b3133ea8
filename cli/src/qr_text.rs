//! QR codes drawn in the terminal with Unicode half blocks (two rows of
//! modules per line), light on dark as phones read a screen best: the
//! quiet zone is drawn too, so a dark terminal background does not matter.

use crate::Failure;
use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};

/// `text` as a QR code, one string of lines ending in newlines.
pub fn render(text: &str) -> Result<String, Failure> {
    // Level M: survives a scuffed screen or print, and a link of ~100
    // bytes still fits a code small enough for an 80-column terminal.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Failure::input(format!("cannot draw the QR code: {e}")))?;
    let drawn = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    Ok(format!("{drawn}\n"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_link_fits_an_80_column_terminal_in_half_blocks() {
        let uri = farmlive_core::protocol::EnrolLink::new(
            "http://192.168.100.200:8080",
            "0123456789ABCDEF",
        )
        .to_uri();
        let drawn = super::render(&uri).expect("drawn");
        let width = drawn.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(width <= 80, "{width} columns");
        assert!(
            drawn.chars().any(|c| matches!(c, '▀' | '▄' | '█')),
            "{drawn}"
        );
        // Half blocks: about half as many lines as columns.
        assert!(drawn.lines().count() * 2 <= width + 2, "{drawn}");
    }
}
