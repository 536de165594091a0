-- Works, their creators and identifiers, and the trash.
CREATE TABLE works (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,          -- stable 8-character key
    type            TEXT NOT NULL,                 -- CSL type (or 'series')
    standalone      INTEGER NOT NULL DEFAULT 1,    -- 0: a container record only (a journal, a series)
    container_id    INTEGER REFERENCES works(id) ON DELETE SET NULL,
    title           TEXT,
    title_short     TEXT,
    volume          TEXT,
    issue           TEXT,
    page            TEXT,
    edition         TEXT,
    number          TEXT,
    publisher       TEXT,
    publisher_place TEXT,
    issued          TEXT,                          -- CSL date object as JSON
    doi             TEXT,                          -- normalized, lower case
    url             TEXT,
    abstract        TEXT,
    language        TEXT,
    citation_key    TEXT,
    extra           TEXT NOT NULL DEFAULT '{}',    -- every other CSL variable, verbatim JSON
    sort_title      TEXT NOT NULL DEFAULT '',
    sort_creator    TEXT NOT NULL DEFAULT '',
    sort_date       TEXT NOT NULL DEFAULT '~',
    added_at        INTEGER NOT NULL,              -- unix milliseconds
    modified_at     INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX works_container ON works(container_id) WHERE container_id IS NOT NULL;
CREATE INDEX works_doi ON works(doi) WHERE doi IS NOT NULL;

CREATE TABLE creators (
    work_id                 INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    position                INTEGER NOT NULL,      -- order across all roles
    role                    TEXT NOT NULL,
    family                  TEXT,
    given                   TEXT,
    non_dropping_particle   TEXT,
    dropping_particle       TEXT,
    suffix                  TEXT,
    literal                 TEXT,
    extra                   TEXT,                  -- other name fields (ORCID, affiliation…) as JSON
    PRIMARY KEY (work_id, position)
) STRICT, WITHOUT ROWID;

-- Multi-valued identifiers: ISBN (13 digits), ISSN.
CREATE TABLE work_ids (
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    work_id INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (kind, value, work_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX work_ids_by_work ON work_ids(work_id);

CREATE TABLE trash (
    work_id    INTEGER PRIMARY KEY REFERENCES works(id) ON DELETE CASCADE,
    trashed_at INTEGER NOT NULL
) STRICT;
