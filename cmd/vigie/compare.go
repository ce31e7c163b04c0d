package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/export"
	"vigie.eu/vigie/internal/store"
)

// compareColumns is the header of "vigie campaign compare --format csv".
var compareColumns = []string{"org_id", "org_name", "category", "domain", "change",
	"grade_before", "points_before", "grade_after", "points_after", "delta",
	"added", "fixed", "error_before", "error_after",
	"grade_delta", "www_domain", "www_change", "www_grade_before", "www_points_before",
	"www_grade_after", "www_points_after", "www_delta"}

// compareText says which columns of compareColumns hold text: all but
// the points and the delta, which may be negative.
var compareText = []bool{true, true, true, true, true, true, false, true, false, false, true, true, true, true,
	false, true, true, true, false, true, false, false}

// changeNames name the kinds of change in the text report.
var changeNames = map[string]text{
	campaign.Worse:    {"en baisse", "worse"},
	campaign.Better:   {"en hausse", "better"},
	campaign.Same:     {"stables", "unchanged"},
	campaign.Unscored: {"sans note", "unscored"},
	campaign.New:      {"nouveaux", "new"},
	campaign.Gone:     {"disparus", "gone"},
}

func campaignCompare(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("campaign compare", flag.ContinueOnError)
	var db, lang, format string
	var from, to int64
	var asJSON, unfinished bool
	fs.StringVar(&db, "db", "", dbUsage)
	fs.Int64Var(&from, "from", 0, bi("`ID` la campagne d'avant (par défaut, celle qui précède --to)", "`ID` the campaign before (default: the one before --to)"))
	fs.Int64Var(&to, "to", 0, bi("`ID` la campagne d'après (par défaut, la dernière)", "`ID` the campaign after (default: the latest)"))
	fs.StringVar(&format, "format", "text", bi("`text|csv` format du résultat", "`text|csv` format of the result"))
	fs.BoolVar(&asJSON, "json", false, bi("un objet JSON (voir le README : champs from, to, counts, rows[]...)", "a JSON object (see the README: fields from, to, counts, rows[]...)"))
	fs.BoolVar(&unfinished, "include-unfinished", false, bi("prend aussi les campagnes inachevées ou abandonnées comme --from et --to par défaut", "also take unfinished or abandoned campaigns as the default --from and --to"))
	fs.StringVar(&lang, "lang", defaultLang, langUsage)
	if code, ok := parseCampaignFlags(e, "compare", fs, args); !ok {
		return code
	}
	switch {
	case db == "":
		e.errorf(e.t(text{"campaign compare : --db BASE est obligatoire", "campaign compare: --db DB is required"}))
		return exitUsage
	case asJSON && flagGiven(fs, "format"):
		e.errorf(e.t(text{"campaign compare : --json et --format s'excluent", "campaign compare: --json and --format exclude each other"}))
		return exitUsage
	case format != "text" && format != "csv":
		e.errorf(e.t(text{"campaign compare : --format %q : text ou csv", "campaign compare: --format %q: text or csv"}), format)
		return exitUsage
	}
	st, err := openReadOnlyStore(ctx, e, db)
	if err != nil {
		e.errorf("campaign compare: %v", err)
		return exitFailed
	}
	defer st.Close()
	before, after, err := comparedCampaigns(ctx, e, st, from, to, unfinished)
	if err != nil {
		e.errorf("campaign compare: %v", err)
		return exitFailed
	}
	summaries := map[int64]store.CampaignSummary{}
	for _, c := range []*store.Campaign{before, after} {
		sum, err := campaignSummary(ctx, st, c.ID)
		if err != nil {
			e.errorf("campaign compare: %v", err)
			return exitFailed
		}
		summaries[c.ID] = sum
		if sum.Status != store.StatusFinished {
			e.errorf(e.t(text{"attention : la campagne %d n'est pas terminée (%s, %d/%d) : ses domaines non audités comptent comme absents",
				"warning: campaign %d is not finished (%s, %d/%d): its domains not audited count as absent"}), c.ID, sum.Status, sum.Done, sum.Total)
		}
	}

	if services := func(c *store.Campaign) bool { return c.Options != nil && c.Options.Services }; services(before) != services(after) {
		e.errorf(e.t(text{"attention : le sondage des services (--services) n'a tourné que dans l'une des deux campagnes : la surface d'attaque compte d'un côté seulement, et des scores changent pour cette seule raison",
			"warning: the services probe (--services) ran in only one of the two campaigns: the attack surface counts on one side only, and scores change for that reason alone"}))
	}
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	counts := map[string]int{}
	methodology := ""
	var changes []campaign.Change
	err = campaign.Compare(ctx, st, before.ID, after.ID, func(c campaign.Change) error {
		counts[c.Kind()]++
		if c.After != nil && c.After.Methodology != "" {
			methodology = c.After.Methodology
		}
		changes = append(changes, c)
		return nil
	})
	if err != nil {
		e.errorf("campaign compare: %v", err)
		return exitFailed
	}
	rows := campaign.Group(changes) // largest change first
	switch {
	case asJSON:
		if err := writeComparisonJSON(w, summaries[before.ID], summaries[after.ID], methodology, counts, rows); err != nil {
			e.errorf("campaign compare: %v", err)
			return exitFailed
		}
	case format == "csv":
		cw := export.NewCSVWriter(w, compareText) // no formula, no control character
		cw.LF = true
		cw.Write(compareColumns)
		for _, r := range rows {
			if err := cw.Write(compareRow(r)); err != nil {
				e.errorf("campaign compare: %v", err)
				return exitFailed
			}
		}
	default:
		writeComparison(w, e, before, after, methodology, counts, rows)
	}
	if err := w.Flush(); err != nil {
		e.errorf("campaign compare: %v", err)
		return exitFailed
	}
	return exitOK
}

