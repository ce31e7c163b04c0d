package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
)

// dialect holds what differs between the SQL backends; the queries
// themselves are shared and written with '?' placeholders.
type dialect struct {
	name string
	// dollar rewrites '?' placeholders as $1, $2... (PostgreSQL).
	dollar bool
	// timeArg converts a time for a query argument (SQLite stores
	// microseconds since the epoch, PostgreSQL a timestamptz).
	timeArg func(time.Time) any
	// isForeignKey reports whether err is a foreign key violation.
	isForeignKey func(error) bool
}

// sqlStore implements Store on database/sql for both backends.
type sqlStore struct {
	d *dialect
	r *sql.DB // reads
	w *sql.DB // writes: SQLite has one writer; the same pool as r for PostgreSQL
	// public, when set, makes this the public's view (PublicView): the
	// reads leave out unpublished campaigns and hidden organisations.
	public *publicView
}

// Page sizes of the streaming methods: each page is a short query of its
// own, so no read transaction stays open while the caller works (a long
// one would stop SQLite from recycling its write-ahead log, and PostgreSQL
// from vacuuming).
const (
	jobsPage   = 256
	auditsPage = 32
	insertRows = 200 // rows per multi-row INSERT in CreateCampaign
)

// q rewrites the placeholders of query for the dialect.
func (s *sqlStore) q(query string) string {
	if !s.d.dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// dbTime scans a time stored by either backend: an integer of
// microseconds (SQLite), a time.Time (PostgreSQL) or NULL (the zero time).
type dbTime struct{ t time.Time }

func (d *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		d.t = time.Time{}
	case int64:
		d.t = time.UnixMicro(v).UTC()
	case time.Time:
		d.t = v.UTC()
	default:
		return fmt.Errorf("store: time column holds %T", src)
	}
	return nil
}

