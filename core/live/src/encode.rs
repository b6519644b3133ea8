//! Encoders behind traits, so that a phone shell can plug in a hardware encoder
//! (MediaCodec, VideoToolbox) later: openh264 for H.264 and fdk-aac for AAC in
//! software here.

use crate::audio::{CHANNELS, SAMPLE_RATE};
use crate::error::LiveError;
use crate::frame::I420Frame;

/// One encoded picture: H.264 NAL units without start codes.
#[derive(Debug, Clone)]
pub struct EncodedVideo {
    /// NAL units in decoding order (SPS and PPS included in front of an IDR).
    pub nals: Vec<Vec<u8>>,
    /// True for an IDR picture.
    pub keyframe: bool,
}

/// An H.264 encoder.
pub trait VideoEncoder: Send {
    /// Encodes one picture. `None` when the encoder produced nothing for it.
    fn encode(&mut self, frame: &I420Frame) -> Result<Option<EncodedVideo>, LiveError>;
    /// Changes the target bitrate (bits per second) of the running encoder.
    fn set_bitrate(&mut self, bps: u32) -> Result<(), LiveError>;
    /// Makes the next picture an IDR.
    fn request_keyframe(&mut self);
}

/// An AAC-LC encoder taking 16-bit stereo at [`SAMPLE_RATE`].
pub trait AudioEncoder: Send {
    /// The AudioSpecificConfig (the AAC sequence header's payload).
    fn audio_specific_config(&self) -> Vec<u8>;
    /// Samples per channel in one AAC frame (1024 for AAC-LC).
    fn frame_samples(&self) -> usize;
    /// Encodes exactly one frame of interleaved samples. The first calls may
    /// return `None` (the encoder's delay).
    fn encode(&mut self, pcm: &[i16]) -> Result<Option<Vec<u8>>, LiveError>;
}

/// H.264 in software with Cisco's openh264.
pub struct OpenH264Encoder {
    inner: openh264::encoder::Encoder,
    width: u32,
    height: u32,
    bps: u32,
}

impl std::fmt::Debug for OpenH264Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpenH264Encoder({}x{})", self.width, self.height)
    }
}

impl OpenH264Encoder {
    /// An encoder for pictures of `width`×`height` at `fps`, starting at `bps`,
    /// with an IDR every `gop_frames` pictures.
    pub fn new(
        width: u32,
        height: u32,
        fps: u32,
        bps: u32,
        gop_frames: u32,
    ) -> Result<OpenH264Encoder, LiveError> {
        use openh264::encoder::{
            BitRate, Complexity, EncoderConfig, FrameRate, IntraFramePeriod, RateControlMode,
            UsageType,
        };
        let config = EncoderConfig::new()
            .bitrate(BitRate::from_bps(bps))
            .max_frame_rate(FrameRate::from_hz(fps as f32))
            .rate_control_mode(RateControlMode::Bitrate)
            .usage_type(UsageType::CameraVideoRealTime)
            .complexity(Complexity::Low)
            .skip_frames(false)
            .background_detection(false)
            .intra_frame_period(IntraFramePeriod::from_num_frames(gop_frames.max(1)))
            .num_threads(1);
        let inner = openh264::encoder::Encoder::with_api_config(
            openh264::OpenH264API::from_source(),
            config,
        )
        .map_err(|e| LiveError::Encoder(format!("openh264 could not start: {e}")))?;
        let mut encoder = OpenH264Encoder {
            inner,
            width,
            height,
            bps,
        };
        encoder.route_log();
        Ok(encoder)
    }
}

/// OpenH264's own log lines (it prints warnings such as "bEnableFrameSkip
/// = 0" to stderr by default) go to our log at debug level instead.
#[allow(unsafe_code)]
unsafe extern "C" fn openh264_log(
    _ctx: *mut std::ffi::c_void,
    level: std::ffi::c_int,
    text: *const std::ffi::c_char,
) {
    if text.is_null() {
        return;
    }
    // SAFETY: OpenH264 passes a NUL-terminated string that lives for the call.
    let text = unsafe { std::ffi::CStr::from_ptr(text) };
    // A panic must not unwind into C; logging has nothing to recover.
    let _ = std::panic::catch_unwind(|| {
        tracing::debug!(target: "farmlive::live::openh264", level, "{}", text.to_string_lossy().trim_end());
    });
}