// comparedCampaigns finds the two campaigns to compare: to, by default
// the latest finished one, and from, by default the finished one before
// it; with unfinished, the defaults are the latest and the one before it,
// finished or not. A campaign given by ID is taken as it is.
func comparedCampaigns(ctx context.Context, e *env, st store.Store, from, to int64, unfinished bool) (*store.Campaign, *store.Campaign, error) {
	var after *store.Campaign
	var err error
	if to == 0 {
		var id int64
		id, err = previousCampaign(ctx, st, 0, unfinished)
		if err == nil {
			after, err = st.Campaign(ctx, id)
		}
	} else {
		after, err = st.Campaign(ctx, to)
	}
	if errors.Is(err, store.ErrNotFound) {
		switch {
		case to != 0:
			return nil, nil, fmt.Errorf(e.t(text{"pas de campagne %d", "no campaign %d"}), to)
		case !unfinished:
			return nil, nil, errors.New(e.t(text{"aucune campagne terminée dans la base (--include-unfinished prend aussi les autres)", "no finished campaign in the database (--include-unfinished takes the others too)"}))
		}
		return nil, nil, errors.New(e.t(text{"aucune campagne dans la base", "no campaign in the database"}))
	}
	if err != nil {
		return nil, nil, err
	}
	if from != 0 {
		before, err := st.Campaign(ctx, from)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, fmt.Errorf(e.t(text{"pas de campagne %d", "no campaign %d"}), from)
		}
		if err == nil && from == after.ID {
			err = fmt.Errorf(e.t(text{"--from et --to désignent la même campagne %d", "--from and --to name the same campaign %d"}), from)
		}
		return before, after, err
	}
	id, err := previousCampaign(ctx, st, after.ID, unfinished)
	if err == nil {
		before, err := st.Campaign(ctx, id)
		return before, after, err
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	if !unfinished {
		return nil, nil, fmt.Errorf(e.t(text{"aucune campagne terminée avant la campagne %d : rien à quoi la comparer (--from ID, ou --include-unfinished)", "no finished campaign before campaign %d: nothing to compare it with (--from ID, or --include-unfinished)"}), after.ID)
	}
	return nil, nil, fmt.Errorf(e.t(text{"la campagne %d est la première : rien à quoi la comparer (--from ID)", "campaign %d is the first: nothing to compare it with (--from ID)"}), after.ID)
}

