//! A sans-I/O decoder for server-sent events (the WHATWG `text/event-stream`
//! format): feed it bytes as they arrive, in chunks of any size, and it
//! yields whole events. Lines may end in `\n`, `\r\n` or `\r`; comment lines
//! (keep-alives) are skipped; a line longer than [`LINE_MAX_BYTES`] is an
//! error, so a hostile server cannot make the device buffer without end.
//!
//! Written by hand because the format is small and the decoder must be
//! bounded and clock-free; the crates that exist wrap an HTTP client too.

/// Longest line the decoder buffers.
pub const LINE_MAX_BYTES: usize = 64 * 1024;

/// One decoded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `id:` field, if the event had one.
    pub id: Option<String>,
    /// The `event:` field; `message` if absent.
    pub event: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
}

/// The stream broke the format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// A line longer than [`LINE_MAX_BYTES`].
    #[error("the event stream sent a line longer than {LINE_MAX_BYTES} bytes")]
    LineTooLong,
    /// A line that is not UTF-8.
    #[error("the event stream sent text that is not UTF-8")]
    NotUtf8,
}

/// The decoder's state between chunks.
#[derive(Debug, Default)]
pub struct SseDecoder {
    line: Vec<u8>,
    /// The previous chunk ended in `\r`: a `\n` starting the next is part of it.
    after_cr: bool,
    started: bool,
    id: Option<String>,
    event: String,
    data: String,
    has_data: bool,
    /// The server's `retry:` advice, milliseconds.
    retry_ms: Option<u64>,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// The last `retry:` the server sent, in milliseconds.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// Decodes `chunk`, returning the events it completes. After an error
    /// the stream is unusable; drop the connection.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut out = Vec::new();
        for &b in chunk {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' => self.end_line(&mut out)?,
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(&mut out)?;
                }
                _ => {
                    if self.line.len() >= LINE_MAX_BYTES {
                        return Err(SseError::LineTooLong);
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(out)
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        let mut raw = std::mem::take(&mut self.line);
        if !self.started {
            self.started = true;
            if raw.starts_with(b"\xEF\xBB\xBF") {
                raw.drain(..3);
            }
        }
        let line = std::str::from_utf8(&raw).map_err(|_| SseError::NotUtf8)?;
        if line.is_empty() {
            self.dispatch(out);
        } else if !line.starts_with(':') {
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line, ""),
            };
            match field {
                "data" => {
                    if self.has_data {
                        self.data.push('\n');
                    }
                    self.data.push_str(value);
                    self.has_data = true;
                }
                "event" => value.clone_into(&mut self.event),
                // An id with NUL is ignored, as the standard says.
                "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
                "retry" => {
                    if let Ok(ms) = value.parse() {
                        self.retry_ms = Some(ms);
                    }
                }
                _ => {}
            }
        }
        // Reuse the line buffer's allocation.
        raw.clear();
        self.line = raw;
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        out.push(SseEvent {
            id: self.id.clone(),
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_chunks(stream: &[u8], size: usize) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        stream
            .chunks(size)
            .flat_map(|c| d.feed(c).unwrap())
            .collect()
    }

    #[test]
    fn events_are_whole_whatever_the_chunking() {
        let stream = b"\xEF\xBB\xBF: keep-alive\r\nid: 7\r\nevent: room\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\nretry: 3000\n\ndata: two\rid: 9\r\r";
        let whole = decode_in_chunks(stream, stream.len());
        assert_eq!(
            whole,
            vec![
                SseEvent {
                    id: Some("7".into()),
                    event: "room".into(),
                    data: "{\"a\":\n1}".into()
                },
                SseEvent {
                    id: Some("9".into()),
                    event: "message".into(),
                    data: "two".into()
                },
            ]
        );
        for size in 1..stream.len() {
            assert_eq!(decode_in_chunks(stream, size), whole, "chunks of {size}");
        }
    }

    #[test]
    fn the_last_id_carries_over_and_retry_is_kept() {
        let mut d = SseDecoder::new();
        let events = d
            .feed(b"id: 4\ndata: a\n\nretry: 1500\ndata: b\n\n")
            .unwrap();
        assert_eq!(events[1].id.as_deref(), Some("4"));
        assert_eq!(d.retry_ms(), Some(1500));
    }

    #[test]
    fn an_unfinished_event_is_not_dispatched() {
        let mut d = SseDecoder::new();
        assert!(d.feed(b"id: 1\ndata: half").unwrap().is_empty());
        assert!(d.feed(b"\n").unwrap().is_empty());
        assert_eq!(d.feed(b"\n").unwrap().len(), 1);
    }

    #[test]
    fn hostile_streams_are_refused_not_buffered() {
        let mut d = SseDecoder::new();
        let long = vec![b'x'; LINE_MAX_BYTES + 1];
        assert_eq!(d.feed(&long), Err(SseError::LineTooLong));
        let mut d = SseDecoder::new();
        assert_eq!(d.feed(b"data: \xFF\xFE\n"), Err(SseError::NotUtf8));
    }
}
