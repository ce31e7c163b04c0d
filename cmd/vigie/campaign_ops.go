package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/store"
)

// Exit codes of the campaign commands, besides those of main.go.
const (
	exitBusy     = 4 // the campaign is run by another process (its lease)
	exitResolver = 5 // the resolver lies or does not answer: the campaign stopped, resumable
)

// canaryUsage is the usage of --canary.
var canaryUsage = bi("`NOM` un nom qui doit exister, demandé au résolveur avant et pendant la campagne (avec un nom aléatoire dessous, qui ne doit pas exister) pour vérifier qu'il dit vrai ; sur un réseau fermé ou un labo, un nom de ce réseau",
	"`NAME` a name that must exist, asked of the resolver before and during the campaign (with a random name under it, which must not exist) to check that it tells the truth; on a closed network or a lab, a name of that network")

// parseWithID parses args with fs: flags, then one campaign ID (optional
// when optional is set), then flags again. It returns the ID (0 when none).
func parseWithID(e *env, sub string, fs *flag.FlagSet, args []string, optional bool) (int64, int, bool) {
	fs.SetOutput(io.Discard)
	var id int64
	err := e.parseFlags(fs, args)
	if err == nil && fs.NArg() > 0 {
		id, err = strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || id <= 0 {
			err = fmt.Errorf(e.t(text{"« %s » n'est pas un numéro de campagne", "%q is not a campaign number"}), fs.Arg(0))
		} else {
			err = e.parseFlags(fs, fs.Args()[1:])
			if err == nil && fs.NArg() > 0 {
				err = fmt.Errorf(e.t(text{"argument inattendu « %s »", "unexpected argument %q"}), fs.Arg(0))
			}
		}
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0, e.usage(fs), false
	}
	if err == nil && id == 0 && !optional {
		err = errors.New(e.t(text{"le numéro de la campagne est obligatoire", "the campaign number is required"}))
	}
	if err != nil {
		e.errorf("campaign %s: %v", sub, err)
		fmt.Fprint(e.stderr, e.t(text{"« vigie help campaign » donne les options.\n", "\"vigie --lang en help campaign\" lists the options.\n"}))
		return 0, exitUsage, false
	}
	return id, 0, true
}

// lockedMessage says who holds a campaign's lease, in the user's language.
func lockedMessage(e *env, le *store.LockedError) string {
	return fmt.Sprintf(e.t(text{"la campagne %d est en cours dans un autre processus (machine %s, pid %d, depuis %s) : attendez qu'il finisse ou arrêtez-le ; après un arrêt brutal, le verrou se libère seul en %s",
		"campaign %d is being run by another process (host %s, pid %d, since %s): wait for it to end or stop it; after a crash, the lock frees itself within %s"}),
		le.CampaignID, le.Holder.Host, le.Holder.PID, le.Holder.Since.UTC().Format("2006-01-02 15:04:05Z"), store.LeaseExpiry)
}

// campaignError reports an error of campaign.Run or Retry that is not an
// interruption, and returns the exit code; ok is false when err is none
// of those it knows.
func campaignError(e *env, db string, id int64, err error) (int, bool) {
	var le *store.LockedError
	var te *campaign.TruthError
	resume := fmt.Sprintf("vigie campaign resume --db %s --campaign %d", shellQuote(db), id)
	switch {
	case errors.As(err, &le):
		e.errorf("%s", lockedMessage(e, le))
		return exitBusy, true
	case errors.As(err, &te):
		check := e.t(text{"le nom « %s », qui existe, est dit inexistant ou sans adresse (%s)", "the name %q, which exists, is said not to exist or to have no address (%s)"})
		what := fmt.Sprintf(check, te.Name, te.Answer.Rcode)
		if !te.MustExist {
			what = fmt.Sprintf(e.t(text{"le nom « %s », qui ne peut pas exister, a reçu une adresse", "the name %q, which cannot exist, got an address"}), te.Name)
		}
		e.errorf(e.t(text{"le résolveur DNS %s ment : %s. La campagne s'arrête sans enregistrer les audits faits depuis la dernière vérification (ils auraient pris ses mensonges pour des faits) ; les audits enregistrés avant restent. Avec un résolveur qui dit vrai (--resolver au lancement ; sur un réseau fermé, --canary avec un nom de ce réseau) : %s",
			"the DNS resolver %s lies: %s. The campaign stops without storing the audits done since the last check (they would have taken its lies for facts); the audits stored before stay. With a resolver that tells the truth (--resolver at run time; on a closed network, --canary with a name of that network): %s"}),
			te.Resolver, what, resume)
		return exitResolver, true
	case errors.Is(err, campaign.ErrResolverDown):
		e.errorf(e.t(text{"%v\nle résolveur DNS ne répond pas : la campagne s'arrête sans enregistrer les audits qui n'ont rien vu ; les autres sont enregistrés. Une fois le résolveur rétabli : %s",
			"%v\nthe DNS resolver does not answer: the campaign stops without storing the audits that saw nothing; the others are stored. Once the resolver answers again: %s"}), err, resume)
		return exitResolver, true
	case errors.Is(err, campaign.ErrLeaseLost):
		e.errorf(e.t(text{"campagne %d : le verrou de la campagne a été perdu (un autre processus l'a pris après son expiration) : arrêt, les audits en cours sont abandonnés",
			"campaign %d: the campaign's lock was lost (another process took it after it expired): stopping, the audits under way are dropped"}), id)
		return exitBusy, true
	}
	return 0, false
}

