package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/ondemand"
	"vigie.eu/vigie/internal/store"
)

// On-demand audits: a visitor asks for an audit of a domain (the form of
// the home page, or POST /api/v1/audits), follows its request at
// /ondemand/request/TOKEN (a page that reloads itself, without
// JavaScript) and lands on its permalink /ondemand/ID. The queue
// (internal/ondemand) audits and stores; this file only shows.

// maxForm bounds the body of an on-demand request, form or JSON.
const maxForm = 4 << 10

// refreshEvery is the meta refresh of a request's progress page, in
// seconds.
const refreshEvery = 2

// onDemandRoutes registers what takes and follows requests; the
// permalinks are served whether or not requests are taken (see routes).
func (s *Server) onDemandRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /ondemand", s.onDemandForm)
	m.HandleFunc("GET /ondemand/request/{token}", s.page(s.onDemandProgress))
	m.HandleFunc("POST /api/v1/audits", s.apiSubmit)
	m.HandleFunc("GET /api/v1/ondemand/requests/{token}", s.apiRequest)
}

// takesPost reports whether path (with or without its language prefix)
// takes a POST: the on-demand requests, when they are served.
func (s *Server) takesPost(path string) bool {
	for _, p := range []string{"", "/fr", "/en"} {
		switch path {
		case p + "/ondemand":
			return s.opt.OnDemand != nil
		case p + "/admin/login", p + "/admin/logout":
			return s.opt.Operators != nil
		}
	}
	return path == "/api/v1/audits" && s.opt.OnDemand != nil
}

