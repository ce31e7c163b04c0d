package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

// maxTargetsFile bounds the targets file read.
const maxTargetsFile = 256 << 20

// campaignAbout and campaignNotes are the help of "vigie campaign" and
// its subcommands around their options.
var (
	campaignAbout = text{`run audite chaque organisation de FICHIER et enregistre chaque résultat dans
BASE dès qu'il est connu ; resume audite ce qu'une campagne interrompue
(Ctrl-C, kill, panne) a laissé, avec les options de son lancement ; status
montre l'avancement des dernières campagnes ; compare dit qui a progressé ou
reculé d'une campagne à la suivante. Chaque tâche (organisation,
domaine) est auditée et enregistrée exactement une fois, quel que soit le
nombre d'interruptions.

FICHIER est un CSV dont l'en-tête nomme les colonnes : identifiant (id,
siren, siret, insee, code), nom (name), catégorie (category, type) et
domaines (domaine, site, url ; plusieurs séparés par des espaces, virgules
ou points-virgules), séparées par « ; », « , » ou une tabulation ; ou une
liste de domaines, un par ligne (« # » pour les commentaires). Les lignes
illisibles et les domaines invalides sont signalés avec leur numéro de ligne
et ignorés ; une organisation listée deux fois est fusionnée.
L'identifiant peut porter un schéma, vérifié : siren:123456789 (9 chiffres,
clé de Luhn), insee:69123 (2A/2B pour la Corse), finess:690000000 ; un
identifiant sans schéma est gardé tel quel. Une colonne facultative
sélecteurs_dkim (dkim_selectors) donne les sélecteurs DKIM des domaines de
la ligne (séparés par des espaces ou « | »), cherchés en plus de ceux de
--dkim-selector. Chaque campagne garde le nom et la catégorie de ses
organisations ; run signale ceux qui changent depuis la campagne précédente.

BASE est un fichier (SQLite, créé s'il n'existe pas) ou une URL postgres://.
`, `run audits every organisation of FILE and stores each result in DB as it
comes; resume audits what a campaign that was interrupted (Ctrl-C, kill,
crash) has left, with the options it was started with; status shows the
progress of the latest campaigns; compare says who got worse or better
from one campaign to the next. Every job (organisation, domain) is
audited and stored exactly once, however often the campaign is stopped.

FILE is a CSV file with a header naming its columns: id (or siren, siret,
insee, code), name (nom), category (catégorie, type) and domains (domaine,
site, url; several separated by spaces, commas or semicolons), delimited
by ';', ',' or tab; or a list of domains, one per line ('#' for comments).
Broken lines and invalid domains are reported with their line number and
skipped; organisations listed twice are merged. An identifier may carry a
scheme, which is checked: siren:123456789 (9 digits, Luhn key),
insee:69123 (2A/2B for Corsica), finess:690000000; an identifier without
scheme is kept as is. An optional dkim_selectors (sélecteurs_dkim) column
gives the DKIM selectors of the line's domains (separated by spaces or
'|'), looked up besides those of --dkim-selector. Each campaign keeps the
name and category of its organisations; run reports those that changed
since the previous campaign.

DB is a file (SQLite, created if absent) or a postgres:// URL.
`}
	campaignNotes = text{`resume reprend les options du lancement, enregistrées dans BASE par valeur :
les enregistrements de l'ancre de confiance, et les autorités racines du
fichier que désignait SSL_CERT_FILE au lancement, si bien qu'une reprise ne
dépend d'aucun des deux fichiers ; seuls --parallel et --per-ip peuvent
changer.

L'avancement s'affiche sur la sortie d'erreur : une barre sur un terminal,
sinon une ligne toutes les 10 s. Le bilan (audits, débit, notes, erreurs)
s'affiche sur la sortie standard.

compare juge à nouveau les audits de deux campagnes avec les vérifications
et les règles d'aujourd'hui, puis donne pour chaque (organisation, domaine)
l'évolution : en baisse ou en hausse (points perdus ou gagnés), stable,
sans note (audit en erreur d'un côté ou des deux), nouveau ou disparu,
avec les constats de gravité moyenne ou plus apparus et disparus. Par
défaut, compare prend la dernière campagne terminée et la campagne terminée
d'avant : une campagne inachevée ou abandonnée n'est prise que désignée par
--from ou --to (avec un avertissement), ou avec --include-unfinished. Le
domaine et son www d'une même organisation sont une seule ligne (deux
quand ils ont changé différemment), rangées du plus grand changement au
plus petit : crans de note, puis points, puis nom. --format text liste les
domaines en baisse, en hausse, et notés d'un seul côté ; --format csv
écrit une ligne par domaine (colonnes org_id, org_name, category, domain,
change, grade_before, points_before, grade_after, points_after, delta,
added, fixed, error_before, error_after, grade_delta, www_domain,
www_change, www_grade_before, www_points_before, www_grade_after,
www_points_after, www_delta) ; --json écrit un objet (voir le README).

status, compare et export ouvrent BASE en lecture seule : ils ne la
modifient jamais (une base sur un disque en lecture seule, ou qu'une
campagne est en train d'écrire, se lit) ; une base d'un schéma trop ancien
pour être lue sans être mise à jour, ou d'un vigie plus récent, est
refusée (code 1).

Codes de sortie :
  0    la campagne est complète (les audits qui ont trouvé le domaine absent
       ou injoignable sont aussi des résultats, comptés dans le bilan ; les
       lignes ignorées de FICHIER sont signalées sur la sortie d'erreur)
  1    échec : FICHIER illisible ou sans aucune cible valide, erreur de la
       base, aucune campagne à reprendre ou à comparer
  2    erreur d'utilisation
  4    la campagne est en cours dans un autre processus (son verrou),
       nommé avec sa machine, son pid et depuis quand
  5    le résolveur DNS ment (--canary) ou ne répond pas : la campagne
       s'arrête sans enregistrer les audits de la période ; « vigie
       campaign resume » reprend
  130  interrompu (Ctrl-C, SIGTERM) : les audits en cours sont abandonnés,
       « vigie campaign resume » reprend
`, `resume takes the options of the run, stored in DB by value: the trust
anchor's records, and the certificate roots of the file SSL_CERT_FILE
named at run time, so that a resume depends on neither file; only
--parallel and --per-ip may change.

The progress goes to stderr: a bar on a terminal, else a line every 10 s.
The summary (audits, rate, grades, errors) goes to stdout.

compare judges the audits of two campaigns again with today's checks and
rules, then gives, for each (organisation, domain), the change: worse or
better (points lost or won), unchanged, unscored (an audit in error on
one side or both), new or gone; with the findings of severity medium or
above that came and went. By default, compare takes the latest finished
campaign and the finished one before it: an unfinished or abandoned
campaign is taken only when --from or --to names it (with a warning), or
with --include-unfinished. An organisation's domain and its www are one
row (two lines when they changed differently), ordered from the largest
change to the smallest: grade steps, then points, then name. --format
text lists the domains that got worse, better, and scored on one side
only; --format csv writes one row per domain (columns org_id, org_name,
category, domain, change, grade_before, points_before, grade_after,
points_after, delta, added, fixed, error_before, error_after,
grade_delta, www_domain, www_change, www_grade_before, www_points_before,
www_grade_after, www_points_after, www_delta); --json writes an object
(see the README).

status, compare and export open DB read-only: they never change it (a
database on a read-only disk, or one a campaign is writing, can be read);
a database whose schema is too old to be read without migrating it, or
that comes from a newer vigie, is refused (code 1).

Exit codes:
  0    the campaign is complete (audits that found the domain absent or
       could not reach it are results too, counted in the summary; the
       lines of FILE that were skipped are reported on stderr)
  1    failure: FILE unreadable or without any valid target, database
       error, no campaign to resume, no campaign to compare with
  2    usage error
  4    the campaign is being run by another process (its lock), named
       with its host, pid and since when
  5    the DNS resolver lies (--canary) or does not answer: the campaign
       stops without storing the audits of that period; "vigie campaign
       resume" goes on
  130  interrupted (Ctrl-C, SIGTERM): the audits under way are dropped,
       and "vigie campaign resume" goes on
`}
)

