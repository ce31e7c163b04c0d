package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

var (
	reportAbout = text{`Rend le rapport d'un audit enregistré par une campagne, tel que « vigie audit »
l'aurait écrit : le dernier audit du domaine, ou celui de la campagne --campaign.
La base est ouverte en lecture seule. Un CSIRT envoie ainsi à chaque commune son
propre rapport.
`, `Renders the report of an audit stored by a campaign, as "vigie audit" would
have written it: the domain's latest audit, or that of campaign --campaign.
The database is opened read-only. A CSIRT can thus send each town its own
report.
`}
	reportNotes = text{`Codes de sortie : 0 rapport écrit, 1 lecture impossible ou aucun audit du
domaine, 2 ligne de commande erronée, 6 --format pdf sans Chromium.
`, `Exit codes: 0 report written, 1 cannot read or no audit of the domain,
2 wrong command line, 6 --format pdf without Chromium.
`}
)

func runReport(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := fs.String("db", "", dbUsage)
	domain := fs.String("domain", "", bi("`DOMAINE` le domaine dont rendre l'audit (obligatoire)", "`DOMAIN` the domain whose audit to render (required)"))
	campaignID := fs.Int64("campaign", 0, bi("`ID` l'audit de cette campagne (par défaut, le dernier audit du domaine)", "`ID` the audit of this campaign (default: the domain's latest audit)"))
	format := fs.String("format", "text", formatUsage)
	fs.String("lang", "fr", bi("`fr|en` langue du rapport et des messages", "`fr|en` language of the report and messages")) // read by langOf
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return e.usage(fs)
		}
		e.errorf("%s", err)
		return exitUsage
	}
	if err := checkFormat(e, *format); err != nil {
		e.errorf("report: %v", err)
		return exitUsage
	}
	if fs.NArg() > 0 || *db == "" || *domain == "" {
		e.errorf(e.t(text{"report : usage : vigie report --db BASE --domain DOMAINE [--campaign ID] [--format text|html|pdf]",
			"report: usage: vigie report --db DB --domain DOMAIN [--campaign ID] [--format text|html|pdf]"}))
		return exitUsage
	}
	name := *domain
	if t, err := target.Parse(name); err == nil {
		name = t.Domain
	}
	st, err := openReadOnlyStore(ctx, e, *db)
	if err != nil {
		e.errorf("%v", err)
		return exitFailed
	}
	defer st.Close()
	r, err := storedAudit(ctx, st, name, *campaignID)
	if err != nil {
		e.errorf("%v", err)
		return exitFailed
	}
	if r == nil {
		if *campaignID != 0 {
			e.errorf(e.t(text{"report : aucun audit de %s dans la campagne %d", "report: no audit of %s in campaign %d"}), name, *campaignID)
		} else {
			e.errorf(e.t(text{"report : aucun audit de %s dans %s", "report: no audit of %s in %s"}), name, *db)
		}
		return exitFailed
	}
	color := *format == "text" && isTerminal(e.stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	if err := render(ctx, e.stdout, r, *format, e.lang, color); err != nil {
		return renderError(e, err)
	}
	return exitOK
}

// storedAudit returns the stored audit of domain: in campaign id, or the
// latest of all when id is 0; nil when there is none.
func storedAudit(ctx context.Context, st store.Store, domain string, id int64) (*audit.Result, error) {
	var rec *store.AuditRecord
	if id != 0 {
		err := st.CampaignAudits(ctx, id, func(a store.AuditRecord) error {
			if a.Domain == domain && rec == nil {
				rec = &a
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		h, err := st.History(ctx, domain, true)
		if err != nil {
			return nil, err
		}
		if len(h) > 0 {
			rec = &h[len(h)-1]
		}
	}
	if rec == nil {
		return nil, nil
	}
	if rec.Result == nil {
		return nil, errors.New(domain + ": " + rec.Unreadable)
	}
	return rec.Result, nil
}
