//! An expert's device: the queue of open questions, a question's thread,
//! a question's photos, and answering with text and photos. Online calls
//! to the hub (an expert answers what is asked now; nothing is queued
//! offline), each refused at once on a device whose role may not answer.
//!
//! Answer photos go through the same pipeline as listing photos and are
//! uploaded resumably, chunk by chunk, before the answer names them.

use crate::error::{Error, Result};
use crate::hub::{Backoff, CancelToken, HubClient, retry};
use crate::{Core, blobs};
use farmlive_protocol::QuestionId;
use farmlive_protocol::api::{BLOB_MAX_BYTES, experts};
use farmlive_protocol::questions::{
    AnswerRequest, ExpertQuestion, QuestionQueue, QueueQuery, check_photo_count,
};
use farmlive_protocol::roles::Capability;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Timeout of each request an expert's device makes.
const TIMEOUT: Duration = Duration::from_secs(30);

impl Core {
    fn expert_client(&self) -> Result<HubClient> {
        self.require(Capability::AnswerQuestions)?;
        self.hub_client(TIMEOUT)
    }

    /// One page of the experts' queue: unresolved questions, waiting ones
    /// first, oldest first, filtered by crop and region.
    pub async fn expert_queue(&self, query: &QueueQuery) -> Result<QuestionQueue> {
        let client = self.expert_client()?;
        client
            .fetch(experts::QUEUE.call().with_query(&query.to_query()))
            .await
    }

    /// One question and its thread.
    pub async fn expert_question(&self, id: QuestionId) -> Result<ExpertQuestion> {
        let client = self.expert_client()?;
        client.fetch(experts::SHOW.call_for(id)).await
    }

    /// A photo of a question (or an answer), downloaded once and kept:
    /// where its file is.
    pub async fn question_photo(&self, sha256: &str) -> Result<PathBuf> {
        let client = self.expert_client()?;
        let path = self.blobs.path(sha256)?;
        if path.exists() {
            return Ok(path);
        }
        let bytes = client.blob_get(sha256, BLOB_MAX_BYTES as usize).await?;
        if blobs::sha256_hex(&bytes) != sha256 {
            return Err(Error::bad_reply(
                200,
                "a downloaded photo does not match its hash",
            ));
        }
        self.blobs.put(sha256, &bytes)?;
        Ok(path)
    }

    /// Answers a question with text and photos (files of JPEG, PNG or
    /// WebP): the photos go through the pipeline, are uploaded, then the
    /// answer is sent. The thread as it stands after the answer.
    pub async fn answer_question(
        &self,
        id: QuestionId,
        text: &str,
        photos: &[impl AsRef<Path>],
    ) -> Result<ExpertQuestion> {
        let client = self.expert_client()?;
        check_photo_count(photos.len()).map_err(Error::Rule)?;
        let bytes = photos
            .iter()
            .map(|p| self.read_photo_file(p.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        let slices: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
        let new = self.process_photos(&slices)?;
        self.store_photos(&new)?;
        let mut refs: Vec<farmlive_protocol::ops::PhotoRef> = Vec::new();
        for photo in &new {
            for blob in photo.blobs() {
                crate::hub::upload(&client, &blob.sha256, &blob.jpeg).await?;
            }
            if !refs.iter().any(|r| r.sha256 == photo.sha256()) {
                refs.push(photo.photo_ref());
            }
        }
        // One id for the answer and its retries: a reply lost on a weak
        // link is asked again and the hub keeps the answer once.
        let req = AnswerRequest {
            id: Some(farmlive_protocol::OpId::new().0),
            text: text.to_owned(),
            photos: refs,
        };
        let (backoff, cancel, mut retries) = (Backoff::default(), CancelToken::new(), 0);
        retry(&backoff, &cancel, &mut retries, || {
            client.call(experts::ANSWER.call_for(id), &req)
        })
        .await
    }
}
