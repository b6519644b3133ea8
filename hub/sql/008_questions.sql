-- Questions to the experts (issue 15): a farm's question and its thread
-- (answers, follow-ups), stored whole as JSON of the protocol's
-- QuestionState like listings and orders; the photos every thread shows,
-- for who may read them and for the photo collector; and enrolment codes
-- for the expert role, which names no farm.

-- Written by store/sqlite/questions.rs only.
CREATE TABLE questions (
    id       TEXT PRIMARY KEY,
    farm_id  TEXT NOT NULL REFERENCES farms (id),
    status   TEXT NOT NULL CHECK (status IN ('open', 'answered', 'resolved')),
    crop     TEXT NOT NULL,               -- filter key: cleaned, lower case
    region   TEXT NOT NULL,               -- filter key: cleaned, lower case
    asked_at INTEGER NOT NULL,
    state    TEXT NOT NULL                -- JSON QuestionState
) WITHOUT ROWID;
CREATE INDEX questions_queue ON questions (status, asked_at, id);

-- The photo blobs (image and thumbnail) each question's thread shows.
-- Written by store/sqlite/questions.rs, with the question itself.
CREATE TABLE question_blobs (
    sha256      TEXT NOT NULL,
    question_id TEXT NOT NULL REFERENCES questions (id),
    PRIMARY KEY (sha256, question_id)
) WITHOUT ROWID;
CREATE INDEX question_blobs_by_question ON question_blobs (question_id);

-- The role check allowed farmer and agent only; SQLite cannot change a
-- CHECK in place, so the table is rebuilt with 'expert' allowed.
CREATE TABLE enrol_codes_new (
    code_hash  TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('farmer', 'agent', 'expert')),
    farms      TEXT NOT NULL,              -- JSON array of farm ids (none for an expert)
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    used_by    TEXT
) WITHOUT ROWID;
INSERT INTO enrol_codes_new SELECT code_hash, role, farms, expires_at, used_at, used_by FROM enrol_codes;
DROP TABLE enrol_codes;
ALTER TABLE enrol_codes_new RENAME TO enrol_codes;
