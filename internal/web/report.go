package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"vigie.eu/vigie/internal/report"
)

// auditReport serves an audit's printable report: the page of "vigie
// report --format html" (the grade and what to fix first for the mayor,
// then the details), the same words as the command line's. That page is
// self-contained, with its style inline: its Content-Security-Policy
// allows that one style by its hash, and still nothing else. A result
// that cannot be read falls back to the site's own page in print form.
func (s *Server) auditReport(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	key := l.lang + "\x00report\x00" + r.URL.Path
	if err := s.cacheValid(r.Context()); err != nil {
		s.opt.Log.Error("web: store", "err", err)
	} else if b := s.cached(key); b != nil {
		reportHeaders(w, l, b)
		writeTagged(w, r, b)
		return
	}
	id, err := idParam(r)
	if err != nil {
		s.page(s.auditPrint)(w, r)
		return
	}
	rec, err := s.st.Audit(r.Context(), id)
	if err != nil || rec.Result == nil {
		s.page(s.auditPrint)(w, r)
		return
	}
	var b bytes.Buffer
	if err := report.HTML(&b, rec.Result, report.Options{Lang: l.lang}); err != nil {
		s.opt.Log.Error("web: report", "audit", id, "err", err)
		s.page(s.auditPrint)(w, r)
		return
	}
	s.keep(key, b.Bytes())
	reportHeaders(w, l, b.Bytes())
	writeTagged(w, r, b.Bytes())
}

// reportHeaders sets the headers of a report page: those of every page,
// and a policy that lets its inline style, and nothing else, apply.
func reportHeaders(w http.ResponseWriter, l langOf, page []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", l.lang)
	w.Header().Set("Cache-Control", "no-cache")
	style := "'none'"
	if css, ok := inlineStyle(page); ok {
		sum := sha256.Sum256(css)
		style = "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src "+style+"; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// inlineStyle returns the content of page's first <style> element.
func inlineStyle(page []byte) ([]byte, bool) {
	_, rest, ok := bytes.Cut(page, []byte("<style>"))
	if !ok {
		return nil, false
	}
	css, _, ok := bytes.Cut(rest, []byte("</style>"))
	return css, ok
}
