//! A small MPEG-TS muxer (ISO 13818-1) for HLS segments: one program, an
//! H.264 stream (which carries the PCR) and optionally an AAC (ADTS)
//! stream; PAT and PMT on demand, each frame one PES packet, 188-byte
//! packets padded with adaptation-field stuffing.
//!
//! Written by hand: no maintained Rust crate muxes TS without pulling in
//! a framework (gstreamer, ffmpeg bindings), and HLS needs only this much.
//! Timestamps are 90 kHz ticks, wrapped to 33 bits here.

/// Bytes of a TS packet.
pub const PACKET_BYTES: usize = 188;
/// The PID of the program map table.
pub const PMT_PID: u16 = 0x1000;
/// The PID of the H.264 stream (also the PCR's).
pub const VIDEO_PID: u16 = 0x100;
/// The PID of the AAC stream.
pub const AUDIO_PID: u16 = 0x101;
/// Ticks per second of PTS, DTS and the PCR base.
pub const CLOCK_HZ: u64 = 90_000;
/// How far the PCR (the decoder's clock as each packet arrives) runs
/// behind the DTS of the picture it arrives with, ticks: 0.7 s of room to
/// buffer, as nginx-rtmp's HLS gives. Start timestamps at least this high.
pub const PCR_LEAD: u64 = 63_000;

const PAT_PID: u16 = 0;
const SYNC: u8 = 0x47;
const STREAM_TYPE_H264: u8 = 0x1B;
const STREAM_TYPE_ADTS: u8 = 0x0F;
const STREAM_ID_VIDEO: u8 = 0xE0;
const STREAM_ID_AUDIO: u8 = 0xC0;
const TIMESTAMP_MASK: u64 = (1 << 33) - 1;

/// Writes TS packets; keeps the continuity counter of each PID.
#[derive(Debug, Clone)]
pub struct TsMuxer {
    audio: bool,
    pmt_version: u8,
    cc_pat: u8,
    cc_pmt: u8,
    cc_video: u8,
    cc_audio: u8,
}

impl TsMuxer {
    /// A muxer for H.264 video and, if `audio`, AAC.
    pub fn new(audio: bool) -> TsMuxer {
        TsMuxer {
            audio,
            pmt_version: 0,
            cc_pat: 0,
            cc_pmt: 0,
            cc_video: 0,
            cc_audio: 0,
        }
    }

    /// True if the program has an audio stream.
    pub fn has_audio(&self) -> bool {
        self.audio
    }

    /// Adds the audio stream to the program; the next [`Self::write_tables`]
    /// announces it with a new PMT version.
    pub fn add_audio(&mut self) {
        if !self.audio {
            self.audio = true;
            self.pmt_version = (self.pmt_version + 1) & 0x1f;
        }
    }

    /// Writes the PAT and the PMT (two packets).
    pub fn write_tables(&mut self, out: &mut Vec<u8>) {
        // PAT: program 1 is at PMT_PID.
        let mut pat = vec![0x00, 0xB0, 0, 0x00, 0x01, 0xC1, 0, 0];
        pat.extend_from_slice(&[0x00, 0x01]);
        pat.extend_from_slice(&(0xE000 | PMT_PID).to_be_bytes());
        write_section(PAT_PID, &mut self.cc_pat, pat, out);

        let mut pmt = vec![
            0x02,
            0xB0,
            0,
            0x00,
            0x01,
            0xC1 | self.pmt_version << 1,
            0,
            0,
        ];
        pmt.extend_from_slice(&(0xE000 | VIDEO_PID).to_be_bytes());
        pmt.extend_from_slice(&[0xF0, 0x00]); // no program descriptors
        let mut stream = |kind: u8, pid: u16| {
            pmt.push(kind);
            pmt.extend_from_slice(&(0xE000 | pid).to_be_bytes());
            pmt.extend_from_slice(&[0xF0, 0x00]);
        };
        stream(STREAM_TYPE_H264, VIDEO_PID);
        if self.audio {
            stream(STREAM_TYPE_ADTS, AUDIO_PID);
        }
        write_section(PMT_PID, &mut self.cc_pmt, pmt, out);
    }

    /// Writes one H.264 access unit (Annex B) as a PES packet, with the PCR
    /// (`dts` less [`PCR_LEAD`]) in its first packet and, for a `keyframe`,
    /// the random access indicator.
    pub fn write_video(
        &mut self,
        pts: u64,
        dts: u64,
        keyframe: bool,
        annex_b: &[u8],
        out: &mut Vec<u8>,
    ) {
        let mut pes = pes_header(STREAM_ID_VIDEO, pts, dts, annex_b.len(), false);
        pes.extend_from_slice(annex_b);
        let first = FirstPacket {
            pcr: Some(dts.wrapping_sub(PCR_LEAD) & TIMESTAMP_MASK),
            random_access: keyframe,
        };
        write_pes(VIDEO_PID, &mut self.cc_video, &pes, first, out);
    }

