//! The enrol link: what an enrolment QR code holds, so that a phone learns
//! both the hub's address and the one-time code from one scan.
//!
//! `farmlive://enrol?hub=<percent-encoded hub URL>&code=<code>`
//!
//! Defined once here: the hub's operator CLI writes it
//! (`farmlive hub enrol-code --qr`), the device core reads it back from a
//! camera frame. No I/O.

use std::fmt;

/// The scheme and path every enrol link starts with.
pub const ENROL_LINK_PREFIX: &str = "farmlive://enrol?";

/// Longest enrol link accepted, in bytes: a hub URL and a code fit easily,
/// and a hostile QR code cannot hand the app a huge string.
pub const ENROL_LINK_MAX_BYTES: usize = 1024;

/// Longest enrolment code accepted, in characters.
const CODE_MAX_CHARS: usize = 64;

/// A hub address and a one-time enrolment code, as carried by a QR code.
///
/// Debug shows the hub but not the code: a code enrols a device, so it is a
/// secret until used.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrolLink {
    /// The hub's address, e.g. `https://hub.example.com`.
    pub hub: String,
    /// The one-time enrolment code from the hub operator.
    pub code: String,
}

impl fmt::Debug for EnrolLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrolLink")
            .field("hub", &self.hub)
            .field("code", &"<redacted>")
            .finish()
    }
}

/// Why a text is not an enrol link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnrolLinkError {
    /// It does not start with `farmlive://enrol?` (another QR code).
    #[error("this QR code is not a FarmLive enrolment code")]
    NotEnrolLink,
    /// The hub address is missing or not an http(s) address.
    #[error("the enrolment code has no usable hub address")]
    BadHub,
    /// The code is missing, too long, or has characters codes never have.
    #[error("the enrolment code is missing or damaged")]
    BadCode,
}

impl EnrolLink {
    /// The link for `hub` and `code` (neither is checked here: the hub
    /// writes what it minted).
    pub fn new(hub: impl Into<String>, code: impl Into<String>) -> EnrolLink {
        EnrolLink {
            hub: hub.into(),
            code: code.into(),
        }
    }

    /// The link as text, to put in a QR code.
    pub fn to_uri(&self) -> String {
        format!(
            "{ENROL_LINK_PREFIX}hub={}&code={}",
            percent_encode(&self.hub),
            percent_encode(&self.code)
        )
    }

    /// Reads a link back. Parameters may come in any order; unknown ones
    /// are ignored (a later version may add some); surrounding whitespace
    /// is ignored.
    pub fn parse(text: &str) -> Result<EnrolLink, EnrolLinkError> {
        let text = text.trim();
        if text.len() > ENROL_LINK_MAX_BYTES {
            return Err(EnrolLinkError::NotEnrolLink);
        }
        let query = strip_prefix_ignore_case(text, ENROL_LINK_PREFIX)
            .ok_or(EnrolLinkError::NotEnrolLink)?;
        let (mut hub, mut code) = (None, None);
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "hub" => hub = Some(percent_decode(value).ok_or(EnrolLinkError::BadHub)?),
                "code" => code = Some(percent_decode(value).ok_or(EnrolLinkError::BadCode)?),
                _ => {}
            }
        }
        let hub = hub.ok_or(EnrolLinkError::BadHub)?;
        let lower = hub.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or(EnrolLinkError::BadHub)?;
        if rest.is_empty() || hub.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(EnrolLinkError::BadHub);
        }
        let code = code.ok_or(EnrolLinkError::BadCode)?;
        let code_ok = !code.is_empty()
            && code.chars().count() <= CODE_MAX_CHARS
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !code_ok {
            return Err(EnrolLinkError::BadCode);
        }
        Ok(EnrolLink { hub, code })
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Percent-encodes all but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (and `+` as a space); `None` for a broken escape
/// or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_survives_the_round_trip() {
        let link = EnrolLink::new("https://hub.example.com:8443/farm?x=1&y=2", "7KQ2-MZ9P");
        let uri = link.to_uri();
        assert_eq!(
            uri,
            "farmlive://enrol?hub=https%3A%2F%2Fhub.example.com%3A8443%2Ffarm%3Fx%3D1%26y%3D2&code=7KQ2-MZ9P"
        );
        assert_eq!(EnrolLink::parse(&uri), Ok(link));
    }

    #[test]
    fn order_case_and_extra_parameters_do_not_matter() {
        let link = EnrolLink::parse(" FarmLive://Enrol?v=2&code=ABC123&hub=http://10.0.0.2:8080\n")
            .expect("a link");
        assert_eq!(link, EnrolLink::new("http://10.0.0.2:8080", "ABC123"));
    }

    #[test]
    fn other_texts_are_refused_with_a_reason() {
        use EnrolLinkError::*;
        for (text, why) in [
            ("https://example.com", NotEnrolLink),
            ("", NotEnrolLink),
            ("farmlive://enrol?code=ABC", BadHub),
            ("farmlive://enrol?hub=ftp%3A%2F%2Fx&code=ABC", BadHub),
            ("farmlive://enrol?hub=https%3A%2F%2F&code=ABC", BadHub),
            ("farmlive://enrol?hub=https%3A%2F%2Fa%20b&code=ABC", BadHub),
            ("farmlive://enrol?hub=https%3A%2F%2Fa&code=", BadCode),
            ("farmlive://enrol?hub=https%3A%2F%2Fa", BadCode),
            ("farmlive://enrol?hub=https%3A%2F%2Fa&code=AB%2", BadCode),
            ("farmlive://enrol?hub=https%3A%2F%2Fa&code=A%0AB", BadCode),
            ("farmlive://enrol?hub=%FF&code=ABC", BadHub),
        ] {
            assert_eq!(EnrolLink::parse(text), Err(why), "{text:?}");
        }
        let long = format!("farmlive://enrol?hub=https://a&code={}", "A".repeat(65));
        assert_eq!(EnrolLink::parse(&long), Err(BadCode));
        let huge = format!(
            "farmlive://enrol?hub=https://a&code=A&x={}",
            "x".repeat(2000)
        );
        assert_eq!(EnrolLink::parse(&huge), Err(NotEnrolLink));
    }

    #[test]
    fn debug_never_shows_the_code() {
        let shown = format!("{:?}", EnrolLink::new("https://hub", "SECRET42"));
        assert!(
            !shown.contains("SECRET42") && shown.contains("https://hub"),
            "{shown}"
        );
    }
}
