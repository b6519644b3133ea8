//! The desktop camera through nokhwa (feature `camera`). Phones have no nokhwa
//! backend: there the shell captures and pushes frames instead.
//!
//! nokhwa's camera is not `Send`, so it lives on its own thread and hands frames
//! to the pipeline through a [`crate::video::pushed_source`].

use crate::error::LiveError;
use crate::frame::{PixelFormat, Rotation};
use crate::video::{PushedSource, pushed_source};
use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};
use std::sync::mpsc;
use std::time::Instant;

/// Names of the cameras this machine has.
pub fn list_cameras() -> Result<Vec<String>, LiveError> {
    nokhwa::query(ApiBackend::Auto)
        .map(|cams| {
            cams.iter()
                .map(|c| format!("{}: {}", c.index(), c.human_name()))
                .collect()
        })
        .map_err(|e| LiveError::Camera(format!("cannot list cameras: {e}")))
}

/// Opens camera `index` near `width`×`height` at `fps` and starts capturing.
/// With no camera, the error says what was found.
pub fn open_camera(
    index: u32,
    width: u32,
    height: u32,
    fps: u32,
) -> Result<PushedSource, LiveError> {
    let (source, pusher) = pushed_source();
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), LiveError>>();
    std::thread::Builder::new()
        .name("farmlive-camera".into())
        .spawn(move || {
            let want = CameraFormat::new(Resolution::new(width, height), FrameFormat::YUYV, fps);
            let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(want));
            let opened = Camera::new(CameraIndex::Index(index), format).and_then(|mut c| c.open_stream().map(|_| c));
            let mut camera = match opened {
                Ok(c) => c,
                Err(e) => {
                    let found = match list_cameras() {
                        Ok(list) if list.is_empty() => "no camera was found on this machine".to_string(),
                        Ok(list) => format!("cameras found: {}", list.join("; ")),
                        Err(e) => e.to_string(),
                    };
                    let _ = ready_tx.send(Err(LiveError::Camera(format!("camera {index} could not be opened ({e}); {found}"))));
                    return;
                }
            };
            let _ = ready_tx.send(Ok(()));
            let start = Instant::now();
            loop {
                let buffer = match camera.frame() {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::warn!("camera stopped: {e}");
                        return;
                    }
                };
                let res = buffer.resolution();
                let (w, h) = (res.width() & !1, res.height() & !1);
                let ts = start.elapsed().as_micros() as u64;
                let pushed = match buffer.source_frame_format() {
                    FrameFormat::YUYV => pusher.push(buffer.buffer(), w, h, PixelFormat::Yuyv, Rotation::None, ts),
                    FrameFormat::NV12 => pusher.push(buffer.buffer(), w, h, PixelFormat::Nv12, Rotation::None, ts),
                    FrameFormat::RAWRGB => {
                        let bgra: Vec<u8> = buffer.buffer().chunks_exact(3).flat_map(|p| [p[2], p[1], p[0], 255]).collect();
                        pusher.push(&bgra, w, h, PixelFormat::Bgra, Rotation::None, ts)
                    }
                    FrameFormat::GRAY => {
                        let mut i420 = buffer.buffer().to_vec();
                        i420.resize((w * h) as usize * 3 / 2, 128);
                        pusher.push(&i420, w, h, PixelFormat::I420, Rotation::None, ts)
                    }
                    other => {
                        tracing::warn!("camera delivers {other:?}, which is not supported (YUYV, NV12, RGB, grey are)");
                        return;
                    }
                };
                if pushed.is_err() {
                    return;
                }
            }
        })
        .map_err(|e| LiveError::io("cannot start the camera thread", e))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(source),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(LiveError::Camera(
            "the camera thread ended before opening the camera".into(),
        )),
    }
}