    /// Writes ADTS frames (one or more) as a PES packet. Ignored if the
    /// program has no audio stream.
    pub fn write_audio(&mut self, pts: u64, adts: &[u8], out: &mut Vec<u8>) {
        if !self.audio {
            return;
        }
        let mut pes = pes_header(STREAM_ID_AUDIO, pts, pts, adts.len(), true);
        pes.extend_from_slice(adts);
        let first = FirstPacket {
            pcr: None,
            random_access: true,
        };
        write_pes(AUDIO_PID, &mut self.cc_audio, &pes, first, out);
    }
}

/// What the first packet of a PES packet announces.
struct FirstPacket {
    pcr: Option<u64>,
    random_access: bool,
}

/// The PES header: start code, stream id, length, flags, PTS (and DTS
/// when it differs). Video may leave the length 0 (unbounded).
fn pes_header(stream_id: u8, pts: u64, dts: u64, payload: usize, bounded: bool) -> Vec<u8> {
    let with_dts = pts != dts;
    let header_data = if with_dts { 10 } else { 5 };
    let length = 3 + header_data + payload;
    let length = if bounded && length <= usize::from(u16::MAX) {
        length as u16
    } else {
        0
    };
    let mut h = Vec::with_capacity(9 + header_data);
    h.extend_from_slice(&[0, 0, 1, stream_id]);
    h.extend_from_slice(&length.to_be_bytes());
    // '10', not scrambled, data aligned; PTS (and DTS) present.
    h.push(0x84);
    h.push(if with_dts { 0xC0 } else { 0x80 });
    h.push(header_data as u8);
    if with_dts {
        h.extend_from_slice(&timestamp(0x3, pts));
        h.extend_from_slice(&timestamp(0x1, dts));
    } else {
        h.extend_from_slice(&timestamp(0x2, pts));
    }
    h
}

/// A 33-bit PTS or DTS in its 5-byte form, behind a 4-bit `prefix`.
pub fn timestamp(prefix: u8, ticks: u64) -> [u8; 5] {
    let t = ticks & TIMESTAMP_MASK;
    [
        prefix << 4 | ((t >> 29) as u8 & 0x0E) | 1,
        (t >> 22) as u8,
        ((t >> 14) as u8 & 0xFE) | 1,
        (t >> 7) as u8,
        ((t << 1) as u8 & 0xFE) | 1,
    ]
}

/// Reads back a 5-byte PTS or DTS (for tests and tools).
pub fn read_timestamp(b: &[u8; 5]) -> u64 {
    (u64::from(b[0] & 0x0E) << 29)
        | (u64::from(b[1]) << 22)
        | (u64::from(b[2] & 0xFE) << 14)
        | (u64::from(b[3]) << 7)
        | (u64::from(b[4]) >> 1)
}

/// Splits a PES packet into TS packets on `pid`.
fn write_pes(pid: u16, cc: &mut u8, pes: &[u8], first: FirstPacket, out: &mut Vec<u8>) {
    let mut rest = pes;
    let mut start = true;
    while !rest.is_empty() {
        // The adaptation field's flags and data (without its length byte).
        let mut field = Vec::new();
        if start && (first.pcr.is_some() || first.random_access) {
            let mut flags = 0u8;
            if first.random_access {
                flags |= 0x40;
            }
            if first.pcr.is_some() {
                flags |= 0x10;
            }
            field.push(flags);
            if let Some(base) = first.pcr {
                field.extend_from_slice(&pcr(base));
            }
        }
        let room = PACKET_BYTES - 4 - if field.is_empty() { 0 } else { 1 + field.len() };
        let take = rest.len().min(room);
        // Stuff the adaptation field so that the payload ends the packet.
        let stuffing = room - take;
        let has_field = !field.is_empty() || stuffing > 0;
        if stuffing > 0 {
            let mut left = stuffing;
            if field.is_empty() {
                left -= 1; // the length byte alone is a field of length 0
                if left > 0 {
                    field.push(0x00);
                    left -= 1;
                }
            }
            field.resize(field.len() + left, 0xFF);
        }
        let packet_start = out.len();
        out.push(SYNC);
        out.push(u8::from(start) << 6 | (pid >> 8) as u8 & 0x1F);
        out.push(pid as u8);
        out.push(if has_field { 0x30 } else { 0x10 } | *cc);
        *cc = (*cc + 1) & 0x0F;
        if has_field {
            out.push(field.len() as u8);
            out.extend_from_slice(&field);
        }
        out.extend_from_slice(&rest[..take]);
        debug_assert_eq!(out.len() - packet_start, PACKET_BYTES);
        rest = &rest[take..];
        start = false;
    }
}