// dbTimeOf returns t as stored: UTC, to the microsecond (PostgreSQL's
// precision, kept in SQLite too so that both backends return the same).
func dbTimeOf(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// normaliseOrgs checks orgs, merges those with the same ID (domains
// unioned, the first non-empty name and category kept), removes duplicate
// domains and sorts both.
func normaliseOrgs(orgs []Organisation) ([]Organisation, error) {
	byID := make(map[string]int, len(orgs))
	var out []Organisation
	for _, o := range orgs {
		if o.ID == "" {
			return nil, fmt.Errorf("store: organisation %q has no identifier", o.Name)
		}
		if len(o.Domains) == 0 {
			return nil, fmt.Errorf("store: organisation %s has no domain", o.ID)
		}
		for _, d := range o.Domains {
			if d == "" {
				return nil, fmt.Errorf("store: organisation %s has an empty domain", o.ID)
			}
		}
		i, ok := byID[o.ID]
		if !ok {
			byID[o.ID] = len(out)
			o.Domains = append([]string(nil), o.Domains...)
			out = append(out, o)
			continue
		}
		m := &out[i]
		if m.Name == "" {
			m.Name = o.Name
		}
		if m.Category == "" {
			m.Category = o.Category
		}
		m.Domains = append(m.Domains, o.Domains...)
		for d, sels := range o.Selectors {
			if m.Selectors == nil {
				m.Selectors = map[string][]string{}
			}
			m.Selectors[d] = append(m.Selectors[d], sels...)
		}
	}
	for i := range out {
		ds := out[i].Domains
		sort.Strings(ds)
		k := 0
		for j, d := range ds {
			if j == 0 || d != ds[k-1] {
				ds[k] = d
				k++
			}
		}
		out[i].Domains = ds[:k]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// uniqueSorted returns the strings of ss sorted, each once.
func uniqueSorted(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return slices.Compact(out)
}

func (s *sqlStore) CreateCampaign(ctx context.Context, c *Campaign, orgs []Organisation) (int64, error) {
	orgs, err := normaliseOrgs(orgs)
	if err != nil {
		return 0, err
	}
	options, err := encodeOptions(c.Options)
	if err != nil {
		return 0, err
	}
	created := c.Created
	if created.IsZero() {
		created = time.Now()
	}
	created = dbTimeOf(created)
	total := 0
	for _, o := range orgs {
		total += len(o.Domains)
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: create campaign: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx,
		s.q(`INSERT INTO campaigns (name, created_at, run_options, total, published) VALUES (?, ?, ?, ?, ?) RETURNING id`),
		c.Name, s.d.timeArg(created), options, total, !c.Unpublished).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create campaign: %w", err)
	}
	orgRows := make([][]any, 0, len(orgs))
	snapRows := make([][]any, 0, len(orgs))
	var jobRows [][]any
	for _, o := range orgs {
		ds, _ := json.Marshal(o.Domains)
		orgRows = append(orgRows, []any{o.ID, o.Name, o.Category, string(ds)})
		snapRows = append(snapRows, []any{id, o.ID, o.Name, o.Category, string(ds)})
		for _, d := range o.Domains {
			var sels any
			if s := uniqueSorted(o.Selectors[d]); len(s) > 0 {
				b, _ := json.Marshal(s)
				sels = string(b)
			}
			jobRows = append(jobRows, []any{id, o.ID, d, sels})
		}
	}
	err = s.insertMany(ctx, tx, `INSERT INTO organisations (id, name, category, domains) VALUES `,
		` ON CONFLICT (id) DO UPDATE SET name = excluded.name, category = excluded.category, domains = excluded.domains`, orgRows)
	if err != nil {
		return 0, fmt.Errorf("store: create campaign: organisations: %w", err)
	}
	err = s.insertMany(ctx, tx, `INSERT INTO campaign_organisations (campaign_id, org_id, name, category, domains) VALUES `, ``, snapRows)
	if err != nil {
		return 0, fmt.Errorf("store: create campaign: organisations of the campaign: %w", err)
	}
	if err := s.insertMany(ctx, tx, `INSERT INTO jobs (campaign_id, org_id, domain, dkim_selectors) VALUES `, ``, jobRows); err != nil {
		return 0, fmt.Errorf("store: create campaign: jobs: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: create campaign: %w", err)
	}
	c.ID, c.Created, c.Total = id, created, total
	return id, nil
}

// insertMany inserts rows (all of the same width) with multi-row INSERTs
// of insertRows rows each: head, then "(?, ?), (?, ?)...", then tail.
func (s *sqlStore) insertMany(ctx context.Context, tx *sql.Tx, head, tail string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), insertRows)
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, n*len(rows[0]))
		for i, row := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			b.WriteString(strings.Repeat("?, ", len(row)-1))
			b.WriteString("?)")
			args = append(args, row...)
		}
		b.WriteString(tail)
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

const campaignColumns = `id, name, created_at, finished_at, run_options, options, total, abandoned_at`

func scanCampaign(row *sql.Row) (*Campaign, error) {
	var (
		c                 Campaign
		created, finished dbTime
		typed, legacy     []byte
		abandoned         dbTime
	)
	if err := row.Scan(&c.ID, &c.Name, &created, &finished, &typed, &legacy, &c.Total, &abandoned); err != nil {
		return nil, err
	}
	c.Created, c.Finished, c.Abandoned = created.t, finished.t, abandoned.t
	var err error
	c.Options, err = decodeOptions(typed, legacy)
	return &c, err
}

