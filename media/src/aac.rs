//! AAC as FLV carries it, made into what MPEG-TS carries.
//!
//! FLV holds raw AAC frames, described once by the sequence header's
//! `AudioSpecificConfig` (ISO 14496-3). MPEG-TS holds ADTS: each frame
//! behind a 7-byte header that repeats the profile, sample rate and
//! channels, so a decoder can start at any frame.

use crate::error::{MediaError, need};

/// The sound format of AAC in an FLV audio tag.
pub const FORMAT_AAC: u8 = 10;
/// PCM samples per AAC frame.
pub const SAMPLES_PER_FRAME: u32 = 1024;

/// The sample rates an index of the AudioSpecificConfig and of ADTS names.
const SAMPLE_RATES: [u32; 13] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
    7_350,
];
/// Bytes of an ADTS header without CRC.
pub const ADTS_HEADER_BYTES: usize = 7;
/// The 13-bit ADTS frame length field's largest value.
const ADTS_MAX_FRAME: usize = (1 << 13) - 1;

/// What an FLV audio tag body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioPacket<'a> {
    /// The sequence header: an AudioSpecificConfig ([`AacConfig::parse`]).
    Config(&'a [u8]),
    /// One raw AAC frame.
    Frame(&'a [u8]),
}

/// Reads an FLV audio tag body: `[format << 4 | rate, size, type flags,
/// AACPacketType, payload]`. Formats other than AAC are
/// [`MediaError::Unsupported`].
pub fn parse_audio_body(body: &[u8]) -> Result<AudioPacket<'_>, MediaError> {
    need("audio tag", body, 1)?;
    let format = body[0] >> 4;
    if format != FORMAT_AAC {
        return Err(MediaError::Unsupported(format!(
            "FLV sound format {format}"
        )));
    }
    need("AAC audio tag", body, 2)?;
    match body[1] {
        0 => Ok(AudioPacket::Config(&body[2..])),
        1 => Ok(AudioPacket::Frame(&body[2..])),
        _ => Err(MediaError::Invalid("unknown AAC packet type")),
    }
}

/// What an ADTS header repeats from the AudioSpecificConfig.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AacConfig {
    /// The audio object type ADTS can name: 1 main, 2 LC, 3 SSR, 4 LTP. For
    /// HE-AAC (5, 29) the core's type: ADTS signals SBR implicitly.
    pub object_type: u8,
    /// Index into the standard sample rates (of the core for HE-AAC).
    pub frequency_index: u8,
    /// Channel configuration, 1 to 7.
    pub channels: u8,
}

impl AacConfig {
    /// Parses an AudioSpecificConfig. Refused: object types ADTS cannot
    /// name, explicit sample rates, channel layouts given by a program
    /// config element (channel configuration 0).
    pub fn parse(asc: &[u8]) -> Result<AacConfig, MediaError> {
        need("AudioSpecificConfig", asc, 2)?;
        let mut bits = Bits { bytes: asc, at: 0 };
        let mut object_type = bits.object_type()?;
        let frequency_index = bits.frequency_index()?;
        let channels = bits.read(4)? as u8;
        if object_type == 5 || object_type == 29 {
            // SBR/PS: the extension's sample rate, then the core's object type.
            bits.frequency_index()?;
            object_type = bits.object_type()?;
        }
        if !(1..=4).contains(&object_type) {
            return Err(MediaError::Unsupported(format!(
                "AAC object type {object_type} in ADTS"
            )));
        }
        if !(1..=7).contains(&channels) {
            return Err(MediaError::Unsupported(format!(
                "AAC channel configuration {channels}"
            )));
        }
        Ok(AacConfig {
            object_type,
            frequency_index,
            channels,
        })
    }

    /// Samples per second.
    pub fn sample_rate(&self) -> u32 {
        SAMPLE_RATES[usize::from(self.frequency_index)]
    }

    /// The ADTS header (no CRC) for a raw frame of `payload_len` bytes.
    pub fn adts_header(&self, payload_len: usize) -> Result<[u8; ADTS_HEADER_BYTES], MediaError> {
        let frame = payload_len + ADTS_HEADER_BYTES;
        if frame > ADTS_MAX_FRAME {
            return Err(MediaError::Invalid("AAC frame too long for ADTS"));
        }
        let profile = self.object_type - 1;
        let len = frame as u32;
        Ok([
            0xFF,
            0xF1, // sync, MPEG-4, layer 0, no CRC
            profile << 6 | self.frequency_index << 2 | self.channels >> 2,
            (self.channels & 3) << 6 | (len >> 11) as u8,
            (len >> 3) as u8,
            ((len & 7) << 5) as u8 | 0x1F, // buffer fullness 0x7FF: variable rate
            0xFC,                          // ... and one raw data block
        ])
    }