impl VideoEncoder for OpenH264Encoder {
    fn encode(&mut self, frame: &I420Frame) -> Result<Option<EncodedVideo>, LiveError> {
        if frame.width() != self.width || frame.height() != self.height {
            return Err(LiveError::Encoder(format!(
                "a {}x{} picture was given to a {}x{} encoder",
                frame.width(),
                frame.height(),
                self.width,
                self.height
            )));
        }
        let (y, u, v) = frame.planes();
        let (w, h) = (self.width as usize, self.height as usize);
        let src = openh264::formats::YUVSlices::new((y, u, v), (w, h), (w, w / 2, w / 2));
        let bits = self
            .inner
            .encode(&src)
            .map_err(|e| LiveError::Encoder(format!("openh264 failed on a picture: {e}")))?;
        use openh264::encoder::FrameType;
        let keyframe = match bits.frame_type() {
            FrameType::IDR | FrameType::I => true,
            FrameType::P | FrameType::IPMixed => false,
            FrameType::Skip | FrameType::Invalid => return Ok(None),
        };
        let mut nals = Vec::new();
        for l in 0..bits.num_layers() {
            let Some(layer) = bits.layer(l) else { continue };
            for n in 0..layer.nal_count() {
                if let Some(nal) = layer.nal_unit(n) {
                    let body = strip_start_code(nal);
                    if !body.is_empty() {
                        nals.push(body.to_vec());
                    }
                }
            }
        }
        if nals.is_empty() {
            return Ok(None);
        }
        let keyframe = keyframe && nals.iter().any(|n| n[0] & 0x1f == 5);
        Ok(Some(EncodedVideo { nals, keyframe }))
    }

    fn set_bitrate(&mut self, bps: u32) -> Result<(), LiveError> {
        use openh264_sys2::{
            ENCODER_OPTION_BITRATE, ENCODER_OPTION_MAX_BITRATE, SPATIAL_LAYER_0, SPATIAL_LAYER_ALL,
        };
        // openh264 checks the target against the layer's maximum.
        // Going up, the maximum (the peak the rate control allows) moves first;
        // going down, the target does, so that target ≤ maximum at every step.
        let peak = bps.saturating_mul(3) / 2;
        if bps >= self.bps {
            self.set_option(ENCODER_OPTION_MAX_BITRATE, SPATIAL_LAYER_0, peak)?;
            self.set_option(ENCODER_OPTION_BITRATE, SPATIAL_LAYER_ALL, bps)?;
        } else {
            self.set_option(ENCODER_OPTION_BITRATE, SPATIAL_LAYER_ALL, bps)?;
            self.set_option(ENCODER_OPTION_MAX_BITRATE, SPATIAL_LAYER_0, peak)?;
        }
        self.bps = bps;
        Ok(())
    }

    fn request_keyframe(&mut self) {
        self.inner.force_intra_frame();
    }
}

impl OpenH264Encoder {
    /// Installs [`openh264_log`] before the encoder's first (lazy)
    /// initialisation, where its parameter warnings are printed. OpenH264
    /// takes trace options before initialisation (welsEncoderExt.cpp).
    #[allow(unsafe_code)]
    fn route_log(&mut self) {
        let callback: openh264_sys2::WelsTraceCallback = Some(openh264_log);
        // SAFETY: SetOption(TRACE_CALLBACK) copies the function pointer that
        // `callback` holds during the call; the function lives forever.
        let rc = unsafe {
            self.inner.raw_api().set_option(
                openh264_sys2::ENCODER_OPTION_TRACE_CALLBACK,
                (&callback as *const openh264_sys2::WelsTraceCallback)
                    .cast_mut()
                    .cast(),
            )
        };
        if rc != 0 {
            tracing::debug!(target: "farmlive::live", "openh264 kept its own log (code {rc})");
        }
    }

    #[allow(unsafe_code)]
    fn set_option(
        &mut self,
        option: openh264_sys2::ENCODER_OPTION,
        layer: i32,
        bps: u32,
    ) -> Result<(), LiveError> {
        let mut info = openh264_sys2::SBitrateInfo {
            iLayer: layer,
            iBitrate: bps.min(i32::MAX as u32) as i32,
        };
        // SAFETY: the encoder was initialised by `with_api_config`; the bitrate
        // options read one SBitrateInfo through the pointer during the call only,
        // and `info` outlives the call. They change rate-control targets, nothing
        // the wrapper relies on.
        let rc = unsafe {
            self.inner.raw_api().set_option(
                option,
                (&mut info as *mut openh264_sys2::SBitrateInfo).cast(),
            )
        };
        if rc != 0 {
            return Err(LiveError::Encoder(format!(
                "openh264 refused a bitrate of {bps} bit/s (code {rc})"
            )));
        }
        Ok(())
    }
}

