-- Citation keys are looked up (uniqueness when one is assigned, `\cite{key}`
-- from editors): an index over the works that have one.
CREATE INDEX works_by_citation_key ON works(citation_key) WHERE citation_key IS NOT NULL;