func campaignAbandon(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("campaign abandon", flag.ContinueOnError)
	var db, lang string
	fs.StringVar(&db, "db", "", dbUsage)
	fs.StringVar(&lang, "lang", defaultLang, langUsage)
	id, code, ok := parseWithID(e, "abandon", fs, args, false)
	if !ok {
		return code
	}
	if db == "" {
		e.errorf(e.t(text{"campaign abandon : --db BASE est obligatoire", "campaign abandon: --db DB is required"}))
		return exitUsage
	}
	return withCampaignLock(ctx, e, db, id, "abandon", func(st store.Store) int {
		if err := st.AbandonCampaign(ctx, id, time.Now().UTC()); err != nil {
			e.errorf("%v", err)
			return exitFailed
		}
		fmt.Fprintf(e.stdout, e.t(text{"Campagne %d abandonnée : ses audits sont gardés, elle n'est plus reprise ni comparée.\n",
			"Campaign %d abandoned: its audits are kept; it is no longer resumed nor compared.\n"}), id)
		return exitOK
	})
}

func campaignDelete(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("campaign delete", flag.ContinueOnError)
	var db, lang string
	var yes bool
	fs.StringVar(&db, "db", "", dbUsage)
	fs.BoolVar(&yes, "yes", false, bi("confirme la suppression (obligatoire)", "confirm the deletion (required)"))
	fs.StringVar(&lang, "lang", defaultLang, langUsage)
	id, code, ok := parseWithID(e, "delete", fs, args, false)
	if !ok {
		return code
	}
	if db == "" {
		e.errorf(e.t(text{"campaign delete : --db BASE est obligatoire", "campaign delete: --db DB is required"}))
		return exitUsage
	}
	if !yes {
		e.errorf(e.t(text{"campaign delete : la suppression de la campagne %d et de tous ses audits est définitive : ajoutez --yes pour confirmer (rien n'a été supprimé ; « vigie campaign abandon » garde les audits)",
			"campaign delete: deleting campaign %d and all its audits cannot be undone: add --yes to confirm (nothing was deleted; \"vigie campaign abandon\" keeps the audits)"}), id)
		return exitUsage
	}
	return withCampaignLock(ctx, e, db, id, "delete", func(st store.Store) int {
		done, _, err := st.Progress(ctx, id)
		if err == nil {
			err = st.DeleteCampaign(ctx, id)
		}
		if err != nil {
			e.errorf("%v", err)
			return exitFailed
		}
		fmt.Fprintf(e.stdout, e.t(text{"Campagne %d supprimée avec ses %d audits.\n", "Campaign %d deleted with its %d audits.\n"}), id, done)
		return exitOK
	})
}

