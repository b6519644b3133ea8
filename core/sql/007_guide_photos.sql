-- Photos in guides (issue 15): each guide's photos (JSON, as PhotoRefs);
-- their files are fetched at sync like other photos (`blobs`).
-- Written by src/guides.rs only.

ALTER TABLE guides ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';
