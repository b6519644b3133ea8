//! The experts' API bodies: the queue's query and page, and an answer.

use super::{ExpertQuestion, QUEUE_PAGE_MAX};
use crate::ops::PhotoRef;
use serde::{Deserialize, Serialize};

/// `GET /v1/questions?crop=&region=&offset=&limit=`: the experts' queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueQuery {
    /// Only this crop (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crop: Option<String>,
    /// Only this region (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Questions to skip (the previous page's `next_offset`).
    #[serde(default)]
    pub offset: u32,
    /// Most questions in the page (capped at [`QUEUE_PAGE_MAX`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl QueueQuery {
    /// The page size asked, within bounds (20 unless asked).
    pub fn page_size(&self) -> u32 {
        self.limit.unwrap_or(20).clamp(1, QUEUE_PAGE_MAX)
    }

    /// The query string, without `?`, percent-encoded.
    pub fn to_query(&self) -> String {
        let mut parts = vec![format!("offset={}", self.offset)];
        if let Some(limit) = self.limit {
            parts.push(format!("limit={limit}"));
        }
        for (key, value) in [("crop", &self.crop), ("region", &self.region)] {
            if let Some(v) = value {
                parts.push(format!("{key}={}", percent_encode(v)));
            }
        }
        parts.join("&")
    }
}

/// Percent-encodes every byte outside the unreserved set (RFC 3986).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One page of the experts' queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionQueue {
    /// Unresolved questions, waiting ones first, oldest first.
    pub questions: Vec<ExpertQuestion>,
    /// The offset of the next page, if more wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u32>,
}

/// `POST /v1/questions/{id}/answers`: an expert's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerRequest {
    /// Made by the expert's device once per answer: a retry with the same
    /// id (after a lost reply) adds nothing. Optional on the wire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<uuid::Uuid>,
    /// The answer (at most [`super::TEXT_MAX`] characters).
    pub text: String,
    /// Photos, uploaded first through `/v1/blobs` (at most [`super::PHOTOS_MAX`]).
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_query_is_percent_encoded() {
        let q = QueueQuery {
            crop: Some("芒果 & co".into()),
            region: None,
            offset: 20,
            limit: Some(10),
        };
        assert_eq!(
            q.to_query(),
            "offset=20&limit=10&crop=%E8%8A%92%E6%9E%9C%20%26%20co"
        );
        assert_eq!(q.page_size(), 10);
        assert_eq!(
            QueueQuery {
                limit: Some(10_000),
                ..q
            }
            .page_size(),
            QUEUE_PAGE_MAX
        );
    }
}
