-- Raw responses of the services a record came from (Crossref, doi.org,
-- DataCite, Open Library, arXiv, PubMed), so a record can be re-derived
-- offline and a refresh can be conditional (ETag / Last-Modified).
CREATE TABLE responses (
    id            INTEGER PRIMARY KEY,
    work_id       INTEGER REFERENCES works(id) ON DELETE CASCADE,
    source        TEXT NOT NULL,              -- 'crossref', 'doi.org', 'datacite', …
    url           TEXT NOT NULL,
    status        INTEGER NOT NULL,
    content_type  TEXT,
    etag          TEXT,
    last_modified TEXT,
    body          BLOB NOT NULL,
    is_primary    INTEGER NOT NULL DEFAULT 1, -- 0: a helper lookup (a chapter's book)
    fetched_at    INTEGER NOT NULL            -- unix milliseconds
) STRICT;
CREATE INDEX responses_by_work ON responses(work_id, fetched_at);

-- Settings kept with the library (service URLs, contact address…).
-- The environment overrides them; see crates/ibid-resolve/src/config.rs.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- arXiv ids and PMIDs are identifiers a work is found by, like ISBNs.
INSERT OR IGNORE INTO work_ids (kind, value, work_id, position)
    SELECT 'pmid', json_extract(extra, '$.PMID'), id, 0 FROM works
    WHERE json_extract(extra, '$.PMID') IS NOT NULL;
INSERT OR IGNORE INTO work_ids (kind, value, work_id, position)
    SELECT 'arxiv', lower(json_extract(extra, '$.arxiv')), id, 0 FROM works
    WHERE json_extract(extra, '$.arxiv') IS NOT NULL;
