package web

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/store"
)

// The JSON API, under /api/v1/, described by openapi.json. Its field
// names are published: append-only, never renamed nor reused.

//go:embed openapi.json
var openAPI []byte

func (s *Server) apiRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/openapi.json", s.api(func(r *http.Request) (any, error) { return json.RawMessage(openAPI), nil }))
	m.HandleFunc("GET /api/v1/organisations", s.api(s.apiOrganisations))
	m.HandleFunc("GET /api/v1/organisations/{id}", s.api(s.apiOrganisation))
	m.HandleFunc("GET /api/v1/domains/{domain}/audits", s.api(s.apiDomainAudits))
	m.HandleFunc("GET /api/v1/audits/{id}", s.api(s.apiAudit))
	m.HandleFunc("GET /api/v1/ondemand/{id}", s.api(s.apiOnDemand))
	m.HandleFunc("GET /api/v1/campaigns", s.api(s.apiCampaigns))
	m.HandleFunc("GET /api/v1/statistics", s.api(s.apiStatistics))
	m.HandleFunc("GET /api/v1/", s.api(func(r *http.Request) (any, error) { return nil, errNotFound }))
}

// apiError is the body of an error of the API.
type apiError struct {
	Error struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

// api turns an API handler into an http.HandlerFunc: the value as JSON
// with its ETag, errors as JSON, in one place.
func (s *Server) api(h func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		// Kept like pages while the store holds the same campaigns.
		key := "api\x00" + r.URL.Path + "?" + r.URL.RawQuery
		if err := s.cacheValid(r.Context()); err == nil {
			if b := s.cached(key); b != nil {
				writeTagged(w, r, b)
				return
			}
		}
		v, err := h(r)
		if err != nil {
			var e apiError
			var br *badRequest
			switch {
			case errors.Is(err, errNotFound), errors.Is(err, store.ErrNotFound):
				e.Error.Status, e.Error.Message = http.StatusNotFound, "not found"
			case errors.As(err, &br):
				e.Error.Status, e.Error.Message = http.StatusBadRequest, br.en
			default:
				if r.Context().Err() == nil {
					s.opt.Log.Error("web: api", "path", r.URL.Path, "err", err)
				}
				e.Error.Status, e.Error.Message = http.StatusInternalServerError, "internal error: see the server's log"
			}
			b, _ := json.Marshal(e)
			w.WriteHeader(e.Error.Status)
			w.Write(append(b, '\n'))
			return
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		// As "vigie audit --json" writes it.
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			s.opt.Log.Error("web: api encode", "path", r.URL.Path, "err", err)
			http.Error(w, `{"error":{"status":500,"message":"encoding"}}`, http.StatusInternalServerError)
			return
		}
		s.keep(key, b.Bytes())
		writeTagged(w, r, b.Bytes())
	}
}

// orgJSON is an organisation as the API gives it.
type orgJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Category string   `json:"category"`
	Domains  []string `json:"domains"`
}

func orgOf(o store.Organisation) orgJSON {
	return orgJSON{ID: o.ID, Name: o.Name, Category: o.Category, Domains: append([]string{}, o.Domains...)}
}

// pageJSON is a page of a list: its items, how many in all, and the
// offset of the next page (absent on the last).
type pageJSON[T any] struct {
	Items  []T  `json:"items"`
	Total  int  `json:"total"`
	Offset int  `json:"offset"`
	Next   *int `json:"next_offset,omitempty"`
}

// limitParam parses a page size: 1 to 100, def when absent.
func limitParam(v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, &badRequest{"« limit » doit être un nombre entre 1 et 100.", `"limit" must be a number from 1 to 100.`}
	}
	return n, nil
}

