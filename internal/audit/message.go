package audit

import (
	"sort"
	"strconv"
	"strings"
)

// Message is a sentence for users kept as data: a stable code from the
// catalogue (Messages) and its parameters, rendered in French or English
// at the edge (report, web, export). Codes are published data, like
// finding identifiers: append-only, never renamed or reused.
//
// Parameters are language-neutral: names, numbers, addresses, protocol
// tokens, and remote values already quoted and bounded by the rules of
// internal/check/evidence (the emitter quotes them). Items are
// sub-messages, rendered in the template's "{items}" and joined by "; ".
type Message struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
	Items  []Message         `json:"items,omitempty"`
}

// M returns the message code with its parameters given as name, value
// pairs.
func M(code string, kv ...string) Message {
	m := Message{Code: code}
	if len(kv) > 0 {
		m.Params = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m.Params[kv[i]] = kv[i+1]
		}
	}
	return m
}

// WithItems returns m with the sub-messages items.
func (m Message) WithItems(items ...Message) Message {
	m.Items = items
	return m
}

// Known reports whether the code of m and of each of its items is in the
// catalogue.
func (m Message) Known() bool {
	if _, ok := Messages[m.Code]; !ok {
		return false
	}
	for _, it := range m.Items {
		if !it.Known() {
			return false
		}
	}
	return true
}

// Codes returns the code of m and of its items, depth first.
func (m Message) Codes() []string {
	out := []string{m.Code}
	for _, it := range m.Items {
		out = append(out, it.Codes()...)
	}
	return out
}

// Render writes m in lang ("fr" or "en", French by default): its
// template with each "{name}" replaced by the parameter of that name and
// "{items}" by the rendered items. A code missing from the catalogue is
// written as the code and its parameters, so that nothing is lost.
func (m Message) Render(lang string) string {
	t, ok := Messages[m.Code]
	if !ok {
		keys := make([]string, 0, len(m.Params))
		for k := range m.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString(m.Code)
		for _, k := range keys {
			b.WriteString(" " + k + "=" + m.Params[k])
		}
		return b.String()
	}
	tmpl := t.In(lang)
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		if name == "items" {
			parts := make([]string, len(m.Items))
			for k, it := range m.Items {
				parts[k] = it.Render(lang)
			}
			sep := "; "
			if lang != "en" {
				sep = " ; "
			}
			b.WriteString(strings.Join(parts, sep))
		} else {
			b.WriteString(m.Params[name])
		}
		tmpl = tmpl[i+j+1:]
	}
	return b.String()
}

// EvidenceIn returns the evidence of f in lang: rendered from its
// message when it has one the catalogue knows, else its stored text in
// that language (EvidenceFR), else the English one.
func (f Finding) EvidenceIn(lang string) string {
	if f.EvidenceMessage != nil && f.EvidenceMessage.Known() {
		return f.EvidenceMessage.Render(lang)
	}
	if lang != "en" && f.EvidenceFR != "" {
		return f.EvidenceFR
	}
	return f.Evidence
}

// Decimal writes x with prec decimals as lang writes numbers: a decimal
// comma in French ("13,6"), a point in English ("13.6"). The report, the
// campaign meter and the command line all write numbers through it.
func Decimal(x float64, prec int, lang string) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