func (s *sqlStore) Campaign(ctx context.Context, id int64) (*Campaign, error) {
	c, err := scanCampaign(s.r.QueryRowContext(ctx, s.q(`SELECT `+campaignColumns+` FROM campaigns WHERE id = ?`+s.shownCampaign(ctx, "id")), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: campaign %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: campaign %d: %w", id, err)
	}
	return c, nil
}

// campaignExists returns ErrNotFound (wrapped) when there is no campaign
// id; it reads none of its options.
func (s *sqlStore) campaignExists(ctx context.Context, id int64) error {
	var one int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT 1 FROM campaigns WHERE id = ?`+s.shownCampaign(ctx, "id")), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: campaign %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: campaign %d: %w", id, err)
	}
	return nil
}

func (s *sqlStore) LatestCampaign(ctx context.Context) (*Campaign, error) {
	c, err := scanCampaign(s.r.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE 1 = 1`+s.shownCampaign(ctx, "id")+` ORDER BY id DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: latest campaign: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: latest campaign: %w", err)
	}
	return c, nil
}

func (s *sqlStore) ListCampaigns(ctx context.Context, before int64, limit int) ([]CampaignSummary, error) {
	query := `SELECT c.id, c.name, c.created_at, c.finished_at, c.total,
		(SELECT count(*) FROM audits a WHERE a.campaign_id = c.id), c.abandoned_at
		FROM campaigns c WHERE 1 = 1` + s.shownCampaign(ctx, "c.id")
	var args []any
	if before > 0 {
		query += ` AND c.id < ?`
		args = append(args, before)
	}
	query += ` ORDER BY c.id DESC`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list campaigns: %w", err)
	}
	defer rows.Close()
	list := []CampaignSummary{}
	for rows.Next() {
		var (
			c                 CampaignSummary
			created, finished dbTime
			abandoned         dbTime
		)
		if err := rows.Scan(&c.ID, &c.Name, &created, &finished, &c.Total, &c.Done, &abandoned); err != nil {
			return nil, fmt.Errorf("store: list campaigns: %w", err)
		}
		c.Created, c.Finished = created.t, finished.t
		c.Status = StatusUnfinished
		if !c.Finished.IsZero() {
			c.Status = StatusFinished
		}
		if !abandoned.t.IsZero() {
			c.Status = StatusAbandoned
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list campaigns: %w", err)
	}
	return list, nil
}

// scanOrg fills o from the name, category and domains columns.
func scanOrgDomains(o *Organisation, domains string) error {
	if err := json.Unmarshal([]byte(domains), &o.Domains); err != nil {
		return fmt.Errorf("store: organisation %s: domains: %w", o.ID, err)
	}
	return nil
}

func (s *sqlStore) PendingJobs(ctx context.Context, campaignID int64, fn func(Job) error) error {
	if err := s.campaignExists(ctx, campaignID); err != nil {
		return err
	}
	query := s.q(`SELECT j.org_id, j.domain, o.name, o.category, o.domains, j.dkim_selectors
		FROM jobs j JOIN campaign_organisations o ON o.campaign_id = j.campaign_id AND o.org_id = j.org_id
		WHERE j.campaign_id = ? AND (j.org_id, j.domain) > (?, ?)
		AND NOT EXISTS (SELECT 1 FROM audits a
			WHERE a.campaign_id = j.campaign_id AND a.org_id = j.org_id AND a.domain = j.domain)
		ORDER BY j.org_id, j.domain
		LIMIT ?`)
	lastOrg, lastDomain := "", ""
	page := make([]Job, 0, jobsPage)
	for {
		page = page[:0]
		rows, err := s.r.QueryContext(ctx, query, campaignID, lastOrg, lastDomain, jobsPage)
		if err != nil {
			return fmt.Errorf("store: pending jobs of campaign %d: %w", campaignID, err)
		}
		for rows.Next() {
			j := Job{CampaignID: campaignID}
			var (
				domains string
				sels    sql.NullString
			)
			if err := rows.Scan(&j.Org.ID, &j.Domain, &j.Org.Name, &j.Org.Category, &domains, &sels); err != nil {
				rows.Close()
				return fmt.Errorf("store: pending jobs of campaign %d: %w", campaignID, err)
			}
			if err := scanOrgDomains(&j.Org, domains); err != nil {
				rows.Close()
				return err
			}
			if sels.Valid {
				if err := json.Unmarshal([]byte(sels.String), &j.DKIMSelectors); err != nil {
					rows.Close()
					return fmt.Errorf("store: pending jobs of campaign %d: %s of %s: DKIM selectors: %w", campaignID, j.Domain, j.Org.ID, err)
				}
			}
			page = append(page, j)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("store: pending jobs of campaign %d: %w", campaignID, err)
		}
		for _, j := range page {
			if err := fn(j); err != nil {
				return err
			}
		}
		if len(page) < jobsPage {
			return nil
		}
		last := page[len(page)-1]
		lastOrg, lastDomain = last.Org.ID, last.Domain
	}
}

func (s *sqlStore) SaveAudit(ctx context.Context, j Job, r *audit.Result) error {
	if r == nil {
		return fmt.Errorf("store: save %s of %s: nil result", j.Domain, j.Org.ID)
	}
	blob, err := encodeResult(r)
	if err != nil {
		return err
	}
	digest, err := encodeDigest(r)
	if err != nil {
		return err
	}
	at, grade, points := resultColumns(r)
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO audits
		(campaign_id, org_id, domain, audited_at, grade, points, result, attempts, digest)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (campaign_id, org_id, domain) DO NOTHING`),
		j.CampaignID, j.Org.ID, j.Domain, s.d.timeArg(dbTimeOf(at)), grade, points, blob, max(j.Attempts, 1), digest)
	if err != nil && s.d.isForeignKey(err) {
		return fmt.Errorf("store: save %s of %s: no such job in campaign %d", j.Domain, j.Org.ID, j.CampaignID)
	}
	if err != nil {
		return fmt.Errorf("store: save %s of %s: %w", j.Domain, j.Org.ID, err)
	}
	return nil
}