/// The 6-byte PCR: a 33-bit base, 6 reserved bits, a 9-bit extension (0).
fn pcr(base: u64) -> [u8; 6] {
    let b = base & TIMESTAMP_MASK;
    [
        (b >> 25) as u8,
        (b >> 17) as u8,
        (b >> 9) as u8,
        (b >> 1) as u8,
        ((b & 1) as u8) << 7 | 0x7E,
        0,
    ]
}

/// Writes a PSI section (PAT or PMT, without length and CRC filled in) as
/// one packet: pointer field, section, CRC, 0xFF padding.
fn write_section(pid: u16, cc: &mut u8, mut section: Vec<u8>, out: &mut Vec<u8>) {
    // Section length: what follows the length field, CRC included.
    let length = section.len() - 3 + 4;
    section[1] = 0xB0 | (length >> 8) as u8 & 0x0F;
    section[2] = length as u8;
    let crc = crc32_mpeg2(&section);
    section.extend_from_slice(&crc.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(&[
        SYNC,
        0x40 | (pid >> 8) as u8 & 0x1F,
        pid as u8,
        0x10 | *cc,
        0,
    ]);
    *cc = (*cc + 1) & 0x0F;
    out.extend_from_slice(&section);
    out.resize(start + PACKET_BYTES, 0xFF);
}

/// CRC-32/MPEG-2: polynomial 0x04C11DB7, not reflected, initial all ones.
pub fn crc32_mpeg2(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                crc << 1 ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packets(bytes: &[u8]) -> Vec<&[u8]> {
        assert_eq!(bytes.len() % PACKET_BYTES, 0, "whole packets");
        bytes.chunks(PACKET_BYTES).collect()
    }

    fn pid(p: &[u8]) -> u16 {
        u16::from_be_bytes([p[1] & 0x1F, p[2]])
    }

    /// The payload of a packet (after any adaptation field).
    fn payload(p: &[u8]) -> &[u8] {
        if p[3] & 0x20 != 0 {
            &p[5 + usize::from(p[4])..]
        } else {
            &p[4..]
        }
    }

    #[test]
    fn the_crc_is_mpeg2_s() {
        // The check value of CRC-32/MPEG-2.
        assert_eq!(crc32_mpeg2(b"123456789"), 0x0376_E6E7);
    }

    #[test]
    fn tables_name_the_program_and_its_streams_and_check_out() {
        let mut mux = TsMuxer::new(true);
        let mut out = Vec::new();
        mux.write_tables(&mut out);
        let ps = packets(&out);
        assert_eq!(ps.len(), 2);
        assert_eq!((pid(ps[0]), pid(ps[1])), (0, PMT_PID));
        for p in &ps {
            assert_eq!(p[0], SYNC);
            assert_ne!(p[1] & 0x40, 0, "payload unit start");
            let section = &p[5..];
            let len = usize::from(u16::from_be_bytes([section[1] & 0x0F, section[2]]));
            // The CRC over the whole section, its own CRC included, is 0.
            assert_eq!(crc32_mpeg2(&section[..3 + len]), 0);
        }
        let pmt = &ps[1][5..];
        assert_eq!(
            u16::from_be_bytes([pmt[8] & 0x1F, pmt[9]]),
            VIDEO_PID,
            "PCR PID"
        );
        assert_eq!(pmt[12], STREAM_TYPE_H264);
        assert_eq!(pmt[17], STREAM_TYPE_ADTS);
        let mut video_only = Vec::new();
        TsMuxer::new(false).write_tables(&mut video_only);
        assert_eq!(video_only[PACKET_BYTES + 5 + 2], 13 + 5, "one stream");
    }

    #[test]
    fn pes_timestamps_round_trip_and_dts_is_written_only_when_it_differs() {
        for ticks in [0, 1, 90_000, 3_600 * 90_000, TIMESTAMP_MASK] {
            assert_eq!(read_timestamp(&timestamp(2, ticks)), ticks);
        }
        assert_eq!(
            read_timestamp(&timestamp(2, TIMESTAMP_MASK + 5)),
            4,
            "wraps at 33 bits"
        );
        let mut mux = TsMuxer::new(true);
        let mut out = Vec::new();
        mux.write_video(
            90_000 + 7_200,
            90_000,
            true,
            &[0, 0, 0, 1, 9, 0xF0],
            &mut out,
        );
        let pes = payload(&out[..PACKET_BYTES]);
        assert_eq!(&pes[..4], &[0, 0, 1, STREAM_ID_VIDEO]);
        assert_eq!(pes[7], 0xC0, "PTS and DTS");
        assert_eq!(pes[9] >> 4, 3);
        assert_eq!(read_timestamp(pes[9..14].try_into().unwrap()), 97_200);
        assert_eq!(pes[14] >> 4, 1);
        assert_eq!(read_timestamp(pes[14..19].try_into().unwrap()), 90_000);
        out.clear();
        mux.write_audio(45_000, &[0xFF, 0xF1, 1, 2], &mut out);
        let pes = payload(&out);
        assert_eq!(pes[7], 0x80, "PTS only");
        assert_eq!(
            u16::from_be_bytes([pes[4], pes[5]]),
            3 + 5 + 4,
            "PES length"
        );
        assert_eq!(read_timestamp(pes[9..14].try_into().unwrap()), 45_000);
    }

    #[test]
    fn the_first_video_packet_carries_pcr_and_random_access() {
        let mut mux = TsMuxer::new(false);
        let mut out = Vec::new();
        let dts = 8_589_934_000; // near the 33-bit wrap
        mux.write_video(dts, dts, true, &vec![0xAB; 1_000], &mut out);
        let ps = packets(&out);
        let first = ps[0];
        assert_eq!(first[3] & 0x30, 0x30, "adaptation field and payload");
        assert_eq!(first[5] & 0x50, 0x50, "random access and PCR flags");
        let f = &first[6..12];
        let base = u64::from(f[0]) << 25
            | u64::from(f[1]) << 17
            | u64::from(f[2]) << 9
            | u64::from(f[3]) << 1
            | u64::from(f[4] >> 7);
        assert_eq!(base, dts - PCR_LEAD);
        for p in &ps[1..] {
            assert_eq!(p[1] & 0x40, 0, "only the first starts the unit");
        }
        // The payloads put together are the PES packet, stuffing and all removed.
        let pes: Vec<u8> = ps.iter().flat_map(|p| payload(p).to_vec()).collect();
        assert_eq!(pes.len(), 14 + 1_000);
        assert!(pes[14..].iter().all(|b| *b == 0xAB));
        let mut early = Vec::new();
        mux.write_video(1_000, 1_000, false, &[1], &mut early);
        assert_eq!(
            early[6], 0xFF,
            "the PCR wraps at 33 bits like the timestamps"
        );
    }

    #[test]
    fn continuity_counters_count_per_pid_and_wrap() {
        let mut mux = TsMuxer::new(true);
        let mut out = Vec::new();
        for i in 0..20u64 {
            mux.write_tables(&mut out);
            mux.write_video(i * 3_600, i * 3_600, i == 0, &vec![1; 400], &mut out);
            mux.write_audio(i * 1_920, &[0xFF; 300], &mut out);
        }
        let mut last: std::collections::HashMap<u16, u8> = Default::default();
        let mut counts: std::collections::HashMap<u16, usize> = Default::default();
        for p in packets(&out) {
            let cc = p[3] & 0x0F;
            if let Some(prev) = last.insert(pid(p), cc) {
                assert_eq!(cc, (prev + 1) & 0x0F, "pid {:#x}", pid(p));
            }
            *counts.entry(pid(p)).or_default() += 1;
        }
        assert_eq!(counts[&0], 20);
        assert_eq!(counts[&VIDEO_PID], 60, "400 bytes + header: 3 packets each");
        assert_eq!(counts[&AUDIO_PID], 40);
    }

    #[test]
    fn stuffing_fills_every_size_exactly() {
        // Payloads around the packet boundaries: 183 and 182 bytes of room
        // need a one- and two-byte adaptation field.
        let mut mux = TsMuxer::new(true);
        for len in 1..600 {
            let mut out = Vec::new();
            mux.write_audio(0, &vec![0x5A; len], &mut out);
            let ps = packets(&out);
            let pes: Vec<u8> = ps.iter().flat_map(|p| payload(p).to_vec()).collect();
            assert_eq!(pes.len(), 14 + len, "len {len}");
            assert!(ps.iter().all(|p| p[0] == SYNC));
        }
    }

    #[test]
    fn audio_can_join_with_a_new_pmt_version() {
        let mut mux = TsMuxer::new(false);
        let mut out = Vec::new();
        mux.write_audio(0, &[1], &mut out);
        assert!(out.is_empty(), "no audio stream yet");
        mux.add_audio();
        mux.write_tables(&mut out);
        let pmt = &out[PACKET_BYTES + 5..];
        assert_eq!(pmt[5] >> 1 & 0x1F, 1, "version 1");
        assert!(mux.has_audio());
    }
}
