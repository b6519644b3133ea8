-- Questions to the experts (issue 15), as hub/sql/008_questions.sql for
-- SQLite: a farm's question and its thread stored whole (JSON of the
-- protocol's QuestionState), the photos each thread shows, and enrolment
-- codes for the expert role. Written by store/postgres/questions.rs.

CREATE TABLE questions (
    id       TEXT PRIMARY KEY,
    farm_id  TEXT NOT NULL REFERENCES farms (id),
    status   TEXT NOT NULL CHECK (status IN ('open', 'answered', 'resolved')),
    crop     TEXT NOT NULL,               -- filter key: cleaned, lower case
    region   TEXT NOT NULL,               -- filter key: cleaned, lower case
    asked_at BIGINT NOT NULL,
    state    TEXT NOT NULL                -- JSON QuestionState
);
CREATE INDEX questions_queue ON questions (status, asked_at, id);

CREATE TABLE question_blobs (
    sha256      TEXT NOT NULL,
    question_id TEXT NOT NULL REFERENCES questions (id),
    PRIMARY KEY (sha256, question_id)
);
CREATE INDEX question_blobs_by_question ON question_blobs (question_id);

ALTER TABLE enrol_codes DROP CONSTRAINT enrol_codes_role_check;
ALTER TABLE enrol_codes ADD CONSTRAINT enrol_codes_role_check
    CHECK (role IN ('farmer', 'agent', 'expert'));

INSERT INTO schema_version (version, applied_at)
    VALUES (4, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
