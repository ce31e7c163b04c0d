package main

import (
	"context"
	"errors"
	"fmt"

	"vigie.eu/vigie/internal/store"
)

// openReadOnlyStore opens the store named by dsn for the commands that
// only read (status, compare, export): it never migrates nor writes, so a
// database on a read-only disk, or one a campaign is writing, can be
// read. A missing SQLite file is an error that is os.ErrNotExist; a
// schema this vigie will not read as it is, an error that says, in the
// user's language, what to do.
func openReadOnlyStore(ctx context.Context, e *env, dsn string) (store.Store, error) {
	st, err := store.OpenReadOnly(ctx, dsn)
	var se *store.SchemaError
	if errors.As(err, &se) {
		return nil, errors.New(schemaMessage(e, dsn, se))
	}
	return st, err
}

// schemaMessage says why the database at dsn is not read, and what to do.
func schemaMessage(e *env, dsn string, se *store.SchemaError) string {
	switch {
	case se.Newer():
		return fmt.Sprintf(e.t(text{"%s : le schéma de la base est en version %d, plus récente que celle que connaît ce vigie (%d) : rien n'a été lu ni modifié ; utilisez un vigie plus récent",
			"%s: the database schema is version %d, newer than this vigie knows (%d): nothing was read or changed; use a newer vigie"}), dsn, se.Version, se.Known)
	case se.Version == 0:
		return fmt.Sprintf(e.t(text{"%s : ce n'est pas une base de vigie (aucun schéma) : rien n'a été lu ni modifié",
			"%s: not a vigie database (no schema): nothing was read or changed"}), dsn)
	}
	return fmt.Sprintf(e.t(text{"%s : le schéma de la base est en version %d, plus ancienne que la version %d qu'il faut pour la lire sans l'écrire : rien n'a été modifié ; « vigie campaign resume --db %s » (qui écrit) la met à jour",
		"%s: the database schema is version %d, older than version %d that reading it without writing needs: nothing was changed; \"vigie campaign resume --db %s\" (which writes) migrates it"}), dsn, se.Version, se.Oldest, shellQuote(dsn))
}
