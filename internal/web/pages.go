package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/store"
)

// searchPage is how many organisations a page of search results lists.
const searchPage = 20

type homeData struct {
	Query   string
	Results []store.Organisation
	Total   int
	Offset  int
	Next    int // offset of the next page, 0 for none
	Stats   *campaignStats
	// OnDemand shows the form of on-demand audits.
	OnDemand bool
}

func (s *Server) home(r *http.Request) (*view, error) {
	l := requestLang(r)
	d := &homeData{OnDemand: s.opt.OnDemand != nil}
	q := r.URL.Query()
	d.Query = q.Get("q")
	if len(d.Query) > maxSearch {
		return nil, &badRequest{"La recherche est limitée à 100 caractères.", "A search is limited to 100 characters."}
	}
	off, err := offsetParam(q.Get("offset"))
	if err != nil {
		return nil, err
	}
	d.Offset = off
	if strings.TrimSpace(d.Query) != "" {
		d.Results, d.Total, err = s.index.search(r.Context(), d.Query, off, searchPage)
		if err != nil {
			return nil, err
		}
		if off+len(d.Results) < d.Total {
			d.Next = off + len(d.Results)
		}
	}
	list, err := s.finished(r.Context())
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		if d.Stats, err = s.campaignStats(r.Context(), list[0]); err != nil {
			return nil, err
		}
	}
	return &view{name: "home", title: tr(l.lang, "Observatoire de la cybersécurité", "Cybersecurity observatory"), data: d}, nil
}

// offsetParam parses a paging offset: a number from 0 to 1,000,000.
func offsetParam(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, &badRequest{"« offset » doit être un nombre entre 0 et 1 000 000.", `"offset" must be a number from 0 to 1,000,000.`}
	}
	return n, nil
}

// idParam parses the numeric identifier of a path.
func idParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

type orgData struct {
	Org      store.Organisation
	Grade    string
	Campaign int64
	Time     time.Time
	Domains  []domainData
	// Changes are what changed since the previous finished campaign,
	// domain by domain; nil when there is no previous one.
	Changes  []campaign.Change
	Previous int64
	Chart    *chart
}

type domainData struct {
	Domain   string
	Rec      store.AuditRecord
	Findings []audit.Finding
}

// orgAudits returns the audits of organisation id (oldest first), the
// latest audit of each of its domains, and the organisation as the
// newest campaign recorded it; errNotFound when it has none.
func (s *Server) orgAudits(r *http.Request, id string) (recs []store.AuditRecord, latest map[string]store.AuditRecord, org store.Organisation, campaign int64, err error) {
	if id == "" || len(id) > 200 {
		return nil, nil, org, 0, errNotFound
	}
	recs, err = s.st.OrganisationAudits(r.Context(), id)
	if err != nil {
		return nil, nil, org, 0, err
	}
	if len(recs) == 0 {
		return nil, nil, org, 0, errNotFound
	}
	latest = map[string]store.AuditRecord{}
	for _, rec := range recs {
		if p, ok := latest[rec.Domain]; !ok || rec.Time.After(p.Time) || rec.Time.Equal(p.Time) && rec.CampaignID > p.CampaignID {
			latest[rec.Domain] = rec
		}
		if rec.CampaignID >= campaign {
			campaign, org = rec.CampaignID, rec.Org
		}
	}
	return recs, latest, org, campaign, nil
}

func (s *Server) organisation(r *http.Request) (*view, error) {
	recs, latest, org, newest, err := s.orgAudits(r, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &orgData{Org: org, Campaign: newest}
	var grades []string
	for _, dom := range d.Org.Domains {
		rec, ok := latest[dom]
		if !ok {
			continue
		}
		full, err := s.st.Audit(r.Context(), rec.ID)
		if err != nil {
			return nil, err
		}
		dd := domainData{Domain: dom, Rec: full}
		dd.Findings = s.ordered(full.Result)
		if full.Time.After(d.Time) {
			d.Time = full.Time
		}
		grades = append(grades, full.Grade)
		d.Domains = append(d.Domains, dd)
	}
	d.Grade = s.orgGrade(grades)
	d.Chart = s.historyChart(recs, requestLang(r).lang)
	list, err := s.finished(r.Context())
	if err != nil {
		return nil, err
	}
	if prev := previousFinished(list, d.Campaign); prev != 0 {
		// This organisation's audits only: comparing the whole
		// campaign is the campaign page's work.
		var changes []campaign.Change
		err := campaign.CompareOrganisation(r.Context(), s.st, d.Org.ID, prev, d.Campaign, func(c campaign.Change) error {
			changes = append(changes, c)
			return nil
		})
		if err != nil {
			return nil, err
		}
		d.Previous, d.Changes = prev, changes
	}
	title := d.Org.Name
	if title == "" {
		title = d.Org.ID
	}
	return &view{name: "org", title: title, data: d}, nil
}

// ordered returns the findings of r (nil for none), the most severe
// first, then those whose fix gains the most.
func (s *Server) ordered(r *audit.Result) []audit.Finding {
	if r == nil {
		return nil
	}
	fs := slices.Clone(r.Findings)
	slices.SortStableFunc(fs, func(a, b audit.Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(s.gain(r, b), s.gain(r, a)))
	})
	return fs
}