// dbUsage is the usage of --db, the same for every command that takes it.
var dbUsage = bi("`BASE` un fichier SQLite ou une URL postgres:// (obligatoire)", "`DB` a SQLite file or a postgres:// URL (required)")

// langUsage is the usage of --lang for the commands that print messages
// only.
var langUsage = bi("`fr|en` langue des messages", "`fr|en` language of the messages")

// parseCampaignFlags parses args with fs; no argument may remain.
func parseCampaignFlags(e *env, sub string, fs *flag.FlagSet, args []string) (int, bool) {
	fs.SetOutput(io.Discard)
	err := e.parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return e.usage(fs), false
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf(e.t(text{"argument inattendu « %s »", "unexpected argument %q"}), fs.Arg(0))
	}
	if err != nil {
		e.errorf("campaign %s: %v", sub, err)
		fmt.Fprint(e.stderr, e.t(text{"« vigie help campaign » donne les options.\n", "\"vigie --lang en help campaign\" lists the options.\n"}))
		return exitUsage, false
	}
	return 0, true
}

func campaignRun(ctx context.Context, e *env, args []string) int {
	tuneGC(campaignMemory)
	c, code, ok := createCampaign(ctx, e, "run", args)
	if !ok {
		return code
	}
	defer c.st.Close()
	return execCampaign(ctx, e, c.st, c.db, c.id, c.cfg)
}

