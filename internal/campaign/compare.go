package campaign

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/store"
)

// Kinds of Change.
const (
	Worse    = "worse"    // fewer points than before
	Better   = "better"   // more points than before
	Same     = "same"     // as many points as before
	Unscored = "unscored" // no score on one side or both (an audit in error, nothing observed)
	New      = "new"      // not audited in the first campaign
	Gone     = "gone"     // not audited in the second campaign
)

// Side is one (organisation, domain) as one campaign saw it.
type Side struct {
	Time        time.Time
	Grade       string // "" when no score
	Points      int
	Methodology string
	Error       string
}

// Change is how one (organisation, domain) went from one campaign to
// another.
type Change struct {
	Org    store.Organisation
	Domain string
	// Before and After are nil when the campaign did not audit the
	// domain.
	Before, After *Side
	// Added are the findings of severity medium or above in After and
	// not in Before (by id and subject), Fixed the reverse; both only
	// when both sides are scored.
	Added, Fixed []audit.Finding
}

// Kind says how the domain changed: Worse, Better, Same, Unscored, New or
// Gone.
func (c *Change) Kind() string {
	switch {
	case c.Before == nil:
		return New
	case c.After == nil:
		return Gone
	case c.Before.Grade == "" || c.After.Grade == "":
		return Unscored
	case c.After.Points < c.Before.Points:
		return Worse
	case c.After.Points > c.Before.Points:
		return Better
	}
	return Same
}

// Delta is the points gained (negative: lost) between the two sides;
// zero unless both are scored.
func (c *Change) Delta() int {
	if c.Kind() == Unscored || c.Before == nil || c.After == nil {
		return 0
	}
	return c.After.Points - c.Before.Points
}

// notable is the lowest severity of the findings a comparison lists.
const notable = audit.Medium

// before is what Compare keeps of an audit of the first campaign: its
// side and its notable findings, sorted by findingKey.
type before struct {
	org      store.Organisation
	side     Side
	findings []audit.Finding
}

// Compare compares the audits of campaign to with those of campaign from,
// both judged by today's methodology (so that a change of methodology
// between them is not taken for a change of the estate): an audit that
// today's rules judged is read from its digest, any other is judged
// again with today's checks and rules. It calls fn with one Change per
// (organisation, domain) audited by either: those of to in the order of
// CampaignAudits, then those only from audited (Gone), ordered by
// organisation then domain. Only the first campaign's grades and notable
// findings are held in memory; the second streams.
func Compare(ctx context.Context, st store.Store, from, to int64, fn func(Change) error) error {
	if from == to {
		return fmt.Errorf("campaign: comparing campaign %d with itself", from)
	}
	return compare(ctx, st, from, to, func(id int64, fn func(store.AuditRecord) error) error {
		return st.CampaignDigests(ctx, id, fn)
	}, fn)
}

// CompareOrganisation is Compare restricted to the audits of organisation
// orgID: what an organisation's page shows without comparing the whole
// campaign.
func CompareOrganisation(ctx context.Context, st store.Store, orgID string, from, to int64, fn func(Change) error) error {
	if from == to {
		return fmt.Errorf("campaign: comparing campaign %d with itself", from)
	}
	recs, err := st.OrganisationAudits(ctx, orgID)
	if err != nil {
		return err
	}
	slices.SortFunc(recs, func(a, b store.AuditRecord) int { return cmp.Compare(a.Domain, b.Domain) })
	return compare(ctx, st, from, to, func(id int64, fn func(store.AuditRecord) error) error {
		for _, rec := range recs {
			if rec.CampaignID == id {
				if err := fn(rec); err != nil {
					return err
				}
			}
		}
		return nil
	}, fn)
}

