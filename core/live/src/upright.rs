//! Upright pictures from phone cameras: the rotation a shell passes with each
//! frame, worked out from the camera and the screen, and the whole way from a
//! sensor's frame to the stream's picture (rotate, then fit without stretching).
//!
//! A phone's camera sensor is mounted at a fixed angle to the phone (Android's
//! `SENSOR_ORIENTATION`, usually 90° for the back camera, 270° for the
//! front; iPhones behave like 90° for the back camera). The frames come out
//! in the sensor's orientation however the phone is held, so the rotation
//! that makes a frame upright depends on both the sensor and how the phone is
//! turned right now. The shells pass that rotation with every frame; the
//! core rotates, then fits the picture into the stream's size with
//! [`Fit`](crate::fit::Fit).

use crate::error::LiveError;
use crate::fit::Fit;
use crate::frame::{I420Frame, Rotation};

impl Rotation {
    /// The rotation of `degrees` clockwise: 0, 90, 180 or 270; `None` for
    /// any other angle.
    pub fn from_degrees(degrees: u32) -> Option<Rotation> {
        if degrees < 360 {
            Rotation::turn(degrees.into())
        } else {
            None
        }
    }

    /// A turn of any multiple of 90° (negative: anticlockwise).
    fn turn(degrees: i64) -> Option<Rotation> {
        match degrees.rem_euclid(360) {
            0 => Some(Rotation::None),
            90 => Some(Rotation::Cw90),
            180 => Some(Rotation::Cw180),
            270 => Some(Rotation::Cw270),
            _ => None,
        }
    }

    /// The angle clockwise, in degrees (0, 90, 180 or 270).
    pub fn degrees(self) -> u32 {
        match self {
            Rotation::None => 0,
            Rotation::Cw90 => 90,
            Rotation::Cw180 => 180,
            Rotation::Cw270 => 270,
        }
    }

    /// The rotation that makes a camera's frame upright on the screen as the
    /// phone is held now.
    ///
    /// - `sensor_degrees`: the sensor's clockwise angle to the phone's natural
    ///   (portrait) orientation: Android's `SENSOR_ORIENTATION`; 90 for an
    ///   iPhone's back camera.
    /// - `display_degrees`: how far the screen is turned from its natural
    ///   orientation: Android's `Display.getRotation()` as degrees
    ///   (`ROTATION_90` → 90); on iOS portrait 0, `landscapeLeft` (home
    ///   button or bottom edge on the right) 90, `portraitUpsideDown` 180,
    ///   `landscapeRight` 270.
    /// - `front_facing`: the selfie camera, which faces the other way, so a
    ///   turn of the phone turns its picture the other way too.
    ///
    /// The same rule as CameraX's `ImageInfo.rotationDegrees`. `None` when
    /// an angle is not a multiple of 90°.
    pub fn for_camera(
        sensor_degrees: u32,
        display_degrees: u32,
        front_facing: bool,
    ) -> Option<Rotation> {
        let (sensor, display) = (
            Rotation::from_degrees(sensor_degrees)?,
            Rotation::from_degrees(display_degrees)?,
        );
        let (sensor, display) = (i64::from(sensor.degrees()), i64::from(display.degrees()));
        Rotation::turn(if front_facing {
            sensor + display
        } else {
            sensor - display
        })
    }
}