// gain is what fixing f would give back: the points its id took from
// its area in r's score (0 when not scored).
func (s *Server) gain(r *audit.Result, f audit.Finding) int {
	if r.Score == nil {
		return 0
	}
	for _, a := range r.Score.Areas {
		for _, l := range a.Lost {
			if l.ID == f.ID {
				return l.Points * a.Weight
			}
		}
	}
	return 0
}

type auditData struct {
	Rec      store.AuditRecord
	Findings []audit.Finding
}

func (s *Server) auditView(r *http.Request) (*auditData, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	rec, err := s.st.Audit(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &auditData{Rec: rec, Findings: s.ordered(rec.Result)}, nil
}

func (s *Server) auditPage(r *http.Request) (*view, error) {
	d, err := s.auditView(r)
	if err != nil {
		return nil, err
	}
	return &view{name: "audit", title: d.Rec.Domain, data: d}, nil
}

func (s *Server) auditPrint(r *http.Request) (*view, error) {
	d, err := s.auditView(r)
	if err != nil {
		return nil, err
	}
	return &view{name: "audit", title: d.Rec.Domain, data: d, print: true}, nil
}

type campaignData struct {
	Stats    *campaignStats
	Previous int64
	Cmp      *comparison
	Worse    []campaign.Change
	Results  []store.AuditRecord
	Offset   int
	Next     int
	Files    []string
}

// campaignRows is how many results a campaign page lists at a time.
const campaignRows = 100

func (s *Server) campaignPage(r *http.Request) (*view, error) {
	l := requestLang(r)
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	off, err := offsetParam(r.URL.Query().Get("offset"))
	if err != nil {
		return nil, err
	}
	all, err := s.campaigns(r.Context())
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(all, func(c store.CampaignSummary) bool { return c.ID == id })
	if i < 0 {
		return nil, errNotFound
	}
	list := all[i : i+1]
	d := &campaignData{Offset: off}
	if d.Stats, err = s.campaignStats(r.Context(), list[0]); err != nil {
		return nil, err
	}
	fin, err := s.finished(r.Context())
	if err != nil {
		return nil, err
	}
	if prev := previousFinished(fin, id); prev != 0 && list[0].Status == store.StatusFinished {
		if d.Cmp, err = s.compare(r.Context(), prev, id); err != nil {
			return nil, err
		}
		d.Previous = prev
		d.Worse = d.Cmp.Worse[:min(len(d.Cmp.Worse), 50)]
	}
	n := 0
	// Digests, not results: the page lists grades, and decoding a
	// whole campaign's results takes minutes at a country's size.
	err = s.st.CampaignDigests(r.Context(), id, func(rec store.AuditRecord) error {
		if n >= off && n < off+campaignRows {
			rec.Digest = nil
			d.Results = append(d.Results, rec)
		}
		n++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if off+len(d.Results) < n {
		d.Next = off + len(d.Results)
	}
	files, _ := s.openDataFiles()
	for _, f := range files {
		d.Files = append(d.Files, f.Name())
	}
	name := list[0].Name
	return &view{name: "campaign", title: tr(l.lang, "Campagne ", "Campaign ") + name, data: d}, nil
}

func (s *Server) methodologyPage(r *http.Request) (*view, error) {
	l := requestLang(r)
	return &view{name: "methodology", title: tr(l.lang, "Méthodologie", "Methodology"), data: s.methodology[l.lang]}, nil
}

type openDataFile struct {
	Name string
	Size int64
}

func (s *Server) openData(r *http.Request) (*view, error) {
	l := requestLang(r)
	ents, err := s.openDataFiles()
	if err != nil {
		return nil, err
	}
	var files []openDataFile
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		files = append(files, openDataFile{Name: e.Name(), Size: fi.Size()})
	}
	return &view{name: "opendata", title: tr(l.lang, "Données ouvertes", "Open data"), data: files}, nil
}

func (s *Server) about(r *http.Request) (*view, error) {
	l := requestLang(r)
	return &view{name: "about", title: tr(l.lang, "À propos", "About"), data: s.opt.SecurityContact != ""}, nil
}