// compare is Compare of the audits that each calls its function with,
// campaign by campaign.
func compare(ctx context.Context, st store.Store, from, to int64, each func(int64, func(store.AuditRecord) error) error, fn func(Change) error) error {
	seen := map[[2]string]*before{}
	methodology := engine.Methodology()
	err := each(from, func(rec store.AuditRecord) error {
		side, findings, err := judgeStored(ctx, st, rec, methodology)
		if err != nil {
			return err
		}
		seen[[2]string{rec.Org.ID, rec.Domain}] = &before{org: rec.Org, side: side, findings: findings}
		return nil
	})
	if err != nil {
		return fmt.Errorf("campaign %d: %w", from, err)
	}
	err = each(to, func(rec store.AuditRecord) error {
		side, findings, err := judgeStored(ctx, st, rec, methodology)
		if err != nil {
			return err
		}
		c := Change{Org: rec.Org, Domain: rec.Domain, After: &side}
		k := [2]string{rec.Org.ID, rec.Domain}
		if b := seen[k]; b != nil {
			delete(seen, k)
			c.Before = &b.side
			if b.side.Grade != "" && side.Grade != "" {
				c.Added = missing(findings, b.findings)
				c.Fixed = missing(b.findings, findings)
			}
		}
		return fn(c)
	})
	if err != nil {
		return fmt.Errorf("campaign %d: %w", to, err)
	}
	gone := make([][2]string, 0, len(seen))
	for k := range seen {
		gone = append(gone, k)
	}
	slices.SortFunc(gone, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	for _, k := range gone {
		b := seen[k]
		if err := fn(Change{Org: b.org, Domain: k[1], Before: &b.side}); err != nil {
			return err
		}
	}
	return nil
}

// judgeStored returns the side and the notable findings, sorted, of the
// stored audit rec (with its digest, its result, or neither: then read
// from the store): as judged when the audit failed or was judged by
// methodology, else from its result judged again.
func judgeStored(ctx context.Context, st store.Store, rec store.AuditRecord, methodology string) (Side, []audit.Finding, error) {
	full := func() error {
		if rec.Unreadable != "" || rec.Result != nil {
			return nil
		}
		r, err := st.Audit(ctx, rec.ID)
		if err != nil {
			return err
		}
		rec = r
		return nil
	}
	if rec.Digest == nil {
		if err := full(); err != nil {
			return Side{}, nil, err
		}
	}
	d := rec.Digest
	if d == nil && rec.Result != nil {
		d = store.DigestOf(rec.Result)
	}
	if rec.Unreadable != "" || d == nil || (d.Error == "" && d.Methodology != methodology) {
		if err := full(); err != nil {
			return Side{}, nil, err
		}
		side, fs := judge(rec)
		return side, fs, nil
	}
	side := Side{Time: rec.Time, Error: d.Error, Grade: rec.Grade, Points: rec.Points}
	if d.Error == "" {
		side.Methodology = d.Methodology
	}
	var fs []audit.Finding
	for _, f := range d.Findings {
		if f.Severity >= notable {
			var title audit.Text
			if def := engine.Definition(f.ID); def != nil {
				title = def.Title
			}
			fs = append(fs, audit.Finding{ID: f.ID, Severity: f.Severity, Subject: f.Subject, Title: title})
		}
	}
	slices.SortFunc(fs, compareFindings)
	fs = slices.CompactFunc(fs, func(a, b audit.Finding) bool { return compareFindings(a, b) == 0 })
	return side, fs, nil
}

// judge judges rec's result again and returns its side and its notable
// findings, sorted.
func judge(rec store.AuditRecord) (Side, []audit.Finding) {
	side := Side{Time: rec.Time}
	r := rec.Result
	if rec.Unreadable != "" {
		// A row the store cannot read is unscored, named with its
		// row, and the comparison goes on.
		side.Error = fmt.Sprintf("unreadable row %d: %s", rec.ID, rec.Unreadable)
		return side, nil
	}
	if r == nil {
		side.Error = "no result stored"
		return side, nil
	}
	side.Error = r.Error
	if r.Error == "" {
		engine.Rejudge(r)
	}
	if r.Score != nil {
		side.Grade, side.Points, side.Methodology = r.Score.Grade, r.Score.Points, r.Score.Methodology
	}
	var fs []audit.Finding
	for _, f := range r.Findings {
		if f.Severity >= notable {
			// Light: the first campaign's are held in memory.
			// The title's strings are the definition's.
			fs = append(fs, audit.Finding{ID: f.ID, Severity: f.Severity, Subject: f.Subject, Evidence: f.Evidence, Title: f.Title})
		}
	}
	slices.SortFunc(fs, compareFindings)
	fs = slices.CompactFunc(fs, func(a, b audit.Finding) bool { return compareFindings(a, b) == 0 })
	return side, fs
}

// compareFindings orders findings by id then subject.
func compareFindings(a, b audit.Finding) int {
	return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Subject, b.Subject))
}

