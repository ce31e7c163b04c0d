package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// AuditLine is one line of audits.jsonl: a stored audit (the result of
// "vigie audit --json": observations, findings, score) with its
// organisation and campaign. JSON Lines rather than one array, so that a
// reader can stream a file of any size, and "vigie rescore" reads the
// "result" objects as they are.
//
// By default the observations are published without the raw text of the
// remote servers (see Omitted); Options.FullObservations publishes them
// whole.
type AuditLine struct {
	Organisation OrganisationJSON `json:"organisation"`
	CampaignID   int64            `json:"campaign_id"`
	Domain       string           `json:"domain"`
	Time         time.Time        `json:"time"`
	Result       *audit.Result    `json:"result"`
	// Omitted lists the fields of the observations left out of Result,
	// by path (the values of Omitted); empty when the observations are
	// whole.
	Omitted []string `json:"omitted,omitempty"`
}

// Omitted is what audits.jsonl leaves out of the observations by
// default: the raw text of remote servers, which a published data set
// should not carry (a page, a file or a banner may hold anything, an
// internal page fetched by mistake included). The findings, the score
// and every other observation (parsed policies, cookies' attributes,
// the security headers that checks read) are kept.
var Omitted = []string{
	"http.body",              // the start of each final page
	"http.responses.headers", // every header but the security headers that checks read (SecurityHeaders)
	"http.responses.cookies.raw",
	"security_txt.body",   // the file as fetched; findings judge it
	"mail.mta_sts.policy", // the policy text; its parsed fields (mode, mx, max_age) are kept
	"mail.mx.hosts.smtp.banner",
}

// SecurityHeaders are the response headers audits.jsonl keeps by default:
// those the checks read, and a few more of the same family.
var SecurityHeaders = []string{
	"Content-Security-Policy", "Content-Security-Policy-Report-Only", "Content-Type",
	"Cross-Origin-Embedder-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy",
	"Permissions-Policy", "Referrer-Policy", "Server", "Strict-Transport-Security",
	"X-Content-Type-Options", "X-Frame-Options", "X-Powered-By",
}

// withoutRawText returns a copy of r whose observations leave out what
// Omitted lists; r is not changed (its observations may be shared).
func withoutRawText(r *audit.Result) *audit.Result {
	if r == nil || r.Observations == nil {
		return r
	}
	c := *r
	o := *r.Observations
	c.Observations = &o
	o.HTTP = make([]*audit.HTTPObservation, len(r.Observations.HTTP))
	for i, h := range r.Observations.HTTP {
		if h == nil {
			continue
		}
		hc := *h
		hc.Body = ""
		hc.Responses = make([]audit.HTTPResponse, len(h.Responses))
		for j, resp := range h.Responses {
			if resp.Headers != nil {
				kept := map[string][]string{}
				for name, vs := range resp.Headers {
					if slices.Contains(SecurityHeaders, http.CanonicalHeaderKey(name)) {
						kept[name] = vs
					}
				}
				resp.Headers = kept
			}
			if resp.Cookies != nil {
				resp.Cookies = slices.Clone(resp.Cookies)
				for k := range resp.Cookies {
					resp.Cookies[k].Raw = ""
				}
			}
			hc.Responses[j] = resp
		}
		o.HTTP[i] = &hc
	}
	if s := r.Observations.SecurityTxt; s != nil {
		sc := *s
		sc.Body = ""
		o.SecurityTxt = &sc
	}
	if m := r.Observations.Mail; m != nil {
		mc := *m
		o.Mail = &mc
		if m.MTASTS != nil {
			p := *m.MTASTS
			p.Policy = ""
			mc.MTASTS = &p
		}
		if m.MX != nil {
			mx := *m.MX
			mc.MX = &mx
			mx.Hosts = make([]*audit.MXHost, len(m.MX.Hosts))
			for i, h := range m.MX.Hosts {
				if h == nil {
					continue
				}
				hc := *h
				hc.SMTP = make([]*audit.SMTPObservation, len(h.SMTP))
				for j, s := range h.SMTP {
					if s != nil {
						sc := *s
						sc.Banner = ""
						hc.SMTP[j] = &sc
					}
				}
				mx.Hosts[i] = &hc
			}
		}
	}
	return &c
}

// marshalJSON encodes v without HTML escaping (the files are data, not
// pages), indented when indent, and escapes every control character that
// encoding/json leaves as is (DEL and C1, U+007F to U+009F; it escapes C0
// itself): no JSON file of the export holds a raw control character, and
// a value keeps its exact text for whoever decodes it.
func marshalJSON(v any, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return escapeControls(buf.Bytes()), nil
}

