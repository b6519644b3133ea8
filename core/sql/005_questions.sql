-- Questions to the experts (issue 15): the farm's questions and their
-- threads. `questions_base` is the thread as the hub last sent it;
-- `questions` is what the device shows: the base with this device's
-- unsynced asks, follow-ups and resolutions folded on (by the protocol's
-- rules). Both written by src/questions.rs only.

CREATE TABLE questions_base (
    id    TEXT PRIMARY KEY,
    state TEXT NOT NULL                   -- JSON QuestionState
) WITHOUT ROWID;

CREATE TABLE questions (
    id       TEXT PRIMARY KEY,
    farm_id  TEXT NOT NULL,
    status   TEXT NOT NULL,
    asked_at INTEGER NOT NULL,
    state    TEXT NOT NULL                -- JSON QuestionState
) WITHOUT ROWID;
CREATE INDEX questions_by_asked ON questions (asked_at);

-- Experts' answers this device has told the farmer about, each once (the
-- answer's position in its thread). Written by src/questions.rs.
CREATE TABLE answers_told (
    question_id TEXT NOT NULL,
    post        INTEGER NOT NULL,
    told_at     INTEGER NOT NULL,
    PRIMARY KEY (question_id, post)
) WITHOUT ROWID;
