package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// What an operator may leave out of an export (Options.Omit), beyond the
// raw text of remote servers that audits.jsonl always leaves out unless
// Options.FullObservations. The names are published (they appear in the
// schemas and in audits.jsonl's "omitted"): append-only.
const (
	// OmitEvidence empties the evidence of every finding: the evidence
	// column of findings.csv and the other tables, and the findings'
	// "evidence" in audits.jsonl.
	OmitEvidence = "evidence"
	// OmitAddresses removes every IP address: the address lists of the
	// observations, and every IP address written in a text (evidence,
	// subject, error, the probed "address:port"), replaced by
	// OmittedText.
	OmitAddresses = "addresses"
	// OmitCertificates removes the subject, issuer and serial number of
	// every certificate of the observations, and replaces each of those
	// subjects and issuers, wherever a text quotes it, by OmittedText.
	OmitCertificates = "certificates"
	// OmitObservations leaves the observations out of audits.jsonl
	// (findings and score stay): "vigie rescore" cannot judge it again.
	OmitObservations = "observations"
)

// OmitFields lists what Options.Omit accepts.
var OmitFields = []string{OmitEvidence, OmitAddresses, OmitCertificates, OmitObservations}

// OmittedText stands for a value left out of a text.
const OmittedText = "[omitted]"

// ParseOmit reads fields given as repeated or comma-separated values and
// returns them once each, in the order of OmitFields.
func ParseOmit(values ...string) ([]string, error) {
	seen := map[string]bool{}
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			f = strings.ToLower(strings.TrimSpace(f))
			if f == "" {
				continue
			}
			if !slices.Contains(OmitFields, f) {
				return nil, fmt.Errorf("export: cannot omit %q: want %s", f, strings.Join(OmitFields, ", "))
			}
			seen[f] = true
		}
	}
	var fs []string
	for _, f := range OmitFields {
		if seen[f] {
			fs = append(fs, f)
		}
	}
	return fs, nil
}

// omittedPaths are the paths that audits.jsonl's "omitted" adds for
// each field left out.
var omittedPaths = map[string][]string{
	OmitEvidence:     {"findings.evidence"}, // with evidence_fr and evidence_message
	OmitAddresses:    {"addresses"},
	OmitCertificates: {"tls.certificates.subject", "tls.certificates.issuer", "tls.certificates.serial"},
	OmitObservations: {"observations"},
}

// omitRecord returns rec with what omit names left out of its result;
// rec is not changed. The result is rewritten as JSON, the form every
// field takes in the export, so that no field is forgotten: every string
// of it passes through the same filters.
func omitRecord(rec *store.AuditRecord, omit []string) (*store.AuditRecord, error) {
	if len(omit) == 0 || rec.Result == nil {
		return rec, nil
	}
	js, err := json.Marshal(rec.Result)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber() // numbers stay exact
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	o := &omitter{addresses: slices.Contains(omit, OmitAddresses), certificates: slices.Contains(omit, OmitCertificates)}
	root, _ := v.(map[string]any)
	if slices.Contains(omit, OmitObservations) {
		delete(root, "observations")
	}
	if slices.Contains(omit, OmitEvidence) {
		if fs, ok := root["findings"].([]any); ok {
			for _, f := range fs {
				if m, ok := f.(map[string]any); ok {
					delete(m, "evidence")
					delete(m, "evidence_fr")
					delete(m, "evidence_message")
				}
			}
		}
	}
	if o.certificates {
		o.collect(v, "")
		// The longest first, so that a subject holding another is
		// replaced whole.
		slices.SortFunc(o.names, func(a, b string) int { return len(b) - len(a) })
	}
	v = o.walk(v, "")
	if js, err = json.Marshal(v); err != nil {
		return nil, err
	}
	var r audit.Result
	if err := json.Unmarshal(js, &r); err != nil {
		return nil, err
	}
	c := *rec
	c.Result = &r
	return &c, nil
}