func (s *Server) apiOrganisations(r *http.Request) (any, error) {
	q := r.URL.Query()
	text := q.Get("q")
	if len(text) > maxSearch {
		return nil, &badRequest{"La recherche est limitée à 100 caractères.", `"q" is limited to 100 characters.`}
	}
	if strings.TrimSpace(text) == "" {
		return nil, &badRequest{"« q » est requis.", `"q" is required.`}
	}
	off, err := offsetParam(q.Get("offset"))
	if err != nil {
		return nil, err
	}
	limit, err := limitParam(q.Get("limit"), 20)
	if err != nil {
		return nil, err
	}
	orgs, total, err := s.index.search(r.Context(), text, off, limit)
	if err != nil {
		return nil, err
	}
	p := pageJSON[orgJSON]{Items: []orgJSON{}, Total: total, Offset: off}
	for _, o := range orgs {
		p.Items = append(p.Items, orgOf(o))
	}
	if next := off + len(orgs); next < total {
		p.Next = &next
	}
	return p, nil
}

// auditSummaryJSON is one stored audit, without its result.
type auditSummaryJSON struct {
	ID         int64     `json:"id"`
	CampaignID int64     `json:"campaign_id"`
	OrgID      string    `json:"organisation_id"`
	Domain     string    `json:"domain"`
	Time       time.Time `json:"time"`
	Grade      string    `json:"grade,omitempty"`
	Points     int       `json:"points"`
	Unreadable string    `json:"unreadable,omitempty"`
}

func summaryOf(r store.AuditRecord) auditSummaryJSON {
	return auditSummaryJSON{ID: r.ID, CampaignID: r.CampaignID, OrgID: r.Org.ID, Domain: r.Domain, Time: r.Time.UTC(),
		Grade: r.Grade, Points: r.Points, Unreadable: r.Unreadable}
}

// orgDetailJSON is one organisation with its audits.
type orgDetailJSON struct {
	orgJSON
	// Grade is the worst grade of its domains' latest audits.
	Grade  string             `json:"grade,omitempty"`
	Audits []auditSummaryJSON `json:"audits"`
}

func (s *Server) apiOrganisation(r *http.Request) (any, error) {
	recs, latest, org, _, err := s.orgAudits(r, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := orgDetailJSON{orgJSON: orgOf(org), Audits: []auditSummaryJSON{}}
	for _, rec := range recs {
		d.Audits = append(d.Audits, summaryOf(rec))
	}
	var grades []string
	for _, dom := range d.Domains {
		if rec, ok := latest[dom]; ok {
			grades = append(grades, rec.Grade)
		}
	}
	d.Grade = s.orgGrade(grades)
	return d, nil
}

func (s *Server) apiDomainAudits(r *http.Request) (any, error) {
	domain := strings.ToLower(r.PathValue("domain"))
	if domain == "" || len(domain) > 253 {
		return nil, errNotFound
	}
	h, err := s.st.History(r.Context(), domain, false)
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, errNotFound
	}
	out := struct {
		Domain string             `json:"domain"`
		Audits []auditSummaryJSON `json:"audits"`
	}{Domain: domain, Audits: []auditSummaryJSON{}}
	for _, rec := range h {
		out.Audits = append(out.Audits, summaryOf(rec))
	}
	return out, nil
}

// apiAudit is one audit: the result as "vigie audit --json" prints it.
func (s *Server) apiAudit(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	rec, err := s.st.Audit(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if rec.Result == nil {
		return nil, errors.New(rec.Unreadable)
	}
	return rec.Result, nil
}

func (s *Server) apiCampaigns(r *http.Request) (any, error) {
	q := r.URL.Query()
	var before int64
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return nil, &badRequest{"« before » doit être un identifiant de campagne.", `"before" must be a campaign identifier.`}
		}
		before = n
	}
	limit, err := limitParam(q.Get("limit"), 20)
	if err != nil {
		return nil, err
	}
	list, err := s.st.ListCampaigns(r.Context(), before, limit)
	if err != nil {
		return nil, err
	}
	out := struct {
		Items []campaign.SummaryJSON `json:"items"`
		// Before is the value of "before" for the next page.
		Before *int64 `json:"next_before,omitempty"`
	}{Items: []campaign.SummaryJSON{}}
	for _, c := range list {
		out.Items = append(out.Items, campaign.SummaryOf(c))
	}
	if len(list) == limit {
		b := list[len(list)-1].ID
		out.Before = &b
	}
	return out, nil
}

