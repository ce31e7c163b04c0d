package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/score"
)

// pageNames are the page templates, each a file of templates/ that
// defines "content" inside the layout.
var pageNames = []string{"home", "org", "audit", "campaign", "methodology", "opendata", "about", "error", "ondemand", "ondemandaudit", "admin"}

// funcs are the functions the templates call. They return text that
// html/template escapes in its context: none builds HTML.
var funcs = template.FuncMap{
	"tr":       tr,
	"outOf100": func(points int, lang string) string { return outOf100(points, lang) },
	// French puts a no-break space before a colon and a narrow one
	// before a semicolon and a percent sign; English none.
	"colon": func(lang string) string { return tr(lang, "\u00a0: ", ": ") },
	"semi":  func(lang string) string { return tr(lang, "\u202f; ", "; ") },
	"pct":   func(n int, lang string) string { return fmt.Sprintf(tr(lang, "%d\u202f%%", "%d%%"), n) },
	"href":  link,
	"in":    func(t audit.Text, lang string) string { return t.In(lang) },
	// why an audit could not run, in lang when the result has its message
	// (results stored before the catalogue have the English text only).
	"resultError": func(r *audit.Result, lang string) string {
		if m := r.ErrorMessage; m != nil && m.Known() {
			return m.Render(lang)
		}
		return r.Error
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"gradeClass": func(g string) string {
		if g == "" {
			return "g-none"
		}
		return "g-" + strings.ToLower(strings.ReplaceAll(g, "+", "plus"))
	},
	"gradeText": func(g, lang string) string {
		if g == "" {
			return tr(lang, "sans note", "no grade")
		}
		return g
	},
	"sev": func(s audit.Severity, lang string) string {
		switch s {
		case audit.Critical:
			return tr(lang, "critique", "critical")
		case audit.High:
			return tr(lang, "élevée", "high")
		case audit.Medium:
			return tr(lang, "moyenne", "medium")
		case audit.Low:
			return tr(lang, "faible", "low")
		}
		return tr(lang, "information", "info")
	},
	"kind": func(c campaign.Change, lang string) string {
		switch c.Kind() {
		case campaign.Worse:
			return tr(lang, "en recul", "worse")
		case campaign.Better:
			return tr(lang, "en progrès", "better")
		case campaign.Same:
			return tr(lang, "inchangé", "same")
		case campaign.New:
			return tr(lang, "nouveau", "new")
		case campaign.Gone:
			return tr(lang, "plus audité", "gone")
		}
		return tr(lang, "sans note", "unscored")
	},
	"pathEscape":  url.PathEscape,
	"queryEscape": url.QueryEscape,
	// other is the address of the same page in the other language.
	"other": func(lang, path string) string {
		if lang == "en" {
			return "/fr" + path
		}
		return "/en" + path
	},
	"bar": func(percent int) int { return percent * 2 },
	"add": func(a, b int) int { return a + b },
	"size": func(n int64) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f Mio", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f kio", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d o", n)
	},
	// dict makes a map of its key, value pairs, to hand several values
	// to a template.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	// area is the name of a scored area in lang.
	"area": func(id, lang string) string {
		for _, a := range score.Default().Areas {
			if a.ID == id {
				return a.Name.In(lang)
			}
		}
		return id
	},
	"isTrimmed": func(r *audit.Result) bool { return r != nil && len(r.Trimmed) > 0 },
}

// parsePages parses each page with the layout.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}
