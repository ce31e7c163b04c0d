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
	h, err := s.st.History(r.Context(), domain, false)
	if err != nil {
		s.opt.Log.Error("web: badge", "domain", domain, "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	l := requestLang(r)
	grade, date := "?", tr(l.lang, "non audité", "not audited")
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Grade != "" {
			grade, date = h[i].Grade, h[i].Time.UTC().Format("2006-01-02")
			break
		}
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	body := badgeSVG(grade, date, l.lang)
	if len(h) == 0 {
		// Not audited: a badge that says so, with a status that says so.
		w.WriteHeader(http.StatusNotFound)
		w.Write(body)
		return
	}
	writeTagged(w, r, body)
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
`, lw+vw, e(label+" "+value), e(tr(lang, "CyberScore : ", "CyberScore: ")+value), lw, lw, vw, colour, e(label), lw+6, e(value))
}