// created is a campaign that createCampaign stored.
type created struct {
	st  store.Store
	db  string
	id  int64
	cfg campaign.Config
}

// createCampaign parses the flags of "vigie campaign run" (or submit,
// sub), reads the targets and stores the campaign with its options; the
// caller closes the store. When ok is false, code is the exit code.
func createCampaign(ctx context.Context, e *env, sub string, args []string) (c created, code int, ok bool) {
	f := &auditFlags{}
	fs := flag.NewFlagSet("campaign "+sub, flag.ContinueOnError)
	f.set(fs, campaign.DefaultParallel)
	var targets, db, name, canary string
	var perIP int
	fs.StringVar(&canary, "canary", campaign.DefaultCanary, canaryUsage)
	fs.StringVar(&targets, "targets", "", bi("`FICHIER` les organisations à auditer : un CSV ou une liste de domaines (obligatoire)",
		"`FILE` the organisations to audit: a CSV file or a list of domains (required)"))
	fs.StringVar(&db, "db", "", dbUsage)
	fs.StringVar(&name, "name", "", bi("`NOM` nom de la campagne (par défaut : le fichier et la date)", "`NAME` name of the campaign (default: the file and the date)"))
	fs.IntVar(&perIP, "per-ip", campaign.DefaultPerIP, bi("`N` audits simultanés au plus vers une même adresse web : celle du domaine (sinon de www), IPv4 d'abord, résolue par le cache DNS de la campagne ; les serveurs de messagerie ne comptent pas",
		"`N` audits at most at once against one web address: the domain's (else www's), IPv4 first, resolved through the campaign's DNS cache; mail hosts are not counted"))
	if code, ok := parseCampaignFlags(e, sub, fs, args); !ok {
		return c, code, false
	}
	for _, fl := range []string{"json", "fail-on"} {
		if flagGiven(fs, fl) {
			e.errorf(e.t(text{"campaign %[1]s : --%s est une option de « vigie audit »", "campaign %[1]s: --%s is an option of \"vigie audit\""}), sub, fl)
			return c, exitUsage, false
		}
	}
	switch {
	case targets == "":
		e.errorf(e.t(text{"campaign %[1]s : --targets FICHIER est obligatoire", "campaign %[1]s: --targets FILE is required"}), sub)
		return c, exitUsage, false
	case db == "":
		e.errorf(e.t(text{"campaign %[1]s : --db BASE est obligatoire", "campaign %[1]s: --db DB is required"}), sub)
		return c, exitUsage, false
	case sub == "submit" && !store.IsPostgres(db):
		e.errorf(e.t(text{"campaign submit : --db %s : les travailleurs partagent une base PostgreSQL (une URL postgres://)", "campaign submit: --db %s: workers share a PostgreSQL database (a postgres:// URL)"}), db)
		return c, exitUsage, false
	case perIP < 1:
		e.errorf(e.t(text{"campaign %[1]s : --per-ip %d : au moins 1", "campaign %[1]s: --per-ip %d: want at least 1"}), sub, perIP)
		return c, exitUsage, false
	}
	cfg, err := auditConfig(e, f)
	if err != nil {
		e.errorf("campaign %s: %v", sub, err)
		return c, exitUsage, false
	}
	if _, err := target.Parse(canary); err != nil || strings.Contains(canary, "/") {
		e.errorf(e.t(text{"campaign %[1]s : --canary « %s » n'est pas un nom de domaine", "campaign %[1]s: --canary %q is not a domain name"}), sub, canary)
		return c, exitUsage, false
	}
	opts, err := runOptions(f, cfg, targets, perIP)
	if err != nil {
		e.errorf("campaign %s: %v", sub, err)
		return c, exitFailed, false
	}
	opts.Canary = canary
	ccfg, err := campaign.NewConfig(opts, vigieVersion())
	if err != nil {
		e.errorf("campaign %s: %v", sub, err)
		return c, exitFailed, false
	}

	orgs, ok := readTargets(e, targets)
	if !ok {
		return c, exitFailed, false
	}
	jobs := 0
	for _, o := range orgs {
		jobs += len(o.Domains)
	}

	st, err := store.Open(ctx, db)
	if err != nil {
		e.errorf("%v", err)
		return c, exitFailed, false
	}
	reportRenames(ctx, e, st, orgs)
	now := time.Now().UTC()
	if name == "" {
		name = filepath.Base(targets) + " " + now.Format("2006-01-02 15:04")
	}
	id, err := st.CreateCampaign(ctx, &store.Campaign{Name: name, Created: now, Options: opts}, orgs)
	if err != nil {
		if ctx.Err() != nil {
			e.errorf(e.t(text{"campaign %[1]s : interrompu avant le début de la campagne", "campaign %[1]s: interrupted before the campaign started"}), sub)
			st.Close()
			return c, exitInterrupt, false
		}
		e.errorf("%v", err)
		st.Close()
		return c, exitFailed, false
	}
	fmt.Fprintf(e.stderr, e.t(text{"vigie: campagne %d « %s » : %d organisations, %d audits\n", "vigie: campaign %d %q: %d organisations, %d audits\n"}), id, name, len(orgs), jobs)
	return created{st: st, db: db, id: id, cfg: ccfg}, 0, true
}

