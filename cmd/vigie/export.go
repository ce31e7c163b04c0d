package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/export"
)

// exportAbout and exportNotes are the help of "vigie export" around its
// options.
var (
	exportAbout = text{`Exporte en données ouvertes le dernier audit de chaque domaine de chaque
organisation de la base, prêt à publier tel quel sur un portail de
données ouvertes. Les formats se répètent ou se séparent par des virgules
(--format csv,json,parquet, le défaut, ou xlsx) :

  csv      organisations.csv (une ligne par organisation et domaine : note,
           points par domaine, plafonds, constats par gravité) et
           findings.csv (une ligne par constat), en UTF-8, séparés par des
           virgules (RFC 4180), chacun décrit par un Table Schema
           (organisations.schema.json, findings.schema.json) et reliés par
           datapackage.json (Frictionless Data)
  json     audits.jsonl (JSON Lines : un audit par ligne, avec ses
           observations et son organisation) et organisations.json (les
           lignes de organisations.csv, typées)
  parquet  organisations.parquet et findings.parquet (les colonnes des CSV,
           typées)
  xlsx     vigie.xlsx, un classeur (pas par défaut) : une feuille par table
           des CSV, cellules typées (nombres, dates en UTC, texte, jamais de
           formule), titres de colonnes en français (en anglais avec --lang
           en), ligne d'en-tête figée

Par défaut, l'export contient le dernier audit de chaque domaine ;
--history exporte chaque audit de chaque campagne, --campaigns DE..À
celles d'un intervalle de numéros, --campaign ID une seule : une ligne par
organisation, domaine et campagne, la campagne faisant partie des clés des
Table Schemas. Chaque ligne porte le numéro et la date de sa campagne.

--omit evidence,addresses,certificates,observations laisse de côté, dans
tous les fichiers, ce que l'opérateur ne veut pas publier : les preuves
des constats (--no-evidence), les adresses IP (remplacées par [omitted]
dans les textes), les sujets, émetteurs et numéros de série des
certificats, les observations de audits.jsonl. Les Table Schemas et le
champ « omitted » de audits.jsonl le disent.

Chaque export écrit aussi catalog.jsonld, les métadonnées DCAT-AP du jeu
de données : titre et description en français et en anglais, éditeur,
licence, période des audits, point de contact (--contact), fréquence de
publication (--periodicity), page d'accueil (--landing-page), version de
vigie, et pour chaque fichier son format, sa taille et son empreinte
SHA-256. Les fichiers sont écrits sous un nom temporaire
puis renommés ensemble : un export qui échoue ne laisse rien à moitié
écrit ; les fichiers de même nom sont remplacés. L'export est ensuite vérifié :
les CSV contre leurs Table Schemas, chaque fichier contre sa taille et son
empreinte dans le catalogue ; un écart donne le code de sortie 1.

Les données publiées sont des faits, pas le texte brut des serveurs
audités : par défaut, audits.jsonl ne contient ni les pages web, ni les
en-têtes HTTP autres que ceux de sécurité, ni les cookies tels que reçus,
ni le fichier security.txt, ni le texte de la politique MTA-STS (ses
champs lus sont gardés), ni les bannières SMTP ; le champ « omitted » de
chaque ligne le dit. Les caractères de contrôle sont retirés de tous les
fichiers (échappés dans les résultats JSON), et une cellule de texte d'un
CSV qui commence par =, +, -, @, une tabulation ou un retour chariot est
précédée d'une apostrophe (') pour qu'un tableur ne l'exécute pas comme une
formule (recommandation de l'OWASP contre l'injection CSV).

Une ligne de la base illisible (corrompue, trop grande, refusée par le
décodeur) est signalée sur la sortie d'erreur avec sa campagne, son
organisation, son domaine et son numéro de ligne, comptée dans le résumé
et laissée de côté : l'export continue et réussit (code 0).
`, `Exports as open data the latest audit of every domain of every
organisation in the database, ready to publish as it is on an open data
portal. Formats may be repeated or separated by commas (--format
csv,json,parquet, the default, or xlsx):

  csv      organisations.csv (one row per organisation and domain: grade,
           points per area, caps, findings by severity) and findings.csv
           (one row per finding), UTF-8, comma separated (RFC 4180), each
           described by a Table Schema (organisations.schema.json,
           findings.schema.json) and tied by datapackage.json
           (Frictionless Data)
  json     audits.jsonl (JSON Lines: one audit a line, with its
           observations and organisation) and organisations.json (the rows
           of organisations.csv, typed)
  parquet  organisations.parquet and findings.parquet (the columns of the
           CSV files, typed)
  xlsx     vigie.xlsx, a workbook (not by default): one sheet per table of
           the CSV files, typed cells (numbers, dates in UTC, text, never a
           formula), column titles in French (in English with --lang en),
           frozen header row

By default the export holds the latest audit of every domain; --history
exports every audit of every campaign, --campaigns FROM..TO those of a
range of numbers, --campaign ID a single one: one row per organisation,
domain and campaign, the campaign being part of the Table Schemas' keys.
Every row carries its campaign's number and date.

--omit evidence,addresses,certificates,observations leaves out of every
file what the operator does not want to publish: the findings' evidence
(--no-evidence), IP addresses (replaced by [omitted] in texts), the
certificates' subjects, issuers and serial numbers, the observations of
audits.jsonl. The Table Schemas and audits.jsonl's "omitted" field say so.

Every export also writes catalog.jsonld, the data set's DCAT-AP metadata:
title and description in French and English, publisher, licence, time
span of the audits, contact point (--contact), publication frequency
(--periodicity), landing page (--landing-page), vigie's version, and each
file's format, size and SHA-256 checksum.
Files are written under temporary names and renamed together: a failed
export leaves nothing half-written; files of the same names are replaced.
The export is then checked: the CSV files against their Table Schemas,
every file against its size and checksum in the catalogue; a mismatch
gives exit code 1.

The published data are facts, not the raw text of the audited servers: by
default audits.jsonl holds no web page, no HTTP header but the security
ones, no cookie as received, no security.txt file, no MTA-STS policy text
(its parsed fields are kept) and no SMTP banner; each line's "omitted"
field says so. Control characters are removed from every file (escaped in
the JSON results), and a CSV text cell that starts with =, +, -, @, a tab
or a carriage return gets a single quote (') before it, so that a
spreadsheet does not run it as a formula (OWASP's advice against CSV
injection).

A row of the database that cannot be read (corrupt, too large, refused by
the decoder) is reported on standard error with its campaign,
organisation, domain and row number, counted in the summary and left out:
the export goes on and succeeds (exit code 0).
`}
	exportNotes = text{`Codes de sortie : 0 export écrit (même avec des lignes illisibles laissées
de côté), 1 export impossible (base absente ou vide, aucune ligne lisible,
dossier non inscriptible, aucune campagne dans l'intervalle demandé), 2
ligne de commande invalide (dont --contact, --periodicity, --landing-page,
--omit, --campaigns).
`, `Exit codes: 0 export written (even with unreadable rows left out), 1
export impossible (database missing or empty, no readable row, directory
not writable, no campaign in the asked range), 2 invalid command line
(--contact, --periodicity, --landing-page, --omit, --campaigns included).
`}
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// runExport is "vigie export".
func runExport(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := fs.String("db", "", dbUsage)
	out := fs.String("out", "", bi("`DOSSIER` où écrire les fichiers (créé au besoin ; obligatoire)", "`DIR` where to write the files (created if needed; required)"))
	var formats listFlag
	fs.Var(&formats, "format", bi("`FORMAT` csv, json, parquet ou xlsx ; répétable, ou séparés par des virgules (csv, json et parquet par défaut)",
		"`FORMAT` csv, json, parquet or xlsx; repeatable, or separated by commas (default: csv, json and parquet)"))
	history := fs.Bool("history", false, bi("exporte l'historique : chaque audit de chaque campagne, une ligne par organisation, domaine et campagne (au lieu du dernier audit de chaque domaine)",
		"export the history: every audit of every campaign, one row per organisation, domain and campaign (instead of the latest audit of each domain)"))
	campaigns := fs.String("campaigns", "", bi("`DE..À` exporte l'historique des campagnes de numéro DE à À, bornes comprises (« 3..7 », « 3.. », « ..7 »)",
		"`FROM..TO` export the history of the campaigns numbered FROM to TO, both included (\"3..7\", \"3..\", \"..7\")"))
	campaignID := fs.Int64("campaign", 0, bi("`ID` exporte les audits de cette seule campagne", "`ID` export the audits of this campaign only"))
	publisher := fs.String("publisher", "", bi("`NOM` l'éditeur des données (vigie par défaut)", "`NAME` the publisher of the data (default vigie)"))
	title := fs.String("title", "", bi("`TITRE` titre du jeu de données (par défaut, un titre de vigie en français et en anglais)",
		"`TITLE` title of the data set (default: a vigie title, in French and English)"))
	license := fs.String("license", "", bi("`URL` la licence (par défaut, la Licence Ouverte 2.0, etalab-2.0 : "+export.Etalab20+")",
		"`URL` the licence (default: the Licence Ouverte 2.0, etalab-2.0: "+export.Etalab20+")"))
	baseURL := fs.String("base-url", "", bi("`URL` préfixe des adresses de téléchargement dans le catalogue (sinon relatives au catalogue)",
		"`URL` prefix of the download URLs in the catalogue (otherwise relative to the catalogue)"))
	contact := fs.String("contact", "", bi("`URL` point de contact du jeu de données dans le catalogue : une adresse mailto: ou une URL http(s)",
		"`URL` contact point of the data set in the catalogue: a mailto: address or an http(s) URL"))
	periodicity := fs.String("periodicity", "", bi("`CODE` fréquence de publication, code du vocabulaire européen des fréquences (WEEKLY, MONTHLY, DAILY, IRREG…)",
		"`CODE` publication frequency, a code of the EU frequency vocabulary (WEEKLY, MONTHLY, DAILY, IRREG...)"))
	landing := fs.String("landing-page", "", bi("`URL` page web qui présente le jeu de données", "`URL` web page that presents the data set"))
	var omit listFlag
	fs.Var(&omit, "omit", bi("`CHAMPS` ce qu'il ne faut pas publier, séparé par des virgules : evidence (les preuves des constats), addresses (toute adresse IP, remplacée par [omitted] dans les textes), certificates (sujets, émetteurs et numéros de série des certificats), observations (audits.jsonl sans observations : rescore ne peut plus les rejuger)",
		"`FIELDS` what not to publish, separated by commas: evidence (the findings' evidence), addresses (every IP address, replaced by [omitted] in texts), certificates (the certificates' subjects, issuers and serial numbers), observations (audits.jsonl without observations: rescore can no longer judge them again)"))
	noEvidence := fs.Bool("no-evidence", false, bi("comme --omit evidence", "same as --omit evidence"))
	fullObs := fs.Bool("full-observations", false, bi("publie dans audits.jsonl les observations entières, texte brut des serveurs distants compris (pages, en-têtes, bannières) : pour la recherche, en sachant ce que l'on publie",
		"publish the whole observations in audits.jsonl, the raw text of remote servers included (pages, headers, banners): for research, knowing what is published"))
	fs.String("lang", defaultLang, langUsage) // read by langOf
	if err := e.parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return e.usage(fs)
		}
		e.errorf("%s", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		e.errorf(e.t(text{"« export » ne prend pas d'argument : %q", "\"export\" takes no argument: %q"}), fs.Args())
		return exitUsage
	}
	if *db == "" || *out == "" {
		e.errorf(e.t(text{"« export » demande --db BASE et --out DOSSIER ; voir « vigie help export »", "\"export\" needs --db DB and --out DIR; see \"vigie help export\""}))
		return exitUsage
	}
	if len(formats) == 0 {
		formats = listFlag{strings.Join(export.DefaultFormats, ",")}
	}
	fmts, err := export.ParseFormats(formats...)
	if err != nil {
		e.errorf(e.t(text{"--format : %s (csv, json, parquet ou xlsx)", "--format: %s"}), err)
		return exitUsage
	}
	opts := export.Options{FullObservations: *fullObs, Lang: e.lang}
	if *noEvidence {
		omit = append(omit, export.OmitEvidence)
	}
	if opts.Omit, err = export.ParseOmit(omit...); err != nil {
		e.errorf(e.t(text{"--omit : %s", "--omit: %s"}), err)
		return exitUsage
	}
	if n := countSet(*history, *campaigns != "", *campaignID != 0); n > 1 {
		e.errorf(e.t(text{"--history, --campaigns et --campaign s'excluent : choisissez-en un", "--history, --campaigns and --campaign exclude each other: choose one"}))
		return exitUsage
	}
	switch {
	case *history:
		opts.History = true
	case *campaigns != "":
		opts.From, opts.To, err = parseCampaignRange(*campaigns)
		if err != nil {
			e.errorf(e.t(text{"--campaigns %q : %s ; attendu DE..À, par exemple 3..7, 3.. ou ..7", "--campaigns %q: %s; want FROM..TO, for example 3..7, 3.. or ..7"}), *campaigns, err)
			return exitUsage
		}
		opts.History = true
	case *campaignID < 0:
		e.errorf(e.t(text{"--campaign %d : un numéro de campagne est positif", "--campaign %d: a campaign number is positive"}), *campaignID)
		return exitUsage
	case *campaignID > 0:
		opts.History, opts.From, opts.To = true, *campaignID, *campaignID
	}
	st, err := openReadOnlyStore(ctx, e, *db)
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		e.errorf(e.t(text{"pas de base %s : %s", "no database %s: %s"}), *db, err)
		return exitFailed
	case err != nil:
		e.errorf("%s", err)
		return exitFailed
	}
	defer st.Close()
	meta := export.DefaultMetadata()
	if *publisher != "" {
		meta.Publisher = *publisher
	}
	if *title != "" {
		meta.Title = audit.Text{FR: *title, EN: *title}
	}
	if *license != "" {
		meta.License = *license
	}
	meta.BaseURL = *baseURL
	meta.ContactPoint, meta.Periodicity, meta.LandingPage = *contact, *periodicity, *landing
	if err := export.CheckMetadata(meta); err != nil {
		e.errorf(e.t(text{"--contact, --periodicity ou --landing-page invalide, rien n'est écrit : %s", "invalid --contact, --periodicity or --landing-page, nothing written: %s"}), err)
		return exitUsage
	}
	meta.Issued = time.Now()
	meta.Version = vigieVersion()
	sum, err := export.Write(ctx, st, strings.Join(fmts, ","), *out, meta, opts)
	// A row that cannot be read is named, whatever becomes of the export.
	for _, u := range sum.Unreadable {
		e.errorf(e.t(text{"ligne %d illisible, laissée de côté : campagne %d, organisation %q, domaine %q : %s", "unreadable row %d left out: campaign %d, organisation %q, domain %q: %s"}),
			u.Row, u.CampaignID, u.Organisation, u.Domain, u.Reason)
	}
	switch {
	case errors.Is(err, export.ErrNoCampaign):
		e.errorf(e.t(text{"la base %s n'a aucune campagne %s", "the database %s has no campaign %s"}), *db, campaignsText(e, opts))
		return exitFailed
	case errors.Is(err, export.ErrEmpty) && opts.History:
		e.errorf(e.t(text{"la base %s ne contient aucun audit des campagnes %s", "the database %s holds no audit of the campaigns %s"}), *db, campaignsText(e, opts))
		return exitFailed
	case errors.Is(err, export.ErrEmpty):
		e.errorf(e.t(text{"la base %s ne contient aucun audit : lancez d'abord « vigie campaign run »", "the database %s holds no audit: run \"vigie campaign run\" first"}), *db)
		return exitFailed
	case ctx.Err() != nil:
		e.errorf(e.t(text{"export interrompu", "export interrupted"}))
		return exitInterrupt
	case err != nil:
		e.errorf("%s", err)
		return exitFailed
	}
	fmt.Fprintf(e.stdout, e.t(text{"export écrit dans %s :\n", "export written to %s:\n"}), *out)
	for _, name := range export.FileNames(fmts) {
		fmt.Fprintf(e.stdout, "  %s\n", name)
	}
	if n := len(sum.Unreadable); n > 0 {
		fmt.Fprintf(e.stdout, e.t(text{"%d lignes illisibles de la base laissées de côté (détail sur la sortie d'erreur)\n", "%d unreadable rows of the database left out (details on standard error)\n"}), n)
	}
	if len(opts.Omit) > 0 {
		fmt.Fprintf(e.stdout, e.t(text{"laissé de côté dans tous les fichiers : %s\n", "left out of every file: %s\n"}), strings.Join(opts.Omit, ", "))
	}
	if *fullObs {
		fmt.Fprintln(e.stdout, e.t(text{"audits.jsonl : observations entières, texte brut des serveurs distants compris", "audits.jsonl: whole observations, raw text of remote servers included"}))
	}
	// What is published must hold to its own description: the CSV files
	// to their Table Schemas, every file to its size and checksum in the
	// catalogue.
	if errs := export.ValidateDir(*out); len(errs) > 0 {
		for _, err := range errs {
			e.errorf("%s", err)
		}
		e.errorf(e.t(text{"l'export ne respecte pas ses propres schémas (%d problèmes)", "the export does not hold to its own schemas (%d problems)"}), len(errs))
		return exitFailed
	}
	fmt.Fprintln(e.stdout, e.t(text{"vérifié : fichiers CSV conformes à leurs Table Schemas, sans formule ni caractère de contrôle, tailles et empreintes conformes au catalogue", "checked: CSV files valid against their Table Schemas, with no formula and no control character, sizes and checksums as in the catalogue"}))
	return exitOK
}