/// A camera's frame as the stream shows it: turned upright by `rotation`,
/// then fitted into `width`×`height` as `fit` says, never stretched.
pub fn upright(
    frame: I420Frame,
    rotation: Rotation,
    width: u32,
    height: u32,
    fit: Fit,
) -> Result<I420Frame, LiveError> {
    let turned = if rotation == Rotation::None {
        frame
    } else {
        frame.rotate(rotation)
    };
    turned.fit(width, height, fit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Rotation; 4] = [
        Rotation::None,
        Rotation::Cw90,
        Rotation::Cw180,
        Rotation::Cw270,
    ];

    /// The rotation that undoes `r`: what a sensor delivers of an upright picture.
    fn undo(r: Rotation) -> Rotation {
        Rotation::turn(-i64::from(r.degrees())).unwrap()
    }

    /// A `w`×`h` frame in four flat quadrants (luma 40, 90, 150, 210 from the
    /// top left, clockwise; chroma 100, 120, 140, 160 likewise), with a white
    /// 2×2 marker in the top-left corner.
    fn quadrants(w: u32, h: u32) -> I420Frame {
        let mut f = I420Frame::black(w, h).unwrap();
        let (w, h) = (w as usize, h as usize);
        let quadrant = |x: usize, y: usize, w: usize, h: usize| match (x < w / 2, y < h / 2) {
            (true, true) => 0,
            (false, true) => 1,
            (false, false) => 2,
            (true, false) => 3,
        };
        let (y, u, v) = f.planes_mut();
        for row in 0..h {
            for col in 0..w {
                y[row * w + col] = [40, 90, 150, 210][quadrant(col, row, w, h)];
            }
        }
        for row in 0..h / 2 {
            for col in 0..w / 2 {
                let q = quadrant(col, row, w / 2, h / 2);
                u[row * w / 2 + col] = [100, 120, 140, 160][q];
                v[row * w / 2 + col] = [160, 140, 120, 100][q];
            }
        }
        for (row, col) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            y[row * w + col] = 235;
        }
        f
    }

    fn luma(f: &I420Frame, x: u32, y: u32) -> u8 {
        f.planes().0[(y * f.width() + x) as usize]
    }

    #[test]
    fn each_rotation_moves_the_corner_marker_clockwise() {
        let f = quadrants(8, 4);
        // Where the top-left marker lands, by rotation, in the turned frame.
        for (r, (w, h), (x, y)) in [
            (Rotation::None, (8, 4), (0, 0)),
            (Rotation::Cw90, (4, 8), (3, 0)),
            (Rotation::Cw180, (8, 4), (7, 3)),
            (Rotation::Cw270, (4, 8), (0, 7)),
        ] {
            let t = upright(f.clone(), r, w, h, Fit::Letterbox).unwrap();
            assert_eq!((t.width(), t.height()), (w, h), "{r:?}");
            assert_eq!(luma(&t, x, y), 235, "{r:?}");
            let markers = t.planes().0.iter().filter(|&&p| p == 235).count();
            assert_eq!(markers, 4, "{r:?}");
            // The top-left quadrant (luma 40) turns with the marker: after
            // 90° clockwise it is the top-right quadrant.
            let (qx, qy) = match r {
                Rotation::None => (2, 1),
                Rotation::Cw90 => (2, 2),
                Rotation::Cw180 => (5, 2),
                Rotation::Cw270 => (1, 5),
            };
            assert_eq!(luma(&t, qx, qy), 40, "{r:?}");
        }
    }

    #[test]
    fn a_sensor_frame_pushed_with_its_rotation_comes_out_as_the_upright_picture() {
        for upright_picture in [quadrants(8, 4), quadrants(4, 8), quadrants(6, 6)] {
            for r in ALL {
                let sensor = upright_picture.rotate(undo(r));
                let (w, h) = (upright_picture.width(), upright_picture.height());
                let got = upright(sensor, r, w, h, Fit::Letterbox).unwrap();
                assert_eq!(got, upright_picture, "{r:?}");
            }
        }
    }

    #[test]
    fn a_portrait_picture_in_a_landscape_stream_is_pillarboxed_not_stretched() {
        // 4x8 upright, from a landscape sensor frame turned 90°, into 16x8:
        // the picture keeps 4x8, centred at x = 6, black on both sides.
        let picture = quadrants(4, 8);
        let sensor = picture.rotate(Rotation::Cw270);
        assert_eq!((sensor.width(), sensor.height()), (8, 4));
        let out = upright(sensor, Rotation::Cw90, 16, 8, Fit::Letterbox).unwrap();
        let (y, u, _) = out.planes();
        for row in 0..8u32 {
            for col in 0..16u32 {
                let want = if (6..10).contains(&col) {
                    luma(&picture, col - 6, row)
                } else {
                    16
                };
                assert_eq!(y[(row * 16 + col) as usize], want, "({col}, {row})");
            }
        }
        // The bars are black in chroma too (128), the picture is not.
        assert_eq!(u[0], 128);
        assert_eq!(u[7], 128);
        assert_eq!(u[3], 100);
    }

    #[test]
    fn a_scaled_picture_keeps_its_quadrants_and_aspect() {
        // 8x16 portrait into a 32x16 stream: scaled 1:1 in height → 8x16 at
        // x = 12; into 64x32 → 16x32 at x = 24, each quadrant 8x16.
        let picture = quadrants(8, 16);
        let out = picture.clone().fit(64, 32, Fit::Letterbox).unwrap();
        for (x, y, want) in [
            (4, 4, 16),   // left bar
            (60, 28, 16), // right bar
            (28, 8, 40),  // top-left quadrant
            (36, 8, 90),  // top-right
            (36, 24, 150),
            (28, 24, 210),
            (24, 0, 235), // the marker, in the picture's top-left corner
        ] {
            assert_eq!(luma(&out, x, y), want, "({x}, {y})");
        }
        // Cropped instead: the full width, the middle rows (the marker is cut off).
        let cropped = picture.fit(64, 32, Fit::Crop).unwrap();
        assert_eq!(luma(&cropped, 10, 4), 40);
        assert_eq!(luma(&cropped, 50, 4), 90);
        assert_eq!(luma(&cropped, 50, 28), 150);
        assert_eq!(luma(&cropped, 10, 28), 210);
        assert!(!cropped.planes().0.contains(&16), "no bars when cropping");
    }

    #[test]
    fn the_camera_rotation_follows_the_sensor_and_the_screen() {
        // A back camera at 90°: portrait needs a quarter turn; the phone
        // turned anticlockwise into landscape (display 90) needs none.
        for (display, want) in [(0, 90), (90, 0), (180, 270), (270, 180)] {
            let r = Rotation::for_camera(90, display, false).unwrap();
            assert_eq!(r.degrees(), want, "back camera, display {display}");
        }
        // A front camera at 270° turns the other way with the screen.
        for (display, want) in [(0, 270), (90, 0), (180, 90), (270, 180)] {
            let r = Rotation::for_camera(270, display, true).unwrap();
            assert_eq!(r.degrees(), want, "front camera, display {display}");
        }
        assert_eq!(Rotation::for_camera(45, 0, false), None);
        assert_eq!(Rotation::for_camera(90, 100, false), None);
        assert_eq!(Rotation::for_camera(90, 360, false), None);
        assert_eq!(Rotation::from_degrees(450), None);
        assert_eq!(Rotation::from_degrees(u32::MAX), None);
        for r in ALL {
            assert_eq!(Rotation::from_degrees(r.degrees()), Some(r));
        }
    }
}