fn strip_start_code(nal: &[u8]) -> &[u8] {
    if nal.starts_with(&[0, 0, 0, 1]) {
        &nal[4..]
    } else if nal.starts_with(&[0, 0, 1]) {
        &nal[3..]
    } else {
        nal
    }
}

/// AAC-LC in software with Fraunhofer's fdk-aac.
pub struct FdkAacEncoder {
    inner: fdk_aac::enc::Encoder,
    asc: Vec<u8>,
    out: Vec<u8>,
}

impl std::fmt::Debug for FdkAacEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FdkAacEncoder")
    }
}

impl FdkAacEncoder {
    /// A stereo encoder at [`SAMPLE_RATE`] and `bps` (constant bitrate).
    pub fn new(bps: u32) -> Result<FdkAacEncoder, LiveError> {
        use fdk_aac::enc::{
            AudioObjectType, BitRate, ChannelMode, Encoder, EncoderParams, Transport,
        };
        let inner = Encoder::new(EncoderParams {
            bit_rate: BitRate::Cbr(bps),
            sample_rate: SAMPLE_RATE,
            transport: Transport::Raw,
            channels: ChannelMode::Stereo,
            audio_object_type: AudioObjectType::Mpeg4LowComplexity,
        })
        .map_err(|e| LiveError::Encoder(format!("fdk-aac could not start: {e:?}")))?;
        let info = inner
            .info()
            .map_err(|e| LiveError::Encoder(format!("fdk-aac gave no configuration: {e:?}")))?;
        let size = (info.confSize as usize).min(info.confBuf.len());
        let asc = info.confBuf[..size].to_vec();
        let out = vec![0u8; (info.maxOutBufBytes as usize).max(8192)];
        Ok(FdkAacEncoder { inner, asc, out })
    }
}

impl AudioEncoder for FdkAacEncoder {
    fn audio_specific_config(&self) -> Vec<u8> {
        self.asc.clone()
    }

    fn frame_samples(&self) -> usize {
        1024
    }

    fn encode(&mut self, pcm: &[i16]) -> Result<Option<Vec<u8>>, LiveError> {
        if pcm.len() != 1024 * CHANNELS {
            return Err(LiveError::Encoder(format!(
                "an AAC frame needs 2048 samples, got {}",
                pcm.len()
            )));
        }
        let info = self
            .inner
            .encode(pcm, &mut self.out)
            .map_err(|e| LiveError::Encoder(format!("fdk-aac failed: {e:?}")))?;
        if info.output_size == 0 {
            return Ok(None);
        }
        Ok(Some(self.out[..info.output_size].to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::TestPattern;

    #[test]
    fn openh264_gives_idr_with_parameter_sets_and_obeys_bitrate_changes() {
        let mut pattern = TestPattern::new(320, 240, 30).unwrap();
        let mut enc = OpenH264Encoder::new(320, 240, 30, 1_500_000, 60).unwrap();
        let first = enc.encode(&pattern.render(0)).unwrap().unwrap();
        assert!(first.keyframe);
        let types: Vec<u8> = first.nals.iter().map(|n| n[0] & 0x1f).collect();
        assert!(
            types.contains(&7) && types.contains(&8) && types.contains(&5),
            "{types:?}"
        );
        let mut bytes_at = |enc: &mut OpenH264Encoder, from: u64| -> usize {
            (from..from + 30)
                .map(|n| {
                    enc.encode(&pattern.render(n))
                        .unwrap()
                        .map_or(0, |e| e.nals.iter().map(Vec::len).sum())
                })
                .sum()
        };
        let high = bytes_at(&mut enc, 1);
        // up and down from the start value are both accepted
        enc.set_bitrate(2_500_000).unwrap();
        enc.set_bitrate(150_000).unwrap();
        bytes_at(&mut enc, 31);
        let low = bytes_at(&mut enc, 61);
        assert!(low * 2 < high, "high {high} low {low}");
        enc.request_keyframe();
        assert!(enc.encode(&pattern.render(99)).unwrap().unwrap().keyframe);
    }

    #[test]
    fn fdk_aac_has_a_config_and_a_one_frame_delay() {
        let mut enc = FdkAacEncoder::new(128_000).unwrap();
        let asc = enc.audio_specific_config();
        // AAC-LC (2), 44.1 kHz (index 4), 2 channels
        assert_eq!(asc, vec![0x12, 0x10]);
        let pcm = vec![0i16; 2048];
        let mut got = 0;
        for _ in 0..5 {
            got += enc.encode(&pcm).unwrap().is_some() as usize;
        }
        assert!((3..=5).contains(&got));
        assert!(enc.encode(&pcm[..10]).is_err());
    }
}