// previousCampaign returns the ID of the newest campaign with an ID below
// before (any when before is 0) that is finished, or of any status when
// unfinished is set; store.ErrNotFound when there is none.
func previousCampaign(ctx context.Context, st store.Store, before int64, unfinished bool) (int64, error) {
	const page = 64
	for {
		list, err := st.ListCampaigns(ctx, before, page)
		if err != nil {
			return 0, err
		}
		for _, c := range list {
			if unfinished || c.Status == store.StatusFinished {
				return c.ID, nil
			}
		}
		if len(list) < page {
			return 0, store.ErrNotFound
		}
		before = list[len(list)-1].ID
	}
}

// campaignSummary returns the summary (status, progress) of campaign id.
func campaignSummary(ctx context.Context, st store.Store, id int64) (store.CampaignSummary, error) {
	list, err := st.ListCampaigns(ctx, id+1, 1)
	if err != nil {
		return store.CampaignSummary{}, err
	}
	if len(list) == 0 || list[0].ID != id {
		return store.CampaignSummary{}, fmt.Errorf("campaign %d: %w", id, store.ErrNotFound)
	}
	return list[0], nil
}

// sideCells are the grade and points of a side, empty when unscored.
func sideCells(s *campaign.Side) []string {
	if s == nil || s.Grade == "" {
		return []string{"", ""}
	}
	return []string{s.Grade, strconv.Itoa(s.Points)}
}

// deltaCell is the points delta of c, empty unless both sides are scored.
func deltaCell(c *campaign.Change) string {
	if k := c.Kind(); k == campaign.Worse || k == campaign.Better || k == campaign.Same {
		return strconv.Itoa(c.Delta())
	}
	return ""
}

// compareRow is the CSV row of r: the domain's change, then its www
// counterpart's, whose cells are filled only when it changed otherwise.
func compareRow(r campaign.Row) []string {
	c := &r.Change
	row := []string{c.Org.ID, c.Org.Name, c.Org.Category, c.Domain, c.Kind()}
	row = append(row, sideCells(c.Before)...)
	row = append(row, sideCells(c.After)...)
	row = append(row, deltaCell(c), findingList(c.Added), findingList(c.Fixed))
	for _, s := range []*campaign.Side{c.Before, c.After} {
		if s == nil {
			row = append(row, "")
			continue
		}
		row = append(row, s.Error)
	}
	gradeDelta := ""
	if deltaCell(c) != "" {
		gradeDelta = strconv.Itoa(c.GradeDelta())
	}
	row = append(row, gradeDelta)
	if r.WWW == nil {
		return append(row, "", "", "", "", "", "", "")
	}
	row = append(row, r.WWW.Domain)
	if !r.WWWDiffers() {
		return append(row, "", "", "", "", "", "")
	}
	row = append(row, r.WWW.Kind())
	row = append(row, sideCells(r.WWW.Before)...)
	row = append(row, sideCells(r.WWW.After)...)
	return append(row, deltaCell(r.WWW))
}

// findingList is "id (subject); id (subject)...".
func findingList(fs []audit.Finding) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, f.ID+" ("+f.Subject+")")
	}
	return strings.Join(parts, "; ")
}

