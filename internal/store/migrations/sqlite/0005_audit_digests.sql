-- 0005: a digest of each audit beside its result, so that what reads a
-- whole campaign (the observatory's statistics, comparisons) does not
-- decode every result: the rules' methodology, the audit's error and its
-- findings (id, severity, subject), as JSON (see store.Digest). NULL for
-- audits stored before it: readers then compute it from the result.
ALTER TABLE audits ADD COLUMN digest TEXT;