    /// Writes one raw frame with its ADTS header to `out`.
    pub fn adts_frame(&self, raw: &[u8], out: &mut Vec<u8>) -> Result<(), MediaError> {
        if raw.is_empty() {
            return Err(MediaError::Invalid("an empty AAC frame"));
        }
        out.extend_from_slice(&self.adts_header(raw.len())?);
        out.extend_from_slice(raw);
        Ok(())
    }
}

/// A big-endian bit reader over the AudioSpecificConfig.
struct Bits<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn read(&mut self, n: usize) -> Result<u32, MediaError> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = self.bytes.get(self.at / 8).ok_or(MediaError::Truncated {
                what: "AudioSpecificConfig",
                needed: self.at / 8 + 1,
                got: self.bytes.len(),
            })?;
            v = v << 1 | u32::from(byte >> (7 - self.at % 8) & 1);
            self.at += 1;
        }
        Ok(v)
    }

    fn object_type(&mut self) -> Result<u8, MediaError> {
        match self.read(5)? as u8 {
            31 => Ok(32 + self.read(6)? as u8),
            t => Ok(t),
        }
    }

    fn frequency_index(&mut self) -> Result<u8, MediaError> {
        match self.read(4)? as u8 {
            i if usize::from(i) < SAMPLE_RATES.len() => Ok(i),
            15 => Err(MediaError::Unsupported(
                "an explicit AAC sample rate in ADTS".into(),
            )),
            _ => Err(MediaError::Invalid("reserved AAC sample rate index")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lc_stereo_44100_gives_the_adts_header_ffmpeg_writes() {
        // AAC LC, 44.1 kHz, stereo: 0x12 0x10.
        let config = AacConfig::parse(&[0x12, 0x10]).unwrap();
        assert_eq!(
            config,
            AacConfig {
                object_type: 2,
                frequency_index: 4,
                channels: 2
            }
        );
        assert_eq!(config.sample_rate(), 44_100);
        // A 371-byte frame (378 with the header), as `ffmpeg -f adts` writes it.
        assert_eq!(
            config.adts_header(371).unwrap(),
            [0xFF, 0xF1, 0x50, 0x80, 0x2F, 0x5F, 0xFC]
        );
        let mut out = Vec::new();
        config.adts_frame(&[1, 2, 3], &mut out).unwrap();
        assert_eq!(out.len(), 10);
        assert_eq!(
            u16::from_be_bytes([out[3] & 3, out[4]]) << 3 | u16::from(out[5] >> 5),
            10
        );
    }

    #[test]
    fn he_aac_is_written_as_its_core_with_implicit_sbr() {
        // HE-AAC (5), 24 kHz core (index 6), stereo, extension 48 kHz (3), core LC (2).
        // 00101 0110 0010 0011 00010 ...
        let asc = [0b0010_1011, 0b0001_0001, 0b1000_1000, 0];
        let config = AacConfig::parse(&asc).unwrap();
        assert_eq!(config.object_type, 2);
        assert_eq!(config.frequency_index, 6);
        assert_eq!(config.channels, 2);
    }

    #[test]
    fn what_adts_cannot_carry_is_refused() {
        // Explicit sample rate (index 15).
        assert!(matches!(
            AacConfig::parse(&[0x17, 0x80, 0, 0, 0, 0]),
            Err(MediaError::Unsupported(_))
        ));
        // Channel configuration 0 (a program config element).
        assert!(AacConfig::parse(&[0x12, 0x00]).is_err());
        // Object type 0 (null) and escape types.
        assert!(AacConfig::parse(&[0x02, 0x10]).is_err());
        assert!(AacConfig::parse(&[0xF8, 0x00, 0x00]).is_err());
        assert!(AacConfig::parse(&[0x12]).is_err());
        let config = AacConfig::parse(&[0x12, 0x10]).unwrap();
        assert!(config.adts_header(ADTS_MAX_FRAME).is_err());
        assert!(config.adts_frame(&[], &mut Vec::new()).is_err());
    }

    #[test]
    fn audio_bodies_say_what_they_hold() {
        assert_eq!(
            parse_audio_body(&[0xAF, 0, 0x12, 0x10]),
            Ok(AudioPacket::Config(&[0x12, 0x10]))
        );
        assert_eq!(
            parse_audio_body(&[0xAF, 1, 7]),
            Ok(AudioPacket::Frame(&[7]))
        );
        assert!(matches!(
            parse_audio_body(&[0x2F, 1, 7]),
            Err(MediaError::Unsupported(_))
        ));
        assert!(parse_audio_body(&[0xAF]).is_err());
        assert!(parse_audio_body(&[0xAF, 9]).is_err());
        assert!(parse_audio_body(&[]).is_err());
    }

    proptest! {
        #[test]
        fn hostile_audio_never_panics(body in proptest::collection::vec(any::<u8>(), 0..16),
                                      len in 0usize..10_000) {
            let _ = parse_audio_body(&body);
            if let Ok(config) = AacConfig::parse(&body) {
                prop_assert!((1..=4).contains(&config.object_type));
                let _ = config.sample_rate();
                let _ = config.adts_header(len);
            }
        }
    }
}