// runOptions are the options "vigie campaign run" stores with the
// campaign, from its flags and their engine configuration: the trust
// anchor's records and the roots of SSL_CERT_FILE by value, so that a
// resume does not depend on the files.
func runOptions(f *auditFlags, cfg engine.Config, targets string, perIP int) (*store.CampaignOptions, error) {
	opts := &store.CampaignOptions{
		Targets: targets, Resolver: cfg.Resolver, Timeout: cfg.Timeout,
		HTTPPort: cfg.HTTPPort, HTTPSPort: cfg.HTTPSPort, SMTPPort: cfg.SMTPPort,
		DKIMSelectors: cfg.DKIMSelectors, AllowPrivate: cfg.AddressPolicy.Allowed(),
		Parallel: f.parallel, PerIP: perIP, Version: vigieVersion(),
		UserAgent: f.userAgent, Contact: f.contact,
		Services: cfg.Services, IPData: f.ipData,
		Pages: cfg.Pages, Browser: f.browser,
	}
	if f.browser {
		opts.BrowserParallel = f.browserParallel
	}
	if f.thirdParties != "" {
		data, err := os.ReadFile(f.thirdParties)
		if err != nil {
			return nil, fmt.Errorf("--third-parties: %v", err)
		}
		opts.ThirdParties = string(data)
	}
	if len(cfg.Anchors) > 0 {
		var b strings.Builder
		for _, rr := range cfg.Anchors {
			b.WriteString(rr.String() + "\n")
		}
		opts.Anchors, opts.AnchorName = b.String(), cfg.AnchorName
	}
	if file := os.Getenv("SSL_CERT_FILE"); file != "" {
		pem, err := campaign.ReadRoots(file)
		if err != nil {
			return nil, fmt.Errorf("SSL_CERT_FILE: %w", err)
		}
		opts.Roots, opts.RootsName = pem, "SSL_CERT_FILE="+file
	}
	return opts, nil
}

// flagGiven reports whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			given = true
		}
	})
	return given
}