// countSet counts the true values.
func countSet(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// parseCampaignRange reads FROM..TO, either end left out for no bound.
// Its errors name the part that is wrong, in no language: the caller
// says the rest.
func parseCampaignRange(s string) (from, to int64, err error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		return 0, 0, errors.New("« .. » ?")
	}
	for _, p := range []struct {
		s string
		v *int64
	}{{a, &from}, {b, &to}} {
		p.s = strings.TrimSpace(p.s)
		if p.s == "" {
			continue
		}
		n, err := strconv.ParseInt(p.s, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, fmt.Errorf("%q", p.s)
		}
		*p.v = n
	}
	if from == 0 && to == 0 {
		return 0, 0, errors.New("..")
	}
	if to != 0 && from > to {
		return 0, 0, fmt.Errorf("%d > %d", from, to)
	}
	return from, to, nil
}

// campaignsText says which campaigns an export asked for.
func campaignsText(e *env, o export.Options) string {
	switch {
	case o.From == 0 && o.To == 0:
		return ""
	case o.From == o.To:
		return fmt.Sprintf("%d", o.From)
	case o.To == 0:
		return fmt.Sprintf(e.t(text{"à partir de %d", "from %d"}), o.From)
	case o.From == 0:
		return fmt.Sprintf(e.t(text{"jusqu'à %d", "up to %d"}), o.To)
	}
	return fmt.Sprintf(e.t(text{"de %d à %d", "from %d to %d"}), o.From, o.To)
}
