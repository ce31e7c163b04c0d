package web

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"unicode/utf8"
)

// badge serves /badge/{domain}.svg: the domain's latest grade and its
// date, to embed in another site (Cross-Origin-Resource-Policy
// cross-origin), cached for an hour, with an ETag.
func (s *Server) badge(w http.ResponseWriter, r *http.Request) {
	domain, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	if !ok || domain == "" || len(domain) > 253 || !utf8.ValidString(domain) {
		http.NotFound(w, r)
		return
	}
	domain = strings.ToLower(domain)
	l := requestLang(r)
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	// Kept like pages, while the store holds the same campaigns: the
	// first byte says whether the domain was audited. Only audited
	// domains' are kept, so that asking for made-up names does not
	// crowd the pages out.
	key := "badge\x00" + l.lang + "\x00" + domain
	if err := s.cacheValid(r.Context()); err != nil {
		s.opt.Log.Error("web: badge", "domain", domain, "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	kept := s.cached(key)
	if kept == nil {
		h, err := s.st.History(r.Context(), domain, false)
		if err != nil {
			s.opt.Log.Error("web: badge", "domain", domain, "err", err)
			http.Error(w, "500 internal server error", http.StatusInternalServerError)
			return
		}
		grade, date := "?", tr(l.lang, "non audité", "not audited")
		for i := len(h) - 1; i >= 0; i-- {
			if h[i].Grade != "" {
				grade, date = h[i].Grade, h[i].Time.UTC().Format("2006-01-02")
				break
			}
		}
		audited := byte('1')
		if len(h) == 0 {
			audited = '0'
		}
		kept = append([]byte{audited}, badgeSVG(grade, date, l.lang)...)
		if audited == '1' {
			s.keep(key, kept)
		}
	}
	if kept[0] == '0' {
		// Not audited: a badge that says so, with a status that says so.
		w.WriteHeader(http.StatusNotFound)
		w.Write(kept[1:])
		return
	}
	writeTagged(w, r, kept[1:])
}

// gradeColours are the badge's colours of each grade, dark enough for
// white text (WCAG AA contrast).
var gradeColours = map[string]string{
	"A+": "#1a6b2f", "A": "#1f7a35", "B": "#4d6b00", "C": "#7a5c00", "D": "#9a4a00", "E": "#a33a12", "F": "#a3121d",
}

// badgeSVG draws the badge: "CyberScore" on the left, grade and date on
// the right.
func badgeSVG(grade, date, lang string) []byte {
	colour := gradeColours[grade]
	if colour == "" {
		colour = "#555555"
	}
	label := "CyberScore"
	value := grade + " · " + date
	lw, vw := 78, 12+7*utf8.RuneCountInString(value)
	e := html.EscapeString
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s">
<title>%s</title>
<rect width="%d" height="20" fill="#333333"/>
<rect x="%d" width="%d" height="20" fill="%s"/>
<g fill="#ffffff" font-family="DejaVu Sans,Verdana,sans-serif" font-size="11">
<text x="6" y="14">%s</text>
<text x="%d" y="14">%s</text>
</g>
</svg>
`, lw+vw, e(label+" "+value), e(tr(lang, "CyberScore\u00a0: ", "CyberScore: ")+value), lw, lw, vw, colour, e(label), lw+6, e(value))
}
