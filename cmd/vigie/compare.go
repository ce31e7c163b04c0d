package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
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
	"added", "fixed", "error_before", "error_after"}

// compareText says which columns of compareColumns hold text: all but
// the points and the delta, which may be negative.
var compareText = []bool{true, true, true, true, true, true, false, true, false, false, true, true, true, true}

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
	fs.StringVar(&db, "db", "", dbUsage)
	fs.Int64Var(&from, "from", 0, bi("`ID` la campagne d'avant (par défaut, celle qui précède --to)", "`ID` the campaign before (default: the one before --to)"))
	fs.Int64Var(&to, "to", 0, bi("`ID` la campagne d'après (par défaut, la dernière)", "`ID` the campaign after (default: the latest)"))
	fs.StringVar(&format, "format", "text", bi("`text|csv` format du résultat", "`text|csv` format of the result"))
	fs.StringVar(&lang, "lang", "fr", langUsage)
	if code, ok := parseCampaignFlags(e, "compare", fs, args); !ok {
		return code
	}
	switch {
	case db == "":
		e.errorf(e.t(text{"campaign compare : --db BASE est obligatoire", "campaign compare: --db DB is required"}))
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
	before, after, err := comparedCampaigns(ctx, e, st, from, to)
	if err != nil {
		e.errorf("campaign compare: %v", err)
		return exitFailed
	}
	for _, c := range []*store.Campaign{before, after} {
		if done, total, err := st.Progress(ctx, c.ID); err == nil && done < total {
			e.errorf(e.t(text{"attention : la campagne %d est inachevée (%d/%d) : ses domaines non audités comptent comme absents",
				"warning: campaign %d is unfinished (%d/%d): its domains not audited count as absent"}), c.ID, done, total)
		}
	}

	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	var cw *export.CSVWriter
	var listed []campaign.Change // worse, better and unscored, for the text report
	counts := map[string]int{}
	if format == "csv" {
		cw = export.NewCSVWriter(w, compareText) // no formula, no control character
		cw.LF = true
		cw.Write(compareColumns)
	}
	methodology := ""
	err = campaign.Compare(ctx, st, before.ID, after.ID, func(c campaign.Change) error {
		counts[c.Kind()]++
		if c.After != nil && c.After.Methodology != "" {
			methodology = c.After.Methodology
		}
		if cw != nil {
			return cw.Write(compareRow(c))
		}
		switch c.Kind() {
		case campaign.Worse, campaign.Better, campaign.Unscored:
			listed = append(listed, c)
		}
		return nil
	})
	if err != nil {
		e.errorf("campaign compare: %v", err)
		return exitFailed
	}
	if cw == nil {
		writeComparison(w, e, before, after, methodology, counts, listed)
	}
	if err := w.Flush(); err != nil {
		e.errorf("campaign compare: %v", err)
		return exitFailed
	}
	return exitOK
}

// comparedCampaigns finds the two campaigns to compare: to, by default
// the latest, and from, by default the one before it.
func comparedCampaigns(ctx context.Context, e *env, st store.Store, from, to int64) (*store.Campaign, *store.Campaign, error) {
	var after *store.Campaign
	var err error
	if to == 0 {
		after, err = st.LatestCampaign(ctx)
	} else {
		after, err = st.Campaign(ctx, to)
	}
	if errors.Is(err, store.ErrNotFound) {
		if to == 0 {
			return nil, nil, errors.New(e.t(text{"aucune campagne dans la base", "no campaign in the database"}))
		}
		return nil, nil, fmt.Errorf(e.t(text{"pas de campagne %d", "no campaign %d"}), to)
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
	prev, err := st.ListCampaigns(ctx, after.ID, 1)
	if err != nil {
		return nil, nil, err
	}
	if len(prev) == 1 {
		before, err := st.Campaign(ctx, prev[0].ID)
		return before, after, err
	}
	return nil, nil, fmt.Errorf(e.t(text{"la campagne %d est la première : rien à quoi la comparer (--from ID)", "campaign %d is the first: nothing to compare it with (--from ID)"}), after.ID)
}

// compareRow is the CSV row of c.
func compareRow(c campaign.Change) []string {
	row := []string{c.Org.ID, c.Org.Name, c.Org.Category, c.Domain, c.Kind()}
	for _, s := range []*campaign.Side{c.Before, c.After} {
		if s == nil || s.Grade == "" {
			row = append(row, "", "")
			continue
		}
		row = append(row, s.Grade, strconv.Itoa(s.Points))
	}
	delta := ""
	if k := c.Kind(); k == campaign.Worse || k == campaign.Better || k == campaign.Same {
		delta = strconv.Itoa(c.Delta())
	}
	row = append(row, delta, findingList(c.Added), findingList(c.Fixed))
	for _, s := range []*campaign.Side{c.Before, c.After} {
		if s == nil {
			row = append(row, "")
			continue
		}
		row = append(row, s.Error)
	}
	return row
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
// then the domains that got worse (largest loss first), better (largest
// gain first) and those scored on one side only, with the findings that
// came and went; those in error both times are only counted.
func writeComparison(w *bufio.Writer, e *env, before, after *store.Campaign, methodology string, counts map[string]int, listed []campaign.Change) {
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

	slices.SortStableFunc(listed, func(a, b campaign.Change) int {
		if a.Kind() != b.Kind() {
			return strings.Compare(a.Kind(), b.Kind()) // better, unscored, worse
		}
		if a.Kind() == campaign.Better {
			return b.Delta() - a.Delta()
		}
		return a.Delta() - b.Delta()
	})
	for _, k := range []string{campaign.Worse, campaign.Better, campaign.Unscored} {
		if counts[k] == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d)\n", strings.ToUpper(e.t(changeNames[k])[:1])+e.t(changeNames[k])[1:], counts[k])
		for _, c := range listed {
			if c.Kind() != k || k == campaign.Unscored && c.Before.Grade == "" && c.After.Grade == "" {
				continue // in error both times: counted, not listed
			}
			fmt.Fprintf(w, "  %s (%s) %s : %s → %s", orgName(c.Org), c.Org.ID, c.Domain, sideText(e, c.Before), sideText(e, c.After))
			if k != campaign.Unscored {
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