// missing returns the findings of a that b lacks; both are sorted by
// compareFindings.
func missing(a, b []audit.Finding) []audit.Finding {
	var out []audit.Finding
	for _, f := range a {
		if _, found := slices.BinarySearchFunc(b, f, compareFindings); !found {
			out = append(out, f)
		}
	}
	return out
}

// gradeRank orders the CyberScore grades, the best highest.
var gradeRank = map[string]int{"A+": 7, "A": 6, "B": 5, "C": 4, "D": 3, "E": 2, "F": 1}

// GradeDelta is the number of grade steps gained (negative: lost)
// between the two sides (A to C is -2); zero unless both are scored.
func (c *Change) GradeDelta() int {
	if c.Before == nil || c.After == nil || c.Before.Grade == "" || c.After.Grade == "" {
		return 0
	}
	return gradeRank[c.After.Grade] - gradeRank[c.Before.Grade]
}

// sameAs reports whether c and d went the same way: same kind, same
// grades and points on each side.
func (c *Change) sameAs(d *Change) bool {
	side := func(a, b *Side) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.Grade == b.Grade && a.Points == b.Points && a.Error == b.Error
	}
	return c.Kind() == d.Kind() && side(c.Before, d.Before) && side(c.After, d.After)
}

// Row is what a comparison shows for one site of an organisation: the
// change of a domain and, when the organisation lists both, of its www
// counterpart (example.fr and www.example.fr are one site).
type Row struct {
	Change
	// WWW is the change of the www. counterpart of Domain, nil when the
	// organisation has none in either campaign.
	WWW *Change
}

// WWWDiffers reports whether the row's www counterpart changed otherwise
// than its domain, and so must be shown on its own.
func (r *Row) WWWDiffers() bool { return r.WWW != nil && !r.Change.sameAs(r.WWW) }

// size is the row's largest change: grade steps, then points, both
// without sign, over the domain and its www counterpart.
func (r *Row) size() (grades, points int) {
	abs := func(n int) int { return max(n, -n) }
	grades, points = abs(r.GradeDelta()), abs(r.Delta())
	if r.WWW != nil {
		g, p := abs(r.WWW.GradeDelta()), abs(r.WWW.Delta())
		if g > grades || g == grades && p > points {
			grades, points = g, p
		}
	}
	return grades, points
}

// Group makes the rows of changes: the www.D change of an organisation
// that also has a D change goes in D's row; every other change is a row
// of its own. The rows come sorted by BySize.
func Group(changes []Change) []Row {
	type key struct{ org, domain string }
	index := map[key]int{}
	for i, c := range changes {
		index[key{c.Org.ID, c.Domain}] = i
	}
	var rows []Row
	for i, c := range changes {
		if apex, ok := strings.CutPrefix(c.Domain, "www."); ok {
			if _, grouped := index[key{c.Org.ID, apex}]; grouped {
				continue // in its apex's row
			}
		}
		r := Row{Change: changes[i]}
		if j, ok := index[key{c.Org.ID, "www." + c.Domain}]; ok {
			r.WWW = &changes[j]
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, BySize)
	return rows
}

// BySize orders rows by the size of their change, the largest first:
// grade steps lost or won, then points, then the organisation's name
// (its ID when it has none), its ID and the domain.
func BySize(a, b Row) int {
	ag, ap := a.size()
	bg, bp := b.size()
	name := func(r Row) string {
		if r.Org.Name != "" {
			return r.Org.Name
		}
		return r.Org.ID
	}
	return cmp.Or(cmp.Compare(bg, ag), cmp.Compare(bp, ap), cmp.Compare(name(a), name(b)), cmp.Compare(a.Org.ID, b.Org.ID), cmp.Compare(a.Domain, b.Domain))
}

// Lead is the change that stands for the row: the domain's, or its www
// counterpart's when that one differs and changed more (in grade steps,
// then points).
func (r *Row) Lead() *Change {
	if !r.WWWDiffers() {
		return &r.Change
	}
	abs := func(n int) int { return max(n, -n) }
	g, p := abs(r.GradeDelta()), abs(r.Delta())
	wg, wp := abs(r.WWW.GradeDelta()), abs(r.WWW.Delta())
	if wg > g || wg == g && wp > p || r.Kind() == Same && r.WWW.Kind() != Same {
		return r.WWW
	}
	return &r.Change
}