// escapeControls rewrites DEL and the C1 characters of JSON text as \u
// escapes. In JSON they can only stand inside strings, and the encoding
// is valid UTF-8, where C1 characters are the pairs C2 80 to C2 9F.
func escapeControls(js []byte) []byte {
	i := firstControl(js)
	if i < 0 {
		return js
	}
	out := make([]byte, 0, len(js)+32)
	out = append(out, js[:i]...)
	const hex = "0123456789abcdef"
	for ; i < len(js); i++ {
		b := js[i]
		var r byte
		switch {
		case b == 0x7f:
			r = b
		case b == 0xc2 && i+1 < len(js) && js[i+1] >= 0x80 && js[i+1] <= 0x9f:
			i++
			r = js[i]
		default:
			out = append(out, b)
			continue
		}
		out = append(out, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
	}
	return out
}

// firstControl returns the index of the first DEL or C1 character of
// js, -1 if none: bytes.IndexByte, which is fast, finds the candidates
// (C2 also leads «, » and the no-break space of French text).
func firstControl(js []byte) int {
	first := bytes.IndexByte(js, 0x7f)
	for from := 0; ; {
		j := bytes.IndexByte(js[from:], 0xc2)
		if j < 0 || (first >= 0 && from+j > first) {
			return first
		}
		from += j + 1
		if from < len(js) && js[from] >= 0x80 && js[from] <= 0x9f {
			return from - 1
		}
	}
}

// OrganisationJSON is an organisation in audits.jsonl.
type OrganisationJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name,omitempty"`
	Category string   `json:"category,omitempty"`
	Domains  []string `json:"domains"`
}

// jsonWriter writes audits.jsonl and organisations.json (one JSON array
// of OrganisationRow, written element by element).
type jsonWriter struct {
	audits, orgs *output
	full         bool // the observations whole
	omit         []string
	n            int
}

func newJSONWriter(e *exporter) (*jsonWriter, error) {
	w := &jsonWriter{full: e.opts.FullObservations, omit: e.opts.Omit}
	var err error
	what := audit.Text{
		FR: "JSON Lines : un audit par ligne (observations sans le texte brut des serveurs distants, constats, note) avec son organisation.",
		EN: "JSON Lines: one audit a line (observations without the raw text of remote servers, findings, score) with its organisation.",
	}
	if w.full {
		what = audit.Text{
			FR: "JSON Lines : un audit complet par ligne (observations entières, constats, note) avec son organisation.",
			EN: "JSON Lines: one whole audit a line (all observations, findings, score) with its organisation.",
		}
	}
	// JSON Lines has no registered media type: none is given.
	w.audits, err = e.create(AuditsJSONL, "JSON", "", what)
	if err != nil {
		return nil, err
	}
	w.orgs, err = e.create(OrganisationsJSON, "JSON", "application/json", audit.Text{
		FR: "Tableau JSON des lignes de organisations.csv, typées.",
		EN: "JSON array of the rows of organisations.csv, typed.",
	})
	if err != nil {
		return nil, err
	}
	if _, err := w.orgs.Write([]byte("[\n")); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *jsonWriter) add(rec *store.AuditRecord, org *OrganisationRow) error {
	domains := make([]string, len(rec.Org.Domains))
	for i, d := range rec.Org.Domains {
		domains[i] = clean(d)
	}
	line := AuditLine{
		Organisation: OrganisationJSON{ID: org.OrganisationID, Name: org.OrganisationName, Category: org.Category, Domains: domains},
		CampaignID:   rec.CampaignID,
		Domain:       org.Domain,
		Time:         rec.Time,
		Result:       rec.Result,
	}
	if !w.full {
		line.Result = withoutRawText(rec.Result)
		line.Omitted = Omitted
	}
	for _, o := range w.omit {
		line.Omitted = append(slices.Clip(line.Omitted), omittedPaths[o]...)
	}
	js, err := marshalJSON(&line, false)
	if err != nil {
		return fmt.Errorf("export: %s: %w", AuditsJSONL, err)
	}
	if _, err := w.audits.Write(js); err != nil {
		return err
	}
	if w.n > 0 {
		if _, err := w.orgs.Write([]byte(",")); err != nil {
			return err
		}
	}
	w.n++
	if js, err = marshalJSON(org, false); err != nil {
		return fmt.Errorf("export: %s: %w", OrganisationsJSON, err)
	}
	_, err = w.orgs.Write(js)
	return err
}

func (w *jsonWriter) close() error {
	_, err := w.orgs.Write([]byte("]\n"))
	return err
}