func (s *sqlStore) Progress(ctx context.Context, campaignID int64) (done, total int, err error) {
	err = s.r.QueryRowContext(ctx, s.q(`SELECT
		(SELECT count(*) FROM audits WHERE campaign_id = ?), total
		FROM campaigns WHERE id = ?`+s.shownCampaign(ctx, "id")), campaignID, campaignID).Scan(&done, &total)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("store: progress of campaign %d: %w", campaignID, ErrNotFound)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: progress of campaign %d: %w", campaignID, err)
	}
	return done, total, nil
}

func (s *sqlStore) FinishCampaign(ctx context.Context, campaignID int64, at time.Time) error {
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE campaigns SET finished_at = ? WHERE id = ?`),
		s.d.timeArg(dbTimeOf(at)), campaignID)
	if err != nil {
		return fmt.Errorf("store: finish campaign %d: %w", campaignID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: finish campaign %d: %w", campaignID, ErrNotFound)
	}
	return nil
}

// auditRow is an audit as read, its result still encoded.
type auditRow struct {
	rec    AuditRecord
	blob   []byte
	digest string // read with digestColumns; "" when NULL
}

const auditColumns = `a.id, a.campaign_id, a.org_id, a.domain, a.audited_at, a.grade, a.points, o.name, o.category, o.domains, a.attempts`

// scanAudit reads one row of auditColumns (and the result, when
// withResult; and before it the digest, when the row was read with
// digestColumns). The identifying columns (id, campaign, organisation,
// domain) must scan; a value of the wrong type in another column, which
// SQLite's dynamic typing allows, makes the row unreadable
// (rec.Unreadable) rather than the query failed, so that the caller can
// name it and go on.
func scanAudit(rows *sql.Rows, withResult bool) (auditRow, error) {
	return scanAuditDigest(rows, withResult, false)
}

func scanAuditDigest(rows *sql.Rows, withResult, withDigest bool) (auditRow, error) {
	var (
		ar                           auditRow
		at, grade, points, name, cat any
		domains                      any
	)
	dest := []any{&ar.rec.ID, &ar.rec.CampaignID, &ar.rec.Org.ID, &ar.rec.Domain, &at, &grade, &points,
		&name, &cat, &domains, &ar.rec.Attempts}
	var digest any
	if withDigest {
		dest = append(dest, &digest)
	}
	if withResult {
		dest = append(dest, &ar.blob)
	}
	if err := rows.Scan(dest...); err != nil {
		return ar, err
	}
	var bad []string
	var t dbTime
	if err := t.Scan(at); err != nil {
		bad = append(bad, "audited_at: "+err.Error())
	}
	ar.rec.Time = t.t
	text := func(col string, v any, dst *string) {
		switch v := v.(type) {
		case nil:
		case string:
			*dst = v
		case []byte:
			*dst = string(v)
		default:
			bad = append(bad, fmt.Sprintf("%s holds %T", col, v))
		}
	}
	text("grade", grade, &ar.rec.Grade)
	switch p := points.(type) {
	case nil:
	case int64:
		ar.rec.Points = int(p)
	default:
		bad = append(bad, fmt.Sprintf("points holds %T", p))
	}
	text("organisation name", name, &ar.rec.Org.Name)
	text("organisation category", cat, &ar.rec.Org.Category)
	text("digest", digest, &ar.digest)
	var ds string
	text("organisation domains", domains, &ds)
	if err := scanOrgDomains(&ar.rec.Org, ds); err != nil {
		bad = append(bad, err.Error())
	}
	if len(bad) > 0 {
		ar.rec.Unreadable = "store: " + strings.Join(bad, "; ")
		ar.blob = nil
	}
	return ar, nil
}

// decode decodes the row's result into its record, or records why it
// cannot be read.
func (ar *auditRow) decode() {
	if ar.rec.Unreadable != "" {
		return
	}
	r, err := decodeResult(ar.blob)
	ar.blob = nil
	if err != nil {
		ar.rec.Unreadable = err.Error()
		return
	}
	ar.rec.Result = r
}

// decodeDigest fills the row's Digest from its digest column, or, for an
// audit stored before digests, from its result (read only then), which
// it does not keep.
func (ar *auditRow) decodeDigest() {
	if ar.rec.Unreadable != "" {
		return
	}
	if ar.digest != "" {
		d, err := decodeDigest(ar.digest)
		if err != nil {
			ar.rec.Unreadable = err.Error()
			return
		}
		ar.rec.Digest = d
		return
	}
	ar.decode()
	if r := ar.rec.Result; r != nil {
		ar.rec.Digest, ar.rec.Result = DigestOf(r), nil
	}
}

func (s *sqlStore) LatestAudits(ctx context.Context, fn func(AuditRecord) error) error {
	// The newest audit of a pair is the one no other audit of the pair
	// beats on (time, campaign); audits_latest answers both the scan and
	// the NOT EXISTS.
	return s.pageAudits(ctx, "latest audits", `NOT EXISTS (SELECT 1 FROM audits b
			WHERE b.org_id = a.org_id AND b.domain = a.domain
			AND (b.audited_at > a.audited_at OR (b.audited_at = a.audited_at AND b.campaign_id > a.campaign_id))`+s.shownAudit(ctx, "b")+`)`, nil, false, fn)
}

func (s *sqlStore) CampaignAudits(ctx context.Context, campaignID int64, fn func(AuditRecord) error) error {
	if err := s.campaignExists(ctx, campaignID); err != nil {
		return err
	}
	return s.pageAudits(ctx, fmt.Sprintf("audits of campaign %d", campaignID), `a.campaign_id = ?`, []any{campaignID}, false, fn)
}

func (s *sqlStore) CampaignDigests(ctx context.Context, campaignID int64, fn func(AuditRecord) error) error {
	if err := s.campaignExists(ctx, campaignID); err != nil {
		return err
	}
	return s.pageAudits(ctx, fmt.Sprintf("digests of campaign %d", campaignID), `a.campaign_id = ?`, []any{campaignID}, true, fn)
}

// pageAudits calls fn with the audits that match cond (a condition on
// audits a, with its arguments args), with their results (with their
// digests instead when digests), ordered by organisation ID then domain,
// a page at a time: no query is open while fn runs, and the page's
// results are decoded on every core. what names the audits in errors.
func (s *sqlStore) pageAudits(ctx context.Context, what, cond string, args []any, digests bool, fn func(AuditRecord) error) error {
	cols := auditColumns + `, a.result`
	if digests {
		// The result only where there is no digest to read.
		cols = auditColumns + `, a.digest, CASE WHEN a.digest IS NULL THEN a.result END`
	}
	query := s.q(`SELECT ` + cols + `
		FROM audits a JOIN campaign_organisations o ON o.campaign_id = a.campaign_id AND o.org_id = a.org_id
		WHERE (a.org_id, a.domain) > (?, ?) AND ` + cond + s.shownAudit(ctx, "a") + `
		ORDER BY a.org_id, a.domain
		LIMIT ?`)
	lastOrg, lastDomain := "", ""
	page := make([]auditRow, 0, auditsPage)
	for {
		page = page[:0]
		qargs := append(append([]any{lastOrg, lastDomain}, args...), auditsPage)
		rows, err := s.r.QueryContext(ctx, query, qargs...)
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		for rows.Next() {
			ar, err := scanAuditDigest(rows, true, digests)
			if err != nil {
				rows.Close()
				return fmt.Errorf("store: %s: %w", what, err)
			}
			page = append(page, ar)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		decodePage(page, digests)
		for i := range page {
			if err := fn(page[i].rec); err != nil {
				return err
			}
		}
		if len(page) < auditsPage {
			return nil
		}
		last := page[len(page)-1].rec
		lastOrg, lastDomain = last.Org.ID, last.Domain
	}
}

func (s *sqlStore) CampaignOrganisations(ctx context.Context, campaignID int64, fn func(Organisation) error) error {
	if err := s.campaignExists(ctx, campaignID); err != nil {
		return err
	}
	query := s.q(`SELECT org_id, name, category, domains FROM campaign_organisations
		WHERE campaign_id = ? AND org_id > ? ORDER BY org_id LIMIT ?`)
	return s.pageOrganisations(ctx, fmt.Sprintf("organisations of campaign %d", campaignID), query, []any{campaignID}, jobsPage, fn)
}

func (s *sqlStore) History(ctx context.Context, domain string, full bool) ([]AuditRecord, error) {
	cols := auditColumns
	if full {
		cols += `, a.result`
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+cols+`
		FROM audits a JOIN campaign_organisations o ON o.campaign_id = a.campaign_id AND o.org_id = a.org_id
		WHERE a.domain = ?`+s.shownAudit(ctx, "a")+`
		ORDER BY a.audited_at, a.campaign_id, a.org_id`), domain)
	if err != nil {
		return nil, fmt.Errorf("store: history of %s: %w", domain, err)
	}
	defer rows.Close()
	recs := []AuditRecord{}
	for rows.Next() {
		ar, err := scanAudit(rows, full)
		if err != nil {
			return nil, fmt.Errorf("store: history of %s: %w", domain, err)
		}
		if full {
			ar.decode()
		}
		recs = append(recs, ar.rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: history of %s: %w", domain, err)
	}
	return recs, nil
}

func (s *sqlStore) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// resultColumns are the columns a stored result is found by: its time
// (now when it has none), and its grade and points (NULL without score).
func resultColumns(r *audit.Result) (at time.Time, grade, points any) {
	at = r.Time
	if at.IsZero() {
		at = time.Now()
	}
	if r.Score != nil {
		grade, points = r.Score.Grade, r.Score.Points
	}
	return at, grade, points
}
