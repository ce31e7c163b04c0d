-- 0007: the observatory's operators and the log of what they do. An
-- operator signs in with a password (an argon2id hash, internal/operator)
-- and a one-time code (the TOTP secret, base32). The admin log is
-- append-only: the triggers refuse to change or delete a line.

CREATE TABLE operators (
	name       TEXT PRIMARY KEY,
	password   TEXT NOT NULL,           -- argon2id, PHC string format
	totp       TEXT NOT NULL,           -- the TOTP secret, base32
	created_at INTEGER NOT NULL         -- microseconds since the epoch, UTC
);

CREATE TABLE admin_log (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,          -- microseconds since the epoch, UTC
	operator TEXT NOT NULL,             -- who ("" before sign-in: a failed login)
	action   TEXT NOT NULL,             -- what, a stable code ("operator.create", "login.fail")
	detail   TEXT NOT NULL
);
CREATE TRIGGER admin_log_no_update BEFORE UPDATE ON admin_log
BEGIN SELECT RAISE(ABORT, 'admin_log is append-only'); END;
CREATE TRIGGER admin_log_no_delete BEFORE DELETE ON admin_log
BEGIN SELECT RAISE(ABORT, 'admin_log is append-only'); END;