// writeComparison writes the text report: the two campaigns, the counts,
// then the sites that got worse, better and those scored on one side
// only, largest change first, with the findings that came and went; a
// domain and its www counterpart are one line, or two when they changed
// differently; those in error both times are only counted.
func writeComparison(w *bufio.Writer, e *env, before, after *store.Campaign, methodology string, counts map[string]int, rows []campaign.Row) {
	name := func(c *store.Campaign) string {
		return fmt.Sprintf(e.t(text{"campagne %d « %s » (%s)", "campaign %d %q (%s)"}), c.ID, c.Name, c.Created.UTC().Format("2006-01-02"))
	}
	fmt.Fprintf(w, "%s → %s\n", name(before), name(after))
	if methodology != "" {
		fmt.Fprintf(w, e.t(text{"Les deux jugées à nouveau avec la méthodologie %s.\n", "Both judged again with methodology %s.\n"}), methodology)
	}
	total := 0
	var parts []string
	for _, k := range []string{campaign.Worse, campaign.Better, campaign.Same, campaign.Unscored, campaign.New, campaign.Gone} {
		total += counts[k]
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], e.t(changeNames[k])))
	}
	fmt.Fprintf(w, e.t(text{"%d domaines : %s\n", "%d domains: %s\n"}), total, strings.Join(parts, e.t(text{", ", ", "})))

	for _, k := range []string{campaign.Worse, campaign.Better, campaign.Unscored} {
		var listed []campaign.Row
		for _, r := range rows {
			lead := r.Lead()
			if lead.Kind() != k || k == campaign.Unscored && lead.Before.Grade == "" && lead.After.Grade == "" {
				continue // in error both times: counted, not listed
			}
			listed = append(listed, r)
		}
		if len(listed) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d)\n", strings.ToUpper(e.t(changeNames[k])[:1])+e.t(changeNames[k])[1:], len(listed))
		for _, r := range listed {
			domain := r.Domain
			if r.WWW != nil && !r.WWWDiffers() {
				domain += " (+ www)"
			}
			fmt.Fprintf(w, "  %s (%s) ", orgName(r.Org), r.Org.ID)
			writeChange(w, e, domain, &r.Change)
			if r.WWWDiffers() {
				fmt.Fprint(w, "    ")
				writeChange(w, e, r.WWW.Domain, r.WWW)
			}
		}
	}
}

// writeChange writes "domain : before → after (delta)" and the findings
// that came and went.
func writeChange(w *bufio.Writer, e *env, domain string, c *campaign.Change) {
	fmt.Fprintf(w, "%s : %s → %s", domain, sideText(e, c.Before), sideText(e, c.After))
	if k := c.Kind(); k == campaign.Worse || k == campaign.Better {
		fmt.Fprintf(w, " (%+d)", c.Delta())
	}
	fmt.Fprintln(w)
	for _, f := range c.Added {
		fmt.Fprintf(w, "    + %s %s — %s  [%s]\n", severityLabel(e, f.Severity), f.Title.In(e.lang), f.Subject, f.ID)
	}
	for _, f := range c.Fixed {
		fmt.Fprintf(w, "    − %s %s — %s  [%s]\n", severityLabel(e, f.Severity), f.Title.In(e.lang), f.Subject, f.ID)
	}
}

func orgName(o store.Organisation) string {
	if o.Name != "" {
		return o.Name
	}
	return o.ID
}

// sideText is "B 82", or the error of an audit without a score.
func sideText(e *env, s *campaign.Side) string {
	switch {
	case s == nil:
		return e.t(text{"non audité", "not audited"})
	case s.Grade != "":
		return fmt.Sprintf("%s %d", s.Grade, s.Points)
	case s.Error != "":
		return e.t(text{"en erreur (", "error ("}) + s.Error + ")"
	}
	return e.t(text{"sans note", "no grade"})
}

// severityLabel names a severity in the user's language.
func severityLabel(e *env, s audit.Severity) string {
	switch s {
	case audit.Critical:
		return e.t(text{"CRITIQUE", "CRITICAL"})
	case audit.High:
		return e.t(text{"ÉLEVÉE", "HIGH"})
	case audit.Medium:
		return e.t(text{"MOYENNE", "MEDIUM"})
	case audit.Low:
		return e.t(text{"FAIBLE", "LOW"})
	}
	return "INFO"
}