// readTargets reads the targets file and reports its problems on stderr;
// it fails when the file cannot be read or gives no target.
func readTargets(e *env, name string) ([]store.Organisation, bool) {
	fh, err := os.Open(name)
	if err != nil {
		e.errorf("campaign run: %v", err)
		return nil, false
	}
	defer fh.Close()
	dec, err := campaign.DecodeTargets(fh, maxTargetsFile)
	switch {
	case errors.Is(err, campaign.ErrTooLarge):
		e.errorf(e.t(text{"%s : fichier de cibles trop gros (plus de %d Mio) : le découper en plusieurs campagnes", "%s: targets file too large (over %d MiB): split it into several campaigns"}), name, maxTargetsFile>>20)
		return nil, false
	case err != nil:
		e.errorf("%s: %v", name, err)
		return nil, false
	case dec.Guessed:
		e.errorf(e.t(text{"%s : lu en %s (encodage deviné, le fichier ne le dit pas) ; l'enregistrer en UTF-8 pour en être sûr", "%s: read as %s (encoding guessed, the file does not say); save it as UTF-8 to be sure"}), name, dec.Encoding)
	}
	orgs, problems, err := campaign.ReadTargets(bytes.NewReader(dec.Text))
	for _, p := range problems {
		if p.Column > 0 {
			e.errorf("%s:%d:%d: %s", name, p.Line, p.Column, lineMessage(e, p))
			continue
		}
		e.errorf("%s:%d: %s", name, p.Line, lineMessage(e, p))
	}
	var herr *campaign.HeaderError
	if errors.As(err, &herr) {
		e.errorf(e.t(text{"%s:1: l'en-tête n'a pas de colonne de domaines (colonnes trouvées : %s ; une colonne de domaines s'appelle domaine, domaines, domain, domains, site, site web ou url)",
			"%s:1: the header has no domain column (columns found: %s; a domain column is named domaine, domaines, domain, domains, site, site web or url)"}), name, strings.Join(herr.Found, ", "))
		return nil, false
	}
	if err != nil {
		e.errorf("%v", err)
		return nil, false
	}
	if len(problems) > 0 {
		e.errorf(e.t(text{"%s : %d ligne(s) ou domaine(s) ignoré(s), voir ci-dessus", "%s: %d line(s) or domain(s) skipped, see above"}), name, len(problems))
	}
	if len(orgs) == 0 {
		e.errorf(e.t(text{"%s : aucune cible valide", "%s: no valid target"}), name)
		return nil, false
	}
	return orgs, true
}

// lineMessage says in the user's language why a line of the targets file
// was skipped.
func lineMessage(e *env, p campaign.LineError) string {
	var de *campaign.DomainError
	var ce *campaign.ColumnError
	var me *campaign.MergeError
	var ie *campaign.IdentifierError
	var se *campaign.SelectorError
	switch {
	case errors.As(p.Err, &de):
		return targetMessage(e, de.Domain, de.Err)
	case errors.As(p.Err, &ie):
		return fmt.Sprintf(e.t(text{"identifiant « %s » mal formé (%s) : ligne ignorée", "malformed identifier %q (%s): line skipped"}), ie.ID, schemeForm(e, ie.Scheme))
	case errors.As(p.Err, &se):
		return fmt.Sprintf(e.t(text{"sélecteur DKIM « %s » ignoré : lettres, chiffres et tirets attendus, des points entre les étiquettes", "DKIM selector %q ignored: want letters, digits and hyphens, dots between labels"}), se.Selector)
	case errors.As(p.Err, &ce):
		return fmt.Sprintf(e.t(text{"colonne %d « %s » ignorée : une colonne précédente donne déjà %s", "column %d %q ignored: an earlier column gives the %s already"}),
			ce.Index, ce.Column, fieldWord(e, ce.Field))
	case errors.As(p.Err, &me):
		return fmt.Sprintf(e.t(text{"l'organisation « %s » revient avec %s « %s » : « %s » est gardé", "organisation %q listed again with the %s %q: %q kept"}),
			me.ID, fieldWord(e, me.Field), me.Dropped, me.Kept)
	case errors.Is(p.Err, campaign.ErrBrokenLine):
		return e.t(text{"ligne CSV illisible (guillemet mal placé, ou pas autant de champs que l'en-tête)", p.Err.Error()})
	case errors.Is(p.Err, campaign.ErrLineTooLong):
		return e.t(text{"ligne trop longue", "line too long"})
	case errors.Is(p.Err, campaign.ErrNoDomain):
		return e.t(text{"aucun domaine valide : « ", "no valid domain: \""}) + p.Text + e.t(text{" »", "\""})
	}
	return p.Err.Error()
}