// withCampaignLock opens db, takes the lease of campaign id (so that a
// running campaign is not abandoned nor deleted under its feet) and runs
// fn.
func withCampaignLock(ctx context.Context, e *env, db string, id int64, sub string, fn func(store.Store) int) int {
	st, err := openExistingStore(ctx, db)
	if err != nil {
		e.errorf("campaign %s: %v", sub, err)
		return exitFailed
	}
	defer st.Close()
	lease, err := st.Lock(ctx, id)
	var le *store.LockedError
	switch {
	case errors.Is(err, store.ErrNotFound):
		e.errorf(e.t(text{"campaign %s : pas de campagne %d dans %s", "campaign %s: no campaign %d in %s"}), sub, id, db)
		return exitFailed
	case errors.As(err, &le):
		e.errorf("%s", lockedMessage(e, le))
		return exitBusy
	case err != nil:
		e.errorf("%v", err)
		return exitFailed
	}
	code := fn(st)
	if err := lease.Release(); err != nil && code == exitOK && !strings.Contains(sub, "delete") {
		e.errorf("%v", err)
	}
	return code
}

func campaignRetry(ctx context.Context, e *env, args []string) int {
	tuneGC(campaignMemory)
	fs := flag.NewFlagSet("campaign retry", flag.ContinueOnError)
	var db, lang string
	var parallel int
	fs.StringVar(&db, "db", "", dbUsage)
	fs.IntVar(&parallel, "parallel", 0, bi("`N` audits simultanés (par défaut, ceux du lancement)", "`N` audits at once (default: the run's)"))
	fs.StringVar(&lang, "lang", defaultLang, langUsage)
	id, code, ok := parseWithID(e, "retry", fs, args, true)
	if !ok {
		return code
	}
	if db == "" {
		e.errorf(e.t(text{"campaign retry : --db BASE est obligatoire", "campaign retry: --db DB is required"}))
		return exitUsage
	}
	st, err := openExistingStore(ctx, db)
	if err != nil {
		e.errorf("campaign retry: %v", err)
		return exitFailed
	}
	defer st.Close()
	c, cfg, err := campaign.Load(ctx, st, id, vigieVersion())
	switch {
	case errors.Is(err, store.ErrNotFound):
		e.errorf(e.t(text{"campaign retry : pas de campagne %d dans %s", "campaign retry: no campaign %d in %s"}), id, db)
		return exitFailed
	case errors.Is(err, campaign.ErrAbandoned):
		e.errorf(e.t(text{"campaign retry : la campagne %d est abandonnée", "campaign retry: campaign %d is abandoned"}), c.ID)
		return exitFailed
	case err == nil:
		e.errorf(e.t(text{"campaign retry : la campagne %d n'est pas terminée : reprenez-la d'abord (vigie campaign resume --db %s --campaign %d)",
			"campaign retry: campaign %d is not finished: resume it first (vigie campaign resume --db %s --campaign %d)"}), c.ID, shellQuote(db), c.ID)
		return exitFailed
	case !errors.Is(err, campaign.ErrFinished):
		e.errorf("%v", err)
		return exitFailed
	}
	// Load gives no configuration for a finished campaign: build it.
	cfg, err = campaign.NewConfig(c.Options, vigieVersion())
	if err != nil {
		e.errorf(e.t(text{"campaign retry : options de la campagne %d : %v", "campaign retry: options of campaign %d: %v"}), c.ID, err)
		return exitFailed
	}
	if parallel > 0 {
		cfg.Parallel = parallel
	}
	meter := campaign.NewMeter(e.stderr, stderrIsTerminal(e.stderr), e.lang)
	meterCtx, stopMeter := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { meter.Run(meterCtx) })
	n, err := campaign.Retry(ctx, st, c.ID, cfg, meter)
	stopMeter()
	wg.Wait()
	if n > 0 {
		fmt.Fprint(e.stdout, meter.Summary())
	}
	if code, ok := campaignError(e, db, c.ID, err); ok {
		return code
	}
	switch {
	case errors.Is(err, campaign.ErrInterrupted):
		e.errorf(e.t(text{"campagne %d : nouvel essai interrompu ; les audits refaits sont enregistrés, les autres gardent leur erreur : relancez vigie campaign retry",
			"campaign %d: retry interrupted; the audits done again are stored, the others keep their error: run vigie campaign retry again"}), c.ID)
		return exitInterrupt
	case err != nil:
		e.errorf("%v", err)
		return exitFailed
	}
	fmt.Fprintf(e.stdout, e.t(text{"Campagne %d : %d audit(s) en erreur passagère refait(s) ; les audits remplacés sont gardés dans la base.\n",
		"Campaign %d: %d audit(s) in transient error done again; the audits replaced are kept in the database.\n"}), c.ID, n)
	return exitOK
}
