//! The experts' routes: the queue of open questions, one question, and
//! answering. Only an expert's device gets in (its role may
//! `AnswerQuestions`); what it gets never names a farm. Farms ask, follow
//! up and resolve through `/v1/ops` and get answers in `/v1/changes`.

use super::caller::device;
use super::extract::{Auth, JsonBody, QueryParams, parse_id};
use super::state::{AppState, St, blocking};
use crate::error::Result;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use farmlive_protocol::api::experts;
use farmlive_protocol::questions::{AnswerRequest, ExpertQuestion, QuestionQueue, QueueQuery};
use farmlive_protocol::roles::Capability;
use std::sync::Arc;

/// The experts' routes.
pub(super) fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(experts::QUEUE.path, get(queue))
        .route(experts::SHOW.path, get(show))
        .route(experts::ANSWER.path, post(answer))
}

async fn queue(
    State(s): St,
    Auth(p): Auth,
    QueryParams(q): QueryParams<QueueQuery>,
) -> Result<Json<QuestionQueue>> {
    device(p, Capability::AnswerQuestions)?;
    Ok(Json(blocking(move || s.store.question_queue(&q)).await?))
}

async fn show(State(s): St, Auth(p): Auth, Path(id): Path<String>) -> Result<Json<ExpertQuestion>> {
    device(p, Capability::AnswerQuestions)?;
    let id = parse_id(&id, "no such question")?;
    Ok(Json(blocking(move || s.store.expert_question(id)).await?))
}

async fn answer(
    State(s): St,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<AnswerRequest>,
) -> Result<Json<ExpertQuestion>> {
    let (expert, _) = device(p, Capability::AnswerQuestions)?;
    let expert = parse_id(&expert, "no such device")?;
    let id = parse_id(&id, "no such question")?;
    Ok(Json(
        blocking(move || s.store.answer_question(expert, id, &req)).await?,
    ))
}