// maxRenames bounds the renamed organisations "campaign run" lists.
const maxRenames = 10

// A rename is an organisation that the targets file names (or
// categorises) differently from the previous campaign.
type rename struct {
	id, field, old, new string
}

// renames compares the organisations of a targets file with those of the
// previous campaign, by identifier: a name or category that changed is a
// rename (an empty one in either is not: the file simply does not say).
// Renames come out in the order of orgs.
func renames(prev map[string]store.Organisation, orgs []store.Organisation) []rename {
	var out []rename
	for _, o := range orgs {
		p, ok := prev[o.ID]
		if !ok {
			continue
		}
		if o.Name != "" && p.Name != "" && o.Name != p.Name {
			out = append(out, rename{o.ID, "name", p.Name, o.Name})
		}
		if o.Category != "" && p.Category != "" && o.Category != p.Category {
			out = append(out, rename{o.ID, "category", p.Category, o.Category})
		}
	}
	return out
}

// reportRenames warns of the organisations whose name or category
// differ from the previous campaign in the store: an identifier reused
// for another body, or a body renamed. Each campaign keeps its own
// names; the warning is for the operator to check the file. A store
// that cannot say is reported and the campaign goes on.
func reportRenames(ctx context.Context, e *env, st store.Store, orgs []store.Organisation) {
	last, err := st.LatestCampaign(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return
	}
	prev := map[string]store.Organisation{}
	if err == nil {
		err = st.CampaignOrganisations(ctx, last.ID, func(o store.Organisation) error {
			prev[o.ID] = o
			return nil
		})
	}
	if err != nil {
		e.errorf(e.t(text{"campaign run : comparaison avec la campagne précédente impossible (%v) ; la campagne continue", "campaign run: could not compare with the previous campaign (%v); the campaign goes on"}), err)
		return
	}
	rs := renames(prev, orgs)
	if len(rs) == 0 {
		return
	}
	e.errorf(e.t(text{"attention : %d changement(s) de nom ou de catégorie depuis la campagne %d « %s » (identifiant réutilisé, ou organisation renommée ?) ; chaque campagne garde les siens :",
		"warning: %d change(s) of name or category since campaign %d %q (an identifier reused, or a body renamed?); each campaign keeps its own:"}), len(rs), last.ID, shortText(last.Name))
	for i, r := range rs {
		if i == maxRenames {
			e.errorf(e.t(text{"  et %d autre(s)", "  and %d more"}), len(rs)-maxRenames)
			break
		}
		e.errorf(e.t(text{"  %s : %s « %s » → « %s »", "  %s: %s %q → %q"}), shortText(r.id), fieldWord(e, r.field), shortText(r.old), shortText(r.new))
	}
}

// fieldWord names a field of the targets file in the user's language.
func fieldWord(e *env, field string) string {
	switch field {
	case "id":
		return e.t(text{"l'identifiant", "identifier"})
	case "name":
		return e.t(text{"le nom", "name"})
	case "category":
		return e.t(text{"la catégorie", "category"})
	case "domains":
		return e.t(text{"les domaines", "domains"})
	}
	return field
}

// execCampaign runs the campaign with its progress, and prints the
// summary or says how to resume.
func execCampaign(ctx context.Context, e *env, st store.Store, db string, id int64, cfg campaign.Config) int {
	meter := campaign.NewMeter(e.stderr, stderrIsTerminal(e.stderr), e.lang)
	meterCtx, stopMeter := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { meter.Run(meterCtx) })
	if cfg.Browser {
		b, err := startBrowser(ctx, e, cfg.BrowserParallel, cfg.BrowserRoots)
		if err != nil {
			stopMeter()
			wg.Wait()
			e.errorf("campaign: %v", err)
			return exitFailed
		}
		defer b.Close()
		cfg.Engine.Browser = b
	}
	err := campaign.Run(ctx, st, id, cfg, meter)
	stopMeter()
	wg.Wait()
	fmt.Fprint(e.stdout, meter.Summary())
	if code, ok := campaignError(e, db, id, err); ok {
		return code
	}
	switch {
	case errors.Is(err, campaign.ErrInterrupted):
		resume := "vigie campaign resume --db " + shellQuote(db) + " --campaign " + strconv.FormatInt(id, 10)
		e.errorf(e.t(text{"campagne %d interrompue ; les audits faits sont enregistrés, reprenez avec :\n  %s", "campaign %d interrupted; the audits done are stored, resume with:\n  %s"}), id, resume)
		return exitInterrupt
	case err != nil:
		e.errorf("%v", err)
		e.errorf(e.t(text{"les audits faits sont enregistrés ; une fois le problème réglé : vigie campaign resume --db %s --campaign %d",
			"the audits done are stored; once the problem is solved: vigie campaign resume --db %s --campaign %d"}), shellQuote(db), id)
		return exitFailed
	}
	fmt.Fprintf(e.stdout, e.t(text{"Campagne %d terminée.\n", "Campaign %d complete.\n"}), id)
	return exitOK
}