// omitter filters the strings of a result.
type omitter struct {
	addresses, certificates bool
	names                   []string // certificate subjects and issuers to replace in texts
}

// certKeys are the fields of a certificate that OmitCertificates
// removes.
var certKeys = []string{"subject", "issuer", "serial"}

// addressKeys are the lists of IP addresses that OmitAddresses removes.
var addressKeys = []string{"ipv4", "ipv6", "ip_addresses"}

// collect gathers the subjects and issuers of the certificates under v.
func (o *omitter) collect(v any, key string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if key == "certificates" && (k == "subject" || k == "issuer") {
				if s, ok := x.(string); ok && len(s) >= 3 && !slices.Contains(o.names, s) {
					o.names = append(o.names, s)
				}
			}
			o.collect(x, k)
		}
	case []any:
		for _, x := range v {
			o.collect(x, key) // elements of the list named key
		}
	}
}

// walk returns v with the omitted fields removed and every string
// filtered; key is the name v has in its parent object (a list's
// elements have the list's name).
func (o *omitter) walk(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if (o.certificates && key == "certificates" && slices.Contains(certKeys, k)) ||
				(o.addresses && slices.Contains(addressKeys, k)) {
				delete(x, k)
				continue
			}
			x[k] = o.walk(e, k)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = o.walk(e, key)
		}
		return x
	case string:
		return o.text(x)
	}
	return v
}

// text filters one string.
func (o *omitter) text(s string) string {
	for _, n := range o.names {
		s = strings.ReplaceAll(s, n, OmittedText)
	}
	if o.addresses {
		s = scrubAddresses(s)
	}
	return s
}

// scrubAddresses replaces every IP address written in s (IPv4, IPv6,
// with a zone, before a port or in brackets) by OmittedText.
func scrubAddresses(s string) string {
	isAddrByte := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.'
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isAddrByte(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isAddrByte(s[j]) {
			j++
		}
		b.WriteString(scrubRun(s[i:j]))
		i = j
	}
	return b.String()
}

// scrubRun filters a run of the characters an address is written with:
// the whole run ("2001:db8::1", "192.0.2.1:443"), or, when it is not
// one, each address of dotted digits inside it ("ab1.2.3.4" stays, but
// "host:192.0.2.1" loses the address).
func scrubRun(run string) string {
	trimmed := strings.TrimRight(run, ".:")
	if isAddr(trimmed) {
		return OmittedText + run[len(trimmed):]
	}
	if ap, err := netip.ParseAddrPort(trimmed); err == nil && ap.Addr().IsValid() {
		return OmittedText + run[len(trimmed):]
	}
	// IPv4 addresses inside the run, between separators.
	parts := strings.FieldsFunc(run, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
	for _, p := range parts {
		p = strings.Trim(p, ".")
		if strings.Count(p, ".") == 3 && isAddr(p) {
			run = strings.Replace(run, p, OmittedText, 1)
		}
	}
	return run
}

func isAddr(s string) bool {
	if !strings.ContainsAny(s, ".:") {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// omittedNote is what the schema says of a column that omit empties or
// filters, "" when nothing.
func omittedNote(name string, omit []string) audit.Text {
	var n audit.Text
	if name == "evidence" && slices.Contains(omit, OmitEvidence) {
		n.FR += " Absente de cet export (--omit evidence) : toujours vide."
		n.EN += " Left out of this export (--omit evidence): always empty."
	}
	if slices.Contains([]string{"evidence", "subject", "error"}, name) {
		if slices.Contains(omit, OmitAddresses) {
			n.FR += " Les adresses IP y sont remplacées par " + OmittedText + " (--omit addresses)."
			n.EN += " IP addresses are replaced there by " + OmittedText + " (--omit addresses)."
		}
		if slices.Contains(omit, OmitCertificates) {
			n.FR += " Les sujets et émetteurs de certificats y sont remplacés par " + OmittedText + " (--omit certificates)."
			n.EN += " Certificate subjects and issuers are replaced there by " + OmittedText + " (--omit certificates)."
		}
	}
	return n
}