// client is the address the rate limit counts: the peer's, or with
// TrustProxy the last entry of X-Forwarded-For (the one the proxy
// appended; the ones before come from the client and prove nothing).
func (s *Server) client(r *http.Request) netip.Addr {
	if s.opt.TrustProxy {
		if v := r.Header.Values("X-Forwarded-For"); len(v) > 0 {
			last := v[len(v)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a, err := netip.ParseAddr(strings.TrimSpace(last)); err == nil {
				return a.Unmap()
			}
		}
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.IPv4Unspecified()
}

// crossOrigin refuses a state-changing request that a browser sent
// from another site (Sec-Fetch-Site, or Origin against Host): a form
// elsewhere cannot make visitors ask for audits. Requests without
// either header come from no browser, and pass.
func (s *Server) crossOrigin() *http.CrossOriginProtection {
	s.csrfOnce.Do(func() {
		s.csrf = http.NewCrossOriginProtection()
		if s.opt.BaseURL != "" {
			// The public address, when a proxy rewrites Host.
			if err := s.csrf.AddTrustedOrigin(s.opt.BaseURL); err != nil {
				s.opt.Log.Warn("web: base URL is not an origin", "url", s.opt.BaseURL, "err", err)
			}
		}
	})
	return s.csrf
}

type onDemandData struct {
	Status *ondemand.Status
	// Error says why a request was not taken; Domain is what was
	// typed, to fill the form again.
	Error  string
	Domain string
}

// requestError is the page of a request that was not taken.
func requestError(lang, domain string, err error) *view {
	var re *ondemand.RequestError
	if !errors.As(err, &re) {
		return nil
	}
	v := &view{name: "ondemand", title: tr(lang, "Audit à la demande", "On-demand audit"), noStore: true,
		data: &onDemandData{Error: re.Why.In(lang), Domain: domain}}
	switch {
	case errors.Is(err, ondemand.ErrRateLimited):
		v.status = http.StatusTooManyRequests
	case errors.Is(err, ondemand.ErrBusy):
		v.status = http.StatusServiceUnavailable
	default:
		v.status = http.StatusBadRequest
	}
	if re.RetryAfter > 0 {
		v.retryAfter = int((re.RetryAfter + time.Second - 1) / time.Second)
	}
	return v
}

// onDemandForm takes the home page's form.
func (s *Server) onDemandForm(w http.ResponseWriter, r *http.Request) {
	if err := s.crossOrigin().Check(r); err != nil {
		s.page(func(r *http.Request) (*view, error) {
			l := requestLang(r)
			return &view{name: "error", status: http.StatusForbidden, noStore: true, title: tr(l.lang, "Requête refusée", "Request refused"),
				data: tr(l.lang, "Le formulaire d'audit doit être envoyé depuis ce site.", "The audit form must be sent from this site.")}, nil
		})(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	s.page(func(r *http.Request) (*view, error) {
		l := requestLang(r)
		if err := r.ParseForm(); err != nil {
			return nil, &badRequest{"Formulaire illisible ou trop long.", "Unreadable or too long form."}
		}
		domain := r.PostForm.Get("domain")
		st, err := s.opt.OnDemand.Submit(r.Context(), s.client(r), domain)
		if err != nil {
			if v := requestError(l.lang, domain, err); v != nil {
				if len(domain) > 253 {
					v.data.(*onDemandData).Domain = ""
				}
				return v, nil
			}
			return nil, err
		}
		if st.State == ondemand.Done {
			return &view{redirect: link(l.prefix, "/ondemand/"+strconv.FormatInt(st.AuditID, 10))}, nil
		}
		return &view{redirect: link(l.prefix, "/ondemand/request/"+st.Token)}, nil
	})(w, r)
}

// tokenParam reads a request's token from the path: 32 hex digits.
func tokenParam(r *http.Request) (string, bool) {
	t := r.PathValue("token")
	if len(t) != 32 || strings.Trim(t, "0123456789abcdef") != "" {
		return "", false
	}
	return t, true
}

// onDemandProgress is a request's page: where it stands, reloading
// itself until the audit is done, then a redirect to its permalink.
func (s *Server) onDemandProgress(r *http.Request) (*view, error) {
	l := requestLang(r)
	token, ok := tokenParam(r)
	if !ok {
		return nil, errNotFound
	}
	st, ok := s.opt.OnDemand.Status(token)
	if !ok {
		return &view{name: "error", status: http.StatusNotFound, noStore: true, title: tr(l.lang, "Demande inconnue", "Unknown request"),
			data: tr(l.lang, "Cette demande d'audit est inconnue ou trop ancienne : demandez l'audit à nouveau depuis l'accueil.",
				"This audit request is unknown or too old: ask for the audit again from the home page.")}, nil
	}
	if st.State == ondemand.Done {
		return &view{redirect: link(l.prefix, "/ondemand/"+strconv.FormatInt(st.AuditID, 10))}, nil
	}
	v := &view{name: "ondemand", title: tr(l.lang, "Audit à la demande", "On-demand audit"), noStore: true, data: &onDemandData{Status: &st}}
	if st.State == ondemand.Queued || st.State == ondemand.Running {
		v.refresh = refreshEvery
	}
	return v, nil
}

type onDemandAuditData struct {
	Audit    store.OnDemandAudit
	Findings []audit.Finding
}

// onDemandAudit is an on-demand audit's permalink.
func (s *Server) onDemandAudit(r *http.Request) (*view, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	a, err := s.st.OnDemand(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &view{name: "ondemandaudit", title: a.Domain, data: &onDemandAuditData{Audit: a, Findings: s.ordered(a.Result)}}, nil
}

// apiOnDemand is an on-demand audit's result, as "vigie audit --json"
// prints it.
func (s *Server) apiOnDemand(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	a, err := s.st.OnDemand(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if a.Result == nil {
		return nil, errors.New(a.Unreadable)
	}
	return a.Result, nil
}

// requestJSON is a request's status, as the API gives it.
type requestJSON struct {
	Token     string `json:"token"`
	Domain    string `json:"domain"`
	State     string `json:"state"`
	Position  int    `json:"position,omitempty"`
	StatusURL string `json:"status_url"`
	// AuditID and the URLs of the audit, when done.
	AuditID  int64  `json:"audit_id,omitempty"`
	AuditURL string `json:"audit_url,omitempty"`
	PageURL  string `json:"page_url,omitempty"`
	// Earlier: the audit was made before the request, less than the
	// cool-down ago.
	Earlier bool `json:"earlier,omitempty"`
	// Reason says why the request was refused or failed, in English
	// and in French.
	Reason   string          `json:"reason,omitempty"`
	ReasonFR string          `json:"reason_fr,omitempty"`
	Refused  []audit.Refusal `json:"refused,omitempty"`
}

func (s *Server) requestOf(st ondemand.Status) requestJSON {
	j := requestJSON{Token: st.Token, Domain: st.Domain, State: string(st.State), Position: st.Position,
		StatusURL: s.opt.BaseURL + "/api/v1/ondemand/requests/" + st.Token, Earlier: st.Earlier,
		Reason: st.Reason.EN, ReasonFR: st.Reason.FR, Refused: st.Refusals}
	if st.State == ondemand.Done {
		id := strconv.FormatInt(st.AuditID, 10)
		j.AuditID, j.AuditURL, j.PageURL = st.AuditID, s.opt.BaseURL+"/api/v1/ondemand/"+id, s.opt.BaseURL+"/ondemand/"+id
	}
	return j
}

// writeJSON writes v with status, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	b, _ := json.MarshalIndent(v, "", "  ")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// apiFail writes an API error; code names it for programs.
func apiFail(w http.ResponseWriter, status int, code, message string) {
	var e struct {
		Error struct {
			Status  int    `json:"status"`
			Code    string `json:"code,omitempty"`
			Message string `json:"message"`
		} `json:"error"`
	}
	e.Error.Status, e.Error.Code, e.Error.Message = status, code, message
	writeJSON(w, status, e)
}

// apiSubmit is POST /api/v1/audits: {"domain": "example.fr"} in, the
// request's status out (202, or 200 when an earlier audit answers).
func (s *Server) apiSubmit(w http.ResponseWriter, r *http.Request) {
	if err := s.crossOrigin().Check(r); err != nil {
		apiFail(w, http.StatusForbidden, "cross_origin", "cross-origin request refused")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		apiFail(w, http.StatusUnsupportedMediaType, "content_type", `want Content-Type: application/json and a body {"domain": "example.fr"}`)
		return
	}
	var in struct {
		Domain string `json:"domain"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxForm))
	if err := dec.Decode(&in); err != nil || dec.Decode(new(json.RawMessage)) != io.EOF {
		apiFail(w, http.StatusBadRequest, "body", `want one JSON object {"domain": "example.fr"} of at most 4 KiB`)
		return
	}
	st, err := s.opt.OnDemand.Submit(r.Context(), s.client(r), in.Domain)
	var re *ondemand.RequestError
	switch {
	case errors.As(err, &re):
		if re.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((re.RetryAfter+time.Second-1)/time.Second)))
		}
		switch {
		case errors.Is(err, ondemand.ErrRateLimited):
			apiFail(w, http.StatusTooManyRequests, "rate_limited", re.Why.EN)
		case errors.Is(err, ondemand.ErrBusy):
			apiFail(w, http.StatusServiceUnavailable, "busy", re.Why.EN)
		default:
			apiFail(w, http.StatusBadRequest, "invalid_domain", re.Why.EN)
		}
		return
	case err != nil:
		s.opt.Log.Error("web: on-demand request", "err", err)
		apiFail(w, http.StatusInternalServerError, "internal", "internal error: see the server's log")
		return
	}
	j := s.requestOf(st)
	w.Header().Set("Location", j.StatusURL)
	status := http.StatusAccepted
	if st.State == ondemand.Done {
		status = http.StatusOK
	}
	writeJSON(w, status, j)
}

// apiRequest is GET /api/v1/ondemand/requests/{token}: the request's
// status.
func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request) {
	token, ok := tokenParam(r)
	if !ok {
		apiFail(w, http.StatusNotFound, "", "not found")
		return
	}
	st, ok := s.opt.OnDemand.Status(token)
	if !ok {
		apiFail(w, http.StatusNotFound, "", "not found: unknown or expired request")
		return
	}
	writeJSON(w, http.StatusOK, s.requestOf(st))
}