// stderrIsTerminal reports whether w is a terminal, for the progress bar.
func stderrIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
}

// shellQuote quotes s for a shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func campaignResume(ctx context.Context, e *env, args []string) int {
	tuneGC(campaignMemory)
	fs := flag.NewFlagSet("campaign resume", flag.ContinueOnError)
	var db, lang string
	var id int64
	var parallel, perIP int
	fs.StringVar(&db, "db", "", dbUsage)
	fs.Int64Var(&id, "campaign", 0, bi("`ID` la campagne à reprendre (par défaut, la dernière)", "`ID` the campaign to resume (default: the latest)"))
	fs.IntVar(&parallel, "parallel", 0, bi("`N` audits simultanés (par défaut, ceux du lancement)", "`N` audits at once (default: the run's)"))
	fs.IntVar(&perIP, "per-ip", 0, bi("`N` audits simultanés au plus vers une même adresse web (par défaut, ceux du lancement)",
		"`N` audits at most at once against one web address (default: the run's)"))
	fs.StringVar(&lang, "lang", defaultLang, langUsage)
	if code, ok := parseCampaignFlags(e, "resume", fs, args); !ok {
		return code
	}
	switch {
	case db == "":
		e.errorf(e.t(text{"campaign resume : --db BASE est obligatoire", "campaign resume: --db DB is required"}))
		return exitUsage
	case flagGiven(fs, "parallel") && parallel < 1:
		e.errorf(e.t(text{"campaign resume : --parallel %d : au moins 1", "campaign resume: --parallel %d: want at least 1"}), parallel)
		return exitUsage
	case flagGiven(fs, "per-ip") && perIP < 1:
		e.errorf(e.t(text{"campaign resume : --per-ip %d : au moins 1", "campaign resume: --per-ip %d: want at least 1"}), perIP)
		return exitUsage
	}
	st, err := openExistingStore(ctx, db)
	if err != nil {
		e.errorf("campaign resume: %v", err)
		return exitFailed
	}
	defer st.Close()
	c, cfg, err := campaign.Load(ctx, st, id, vigieVersion())
	switch {
	case errors.Is(err, store.ErrNotFound) && id != 0:
		e.errorf(e.t(text{"campaign resume : pas de campagne %d dans %s", "campaign resume: no campaign %d in %s"}), id, db)
		return exitFailed
	case errors.Is(err, store.ErrNotFound):
		e.errorf(e.t(text{"campaign resume : aucune campagne dans %s", "campaign resume: no campaign in %s"}), db)
		return exitFailed
	case errors.Is(err, campaign.ErrAbandoned):
		e.errorf(e.t(text{"campaign resume : la campagne %d est abandonnée (vigie campaign abandon) : elle n'est pas reprise", "campaign resume: campaign %d is abandoned (vigie campaign abandon): it is not resumed"}), c.ID)
		return exitFailed
	case errors.Is(err, campaign.ErrFinished):
		fmt.Fprintf(e.stdout, e.t(text{"Campagne %d déjà terminée (%s).\n", "Campaign %d already complete (%s).\n"}), c.ID, c.Finished.UTC().Format(time.RFC3339))
		return exitOK
	case err != nil && c != nil:
		e.errorf(e.t(text{"campaign resume : options de la campagne %d : %v", "campaign resume: options of campaign %d: %v"}), c.ID, err)
		return exitFailed
	case err != nil:
		e.errorf("%v", err)
		return exitFailed
	}
	if parallel > 0 {
		cfg.Parallel = parallel
	}
	if perIP > 0 {
		cfg.PerIP = perIP
	}
	fmt.Fprintf(e.stderr, e.t(text{"vigie: reprise de la campagne %d « %s »\n", "vigie: resuming campaign %d %q\n"}), c.ID, c.Name)
	return execCampaign(ctx, e, st, db, c.ID, cfg)
}