// statsJSON is the statistics of one campaign.
type statsJSON struct {
	Campaign      campaign.SummaryJSON `json:"campaign"`
	Organisations int                  `json:"organisations"`
	Grades        []gradeCountJSON     `json:"grades"`
	Categories    []categoryJSON       `json:"categories"`
	Findings      []findingShareJSON   `json:"findings"`
	// Sovereignty: all the organisations described, then each
	// category; absent when no audit described hosting.
	Sovereignty []sovereigntyJSON `json:"sovereignty,omitempty"`
}

// sovereigntyJSON counts the organisations of a category (absent for
// all) whose web site, mail or DNS is at a provider bound by
// extra-European law.
type sovereigntyJSON struct {
	Category      *string   `json:"category,omitempty"`
	Organisations int       `json:"organisations"`
	Web           shareJSON `json:"web"`
	Mail          shareJSON `json:"mail"`
	DNS           shareJSON `json:"dns"`
}

type shareJSON struct {
	Orgs    int `json:"organisations"`
	Percent int `json:"percent"`
}

type gradeCountJSON struct {
	Grade   string `json:"grade"` // "" for no grade
	Count   int    `json:"count"`
	Percent int    `json:"percent"`
}

type categoryJSON struct {
	Category      string           `json:"category"`
	Organisations int              `json:"organisations"`
	Grades        []gradeCountJSON `json:"grades"`
}

type findingShareJSON struct {
	ID            string `json:"id"`
	Severity      string `json:"severity"`
	Organisations int    `json:"organisations"`
	Percent       int    `json:"percent"`
}

func gradesOf(d distribution) []gradeCountJSON {
	out := []gradeCountJSON{}
	for _, g := range d {
		out = append(out, gradeCountJSON(g))
	}
	return out
}

func (s *Server) apiStatistics(r *http.Request) (any, error) {
	list, err := s.finished(r.Context())
	if err != nil {
		return nil, err
	}
	c := list
	if v := r.URL.Query().Get("campaign"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, &badRequest{"« campaign » doit être un identifiant de campagne.", `"campaign" must be a campaign identifier.`}
		}
		c = nil
		for _, x := range list {
			if x.ID == id {
				c = []store.CampaignSummary{x}
			}
		}
	}
	if len(c) == 0 {
		return nil, errNotFound
	}
	st, err := s.campaignStats(r.Context(), c[0])
	if err != nil {
		return nil, err
	}
	out := statsJSON{Campaign: campaign.SummaryOf(st.Campaign), Organisations: st.Orgs, Grades: gradesOf(st.Overall),
		Categories: []categoryJSON{}, Findings: []findingShareJSON{}}
	for _, cat := range st.Categories {
		out.Categories = append(out.Categories, categoryJSON{Category: cat.Category, Organisations: cat.Orgs, Grades: gradesOf(cat.Grades)})
	}
	for _, f := range st.Findings {
		out.Findings = append(out.Findings, findingShareJSON{ID: f.ID, Severity: f.Severity.String(), Organisations: f.Orgs, Percent: f.Percent})
	}
	for i, sh := range st.Sovereignty {
		j := sovereigntyJSON{Organisations: sh.Orgs, Web: shareJSON(sh.Web), Mail: shareJSON(sh.Mail), DNS: shareJSON(sh.DNS)}
		if i > 0 {
			j.Category = &sh.Category
		}
		out.Sovereignty = append(out.Sovereignty, j)
	}
	return out, nil
}