// statusCount is how many campaigns "vigie campaign status" shows.
const statusCount = 10

func campaignStatus(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("campaign status", flag.ContinueOnError)
	var db, lang string
	var asJSON bool
	var id int64
	fs.StringVar(&db, "db", "", dbUsage)
	fs.BoolVar(&asJSON, "json", false, bi("un objet JSON (voir le README : champs campaigns[], id, name, status, done, total... ; avec --campaign : jobs, done, pending, running, failed, workers[])", "a JSON object (see the README: fields campaigns[], id, name, status, done, total...; with --campaign: jobs, done, pending, running, failed, workers[])"))
	fs.Int64Var(&id, "campaign", 0, bi("`ID` une seule campagne, avec ses tâches dans la file et les travailleurs (vigie worker) et leur dernier battement", "`ID` one campaign, with its jobs in the queue and the workers (vigie worker) with their last heartbeat"))
	fs.StringVar(&lang, "lang", defaultLang, langUsage)
	if code, ok := parseCampaignFlags(e, "status", fs, args); !ok {
		return code
	}
	if db == "" {
		e.errorf(e.t(text{"campaign status : --db BASE est obligatoire", "campaign status: --db DB is required"}))
		return exitUsage
	}
	st, err := openReadOnlyStore(ctx, e, db)
	if err != nil {
		e.errorf("campaign status: %v", err)
		return exitFailed
	}
	defer st.Close()
	if id != 0 {
		return campaignQueueStatus(ctx, e, st, db, id, asJSON)
	}
	list, err := st.ListCampaigns(ctx, 0, statusCount)
	if err != nil {
		e.errorf("%v", err)
		return exitFailed
	}
	if asJSON {
		return writeJSON(e, "campaign status", statusOf(list))
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, e.t(text{"Aucune campagne.", "No campaign."}))
		return exitOK
	}
	for _, c := range list {
		state := e.t(text{"terminée " + c.Finished.UTC().Format("2006-01-02 15:04:05Z"), "complete " + c.Finished.UTC().Format("2006-01-02 15:04:05Z")})
		if c.Status != store.StatusFinished {
			state = e.t(text{"inachevée (vigie campaign resume)", "unfinished (vigie campaign resume)"})
		}
		if c.Status == store.StatusAbandoned {
			state = e.t(text{"abandonnée", "abandoned"})
		}
		pct := 100.0
		if c.Total > 0 {
			pct = 100 * float64(c.Done) / float64(c.Total)
		}
		fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%d/%d\t%.0f%%\t%s\n", c.ID, c.Name, c.Created.UTC().Format("2006-01-02 15:04:05Z"), c.Done, c.Total, pct, state)
	}
	return exitOK
}

// openExistingStore opens the store named by dsn for the commands that
// write to an existing one (resume; those that only read use
// openReadOnlyStore): opening a SQLite file that is not there would create
// an empty database and hide a mistyped name.
func openExistingStore(ctx context.Context, dsn string) (store.Store, error) {
	if !store.IsPostgres(dsn) {
		if _, err := os.Stat(dsn); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, dsn)
}

// schemeForm says in the user's language what an identifier of the
// scheme looks like.
func schemeForm(e *env, scheme string) string {
	switch scheme {
	case "siren":
		return e.t(text{"un SIREN a 9 chiffres dont le dernier est une clé de Luhn", "a SIREN is 9 digits, the last a Luhn check digit"})
	case "insee":
		return e.t(text{"un code INSEE a 5 caractères : des chiffres, ou 2A/2B et 3 chiffres pour la Corse", "an INSEE code is 5 characters: digits, or 2A/2B and 3 digits for Corsica"})
	case "finess":
		return e.t(text{"un FINESS a 9 caractères : des chiffres, ou 2A/2B et 7 chiffres pour la Corse", "a FINESS is 9 characters: digits, or 2A/2B and 7 digits for Corsica"})
	}
	return scheme
}

// shortText is s from a targets file or the store, made fit for a
// terminal line: without control characters, at most 120 runes.
func shortText(s string) string {
	s = audit.StripControls(s)
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}
