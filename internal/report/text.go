// Package report renders audit results for people: a terminal report in
// French or English.
//
// It only formats: it never probes nor judges, and reads nothing but the
// audit.Result it is given. The JSON form of a result is audit.Result's own
// encoding and needs no help from here.
package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/target"
)

// Options says how to render a report.
type Options struct {
	// Lang is "fr" (the default) or "en".
	Lang string
	// Color adds ANSI colours; set it only when writing to a terminal.
	Color bool
}

// severities from the most to the least severe, the order of the report.
var severities = []audit.Severity{audit.Critical, audit.High, audit.Medium, audit.Low, audit.Info}

// severityName names a severity in the report's language, singular and
// plural.
var severityName = map[audit.Severity][2]audit.Text{
	audit.Critical: {{FR: "critique", EN: "critical"}, {FR: "critiques", EN: "critical"}},
	audit.High:     {{FR: "élevée", EN: "high"}, {FR: "élevées", EN: "high"}},
	audit.Medium:   {{FR: "moyenne", EN: "medium"}, {FR: "moyennes", EN: "medium"}},
	audit.Low:      {{FR: "faible", EN: "low"}, {FR: "faibles", EN: "low"}},
	audit.Info:     {{FR: "info", EN: "info"}, {FR: "infos", EN: "info"}},
}

// ANSI colours of the severities.
var severityColor = map[audit.Severity]string{
	audit.Critical: "\x1b[1;31m",
	audit.High:     "\x1b[31m",
	audit.Medium:   "\x1b[33m",
	audit.Low:      "\x1b[36m",
	audit.Info:     "\x1b[2m",
}

const (
	bold  = "\x1b[1m"
	reset = "\x1b[0m"
)

// knownErrors translates the errors of the engine that a user may see as
// the reason an audit could not run (engine.ErrNoSuchDomain...).
var knownErrors = map[string]audit.Text{
	"domain does not exist": {FR: "le domaine n'existe pas", EN: "the domain does not exist"},
	"audit cancelled":       {FR: "audit interrompu", EN: "audit cancelled"},
}

// noDNSAnswer starts engine.ErrNoDNSAnswer errors; what the DNS gave
// instead of an answer follows.
const noDNSAnswer = "no DNS answer: "

// specialName starts engine.ErrSpecialName errors; the name follows.
const specialName = "special-use name, not audited: "

// ErrorText gives, in lang ("fr" or "en"), the reason an audit could not
// run, from the Result.Error of the engine; an error it does not know is
// returned as it is.
func ErrorText(msg, lang string) string {
	if t, ok := knownErrors[msg]; ok {
		return t.In(lang)
	}
	if name, ok := strings.CutPrefix(msg, specialName); ok {
		t := audit.Text{
			FR: "%s est un nom à usage spécial (localhost, .local, .internal, .home.arpa...), hors de l'internet public : vigie ne l'audite pas",
			EN: "%s is a special-use name (localhost, .local, .internal, .home.arpa...), not on the public internet: vigie does not audit it",
		}
		return fmt.Sprintf(t.In(lang), name)
	}
	if why, ok := strings.CutPrefix(msg, noDNSAnswer); ok {
		t := audit.Text{
			FR: "aucune réponse DNS sur le domaine (%s) : rien n'a pu en être audité ; vérifier le résolveur (--resolver) puis les serveurs de noms du domaine",
			EN: "no DNS answer about the domain (%s): nothing of it could be audited; check the resolver (--resolver), then the domain's name servers",
		}
		if lang != "en" {
			why = audit.Failure(why).Render(lang)
		}
		return fmt.Sprintf(t.In(lang), why)
	}
	return msg
}

// ResultError gives, in lang, why the audit r could not run: from its
// message when it has one (Result.ErrorMessage), else from its text (see
// ErrorText).
func ResultError(r *audit.Result, lang string) string {
	if m := r.ErrorMessage; m != nil && m.Known() {
		return m.Render(lang)
	}
	return ErrorText(r.Error, lang)
}

// Text writes a report of r for a terminal: the domain and date, a summary
// of findings per severity, each finding with its evidence, remediation and
// standard, what the probes observed, and what they could not find out.
func Text(w io.Writer, r *audit.Result, o Options) error {
	p := &printer{w: bufio.NewWriter(w), lang: o.Lang, color: o.Color}
	if p.lang != "en" {
		p.lang = "fr"
	}
	p.header(r)
	if r.Error != "" {
		p.raw(p.paint(severityColor[audit.Critical], p.tr("Audit impossible : ", "Audit failed: ")) + clean(ResultError(r, p.lang)))
		p.line("")
		if r.Observations != nil {
			p.unknowns(p.errors(r))
		}
		return p.w.Flush()
	}
	unknown := p.errors(r)
	p.cutShort(r)
	p.mayor(r)
	p.score(r.Score)
	p.summary(r.Findings, len(unknown) > 0)
	p.byArea(r.Findings)
	if r.Observations != nil {
		p.observed(r.Observations)
	}
	p.unknowns(unknown)
	return p.w.Flush()
}

type printer struct {
	w     *bufio.Writer
	lang  string
	color bool
}

func (p *printer) tr(fr, en string) string {
	if p.lang == "en" {
		return en
	}
	return fr
}

// paint returns s, made safe for a terminal, in the colour code.
func (p *printer) paint(code, s string) string {
	s = clean(s)
	if !p.color || code == "" {
		return s
	}
	return code + s + reset
}

// line writes s, made safe for a terminal, and a new line.
func (p *printer) line(s string) {
	p.raw(clean(s))
}

// raw writes s and a new line; every piece of s that came from the
// network must have gone through clean or paint.
func (p *printer) raw(s string) {
	p.w.WriteString(s)
	p.w.WriteByte('\n')
}

// clean escapes what a terminal would interpret rather than print:
// control characters (escape sequences from a hostile server's headers
// must not reach the terminal) and the bidirectional overrides that can
// make a text read other than it is.
func clean(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r < ' ' || r == 0x7f || 0x80 <= r && r < 0xa0 ||
		0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069 || r == 0x200e || r == 0x200f
}

// field writes "label value" with continuation lines of value indented
// under its start.
func (p *printer) field(indent, label, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	pad := strings.Repeat(" ", len([]rune(indent+label)))
	for i, l := range wrap(value, width-len([]rune(pad))) {
		if i == 0 {
			p.line(indent + label + l)
		} else {
			p.line(pad + l)
		}
	}
}

func (p *printer) heading(s string) {
	p.raw(p.paint(bold, s))
}

func (p *printer) header(r *audit.Result) {
	name := r.Domain
	if t, err := target.Parse(r.Domain); err == nil && t.Unicode != t.Domain {
		name = t.Unicode + " (" + t.Domain + ")"
	}
	if name == "" {
		name = r.Input
	}
	p.heading(p.tr("vigie — audit de ", "vigie — audit of ") + name)
	var meta []string
	if !r.Time.IsZero() {
		meta = append(meta, p.tr("le ", "on ")+r.Time.UTC().Format("2006-01-02 15:04:05 MST"))
	}
	if r.DurationMS > 0 || !r.Time.IsZero() {
		meta = append(meta, p.tr("durée ", "took ")+p.seconds(r.DurationMS))
	}
	if len(meta) > 0 {
		p.line(strings.Join(meta, " · "))
	}
	if r.Version != "" {
		// On a line of its own: a version from the build (a Go
		// pseudo-version with its commit) is long.
		p.line("vigie " + r.Version)
	}
	p.line("")
}

// seconds formats a duration in milliseconds: in milliseconds under a
// second, else in seconds with one decimal (a decimal comma in French).
func (p *printer) seconds(ms int64) string {
	if ms < 1000 {
		return strconv.FormatInt(ms, 10) + " ms"
	}
	return audit.Decimal(float64(ms)/1000, 1, p.lang) + " s"
}

func (p *printer) summary(fs []audit.Finding, blind bool) {
	count := map[audit.Severity]int{}
	for _, f := range fs {
		count[f.Severity]++
	}
	if len(fs) == 0 {
		if blind {
			// Nothing found is not nothing wrong when probes failed.
			p.line(p.tr("Résumé : aucun problème constaté, mais une partie n'a pas pu être observée (voir plus bas).",
				"Summary: no finding, but part of the audit could not be observed (see below)."))
		} else {
			p.line(p.tr("Résumé : aucun problème constaté.", "Summary: no finding."))
		}
		p.line("")
		return
	}
	var parts []string
	for _, s := range severities {
		n := count[s]
		if n == 0 {
			continue
		}
		name := severityName[s][0].In(p.lang)
		if n > 1 {
			name = severityName[s][1].In(p.lang)
		}
		parts = append(parts, p.paint(severityColor[s], strconv.Itoa(n)+" "+name))
	}
	word := p.tr("constats", "findings")
	if len(fs) == 1 {
		word = p.tr("constat", "finding")
	}
	p.raw(fmt.Sprintf("%s%d %s — %s", p.tr("Résumé : ", "Summary: "), len(fs), word, strings.Join(parts, ", ")))
	p.line("")
}

// finding prints findings of one id: the title, each subject with its
// evidence, then the remediation and the standard, once.
func (p *printer) finding(same []audit.Finding) {
	f := same[0]
	if len(same) == 1 {
		head := "  • " + f.Title.In(p.lang)
		if f.Subject != "" {
			head += " — " + f.Subject
		}
		p.raw(p.paint(bold, head) + clean("  ["+f.ID+"]"))
		p.field("    ", p.tr("Constat : ", "Evidence: "), f.EvidenceIn(p.lang))
	} else {
		p.raw(p.paint(bold, "  • "+f.Title.In(p.lang)) + clean("  ["+f.ID+"]"))
		for _, g := range same {
			label := "    – " + g.Subject
			ev := g.EvidenceIn(p.lang)
			if ev != "" {
				label += p.tr(" : ", ": ")
			}
			p.field("", label, ev)
			if ev == "" {
				p.line(label)
			}
		}
	}
	p.field("    ", p.tr("Correction : ", "Fix: "), f.Remediation.In(p.lang))
	p.field("    ", p.tr("Référence : ", "Standard: "), f.Standard)
}

func (p *printer) observed(o *audit.Observations) {
	p.heading(p.tr("Ce qui a été observé", "What was observed"))
	if d := o.DNS; d != nil {
		resolver := d.Resolver
		if resolver == "" {
			resolver = "?"
		}
		p.line("  DNS (" + p.tr("résolveur ", "resolver ") + resolver + ")")
		if addrs := append(append([]string(nil), d.A...), d.AAAA...); len(addrs) > 0 {
			p.line("    " + p.tr("adresses : ", "addresses: ") + strings.Join(addrs, ", "))
		}
		if d.WWW != nil {
			www := append(append([]string(nil), d.WWW.IPv4...), d.WWW.IPv6...)
			switch {
			case len(www) > 0:
				p.line("    " + d.WWW.Name + p.tr(" : ", ": ") + strings.Join(www, ", "))
			case d.WWW.Error != "":
				p.line("    " + d.WWW.Name + p.tr(" : ", ": ") + p.failure(d.WWW.Error))
			}
		}
		if len(d.NS) > 0 {
			var ns []string
			for _, n := range d.NS {
				ns = append(ns, n.Name)
			}
			p.line("    " + p.tr("serveurs de noms : ", "name servers: ") + strings.Join(ns, ", "))
		}
		if s := d.DNSSEC; s != nil {
			l := "    DNSSEC : " + p.dnssecStatus(s.Status)
			if s.Reason != "" {
				l += " — " + s.Reason
			}
			if s.Anchor != "" {
				l += " (" + p.tr("ancre ", "anchor ") + s.Anchor + ")"
			}
			if p.lang == "en" {
				l = strings.Replace(l, "DNSSEC : ", "DNSSEC: ", 1)
			}
			p.line(l)
		}
	}
	for _, t := range o.TLS {
		if t == nil {
			continue
		}
		name := t.Host + ":" + strconv.Itoa(t.Port)
		if t.Address != "" && t.Address != name {
			name += " (" + t.Address + ")"
		}
		if t.Error != "" {
			p.line("  TLS " + name + p.tr(" : pas de TLS", ": no TLS"))
			continue
		}
		var accepted []string
		for _, pr := range t.Protocols {
			if pr.Accepted {
				accepted = append(accepted, pr.Version)
			}
		}
		list := strings.Join(accepted, ", ")
		if list == "" {
			list = p.tr("aucun protocole accepté", "no protocol accepted")
		}
		p.line("  TLS " + name + p.tr(" : ", ": ") + list)
		if len(t.Certificates) > 0 {
			c := t.Certificates[0]
			l := "    " + p.tr("certificat : ", "certificate: ") + c.Subject
			if !c.NotAfter.IsZero() {
				l += p.tr(", expire le ", ", expires ") + c.NotAfter.UTC().Format("2006-01-02")
			}
			if v := t.Verification; v != nil {
				if v.Trusted && v.HostnameMatch {
					l += p.tr(", valide", ", valid")
				} else {
					l += p.tr(", non valide", ", not valid")
				}
			}
			p.line(l)
		}
	}
	for _, h := range o.HTTP {
		if h == nil {
			continue
		}
		var chain []string
		for _, r := range h.Responses {
			step := r.URL + " "
			if r.Status != 0 {
				step += strconv.Itoa(r.Status)
			} else {
				step += p.tr("sans réponse", "no response")
			}
			chain = append(chain, step)
		}
		l := "  HTTP " + h.URL
		if len(chain) > 0 {
			l = "  HTTP " + strings.Join(chain, " → ")
			if f := h.Final(); f != nil && f.Location != "" && h.Error != "" {
				l += " → " + f.Location
			}
		}
		if h.Error != "" {
			l += p.tr(" : échec", ": failed")
		}
		p.line(l)
	}
	if s := o.SecurityTxt; s != nil {
		l := "  security.txt " + s.URL
		if s.Status != 0 {
			l += " " + strconv.Itoa(s.Status)
		} else {
			l += p.tr(" : échec", ": failed")
		}
		p.line(l)
	}
	if o.Mail != nil && o.Mail.Error == "" {
		p.mail(o.Mail)
	}
	p.line("")
}

func (p *printer) dnssecStatus(s string) string {
	if p.lang == "en" {
		return s
	}
	switch s {
	case audit.DNSSECSecure:
		return "sécurisé (secure)"
	case audit.DNSSECInsecure:
		return "non signé (insecure)"
	case audit.DNSSECBogus:
		return "invalide (bogus)"
	case audit.DNSSECIndeterminate:
		return "indéterminé (indeterminate)"
	}
	return s
}

// errors gathers what the probes could not find out: the errors they
// recorded, and the checks that failed. A finding is never drawn from
// these; they say where the audit is blind.
func (p *printer) errors(r *audit.Result) []string {
	var errs []string
	o := r.Observations
	if o == nil {
		o = &audit.Observations{}
	}
	for _, rf := range o.Refused {
		errs = append(errs, p.tr("Garde d'adresses : connexion refusée à ", "Address guard: connection refused to ")+rf.Address+" ("+rf.ReasonText(p.lang)+")")
	}
	if d := o.DNS; d != nil {
		if d.Error != "" {
			errs = append(errs, "DNS : "+p.failure(d.Error))
		}
		for _, q := range d.Queries {
			if q.Error != "" {
				errs = append(errs, "DNS "+q.Type+" "+q.Name+" : "+p.failure(q.Error))
			}
		}
		for _, n := range d.NS {
			if n.Error != "" {
				errs = append(errs, "DNS NS "+n.Name+" : "+p.failure(n.Error))
			}
		}
		if s := d.DNSSEC; s != nil && s.Status == audit.DNSSECIndeterminate && s.Reason != "" {
			errs = append(errs, "DNSSEC : "+p.failure(s.Reason))
		}
	}
	for _, t := range o.TLS {
		if t == nil {
			continue
		}
		name := t.Host + ":" + strconv.Itoa(t.Port)
		if t.Error != "" {
			errs = append(errs, "TLS "+name+" : "+p.failure(t.Error))
			continue
		}
		for _, pr := range t.Protocols {
			if pr.Error != "" {
				errs = append(errs, "TLS "+name+" "+pr.Version+" : "+p.failure(pr.Error))
			}
		}
		if t.GroupsError != "" {
			errs = append(errs, "TLS "+name+p.tr(" groupes : ", " groups : ")+p.failure(t.GroupsError))
		}
		if t.HandshakeError != "" {
			errs = append(errs, "TLS "+name+p.tr(" négociation : ", " handshake : ")+p.failure(t.HandshakeError))
		}
	}
	for _, h := range o.HTTP {
		if h != nil && h.Error != "" {
			errs = append(errs, "HTTP "+h.URL+" : "+p.failure(h.Error))
		}
		if h != nil && h.BodyError != "" {
			errs = append(errs, "HTTP "+h.URL+p.tr(" contenu : ", " body : ")+p.failure(h.BodyError))
		}
	}
	if s := o.SecurityTxt; s != nil && s.Error != "" {
		errs = append(errs, "security.txt "+s.URL+" : "+p.failure(s.Error))
	}
	errs = append(errs, p.mailErrors(o.Mail)...)
	for _, e := range r.CheckErrors {
		errs = append(errs, "vigie : "+e)
	}
	return errs
}

// failure writes an error that a probe recorded: in English as the probe
// wrote it, in French as the message of its code (see audit.Failure),
// since Go's error texts are English.
func (p *printer) failure(err string) string {
	if p.lang == "en" {
		return err
	}
	return audit.Failure(err).Render(p.lang)
}

// unknowns prints the section of what could not be found out.
func (p *printer) unknowns(errs []string) {
	if len(errs) == 0 {
		return
	}
	p.heading(p.tr("Ce qui n'a pas pu être établi", "What could not be found out"))
	for _, e := range errs {
		if p.lang == "en" {
			e = strings.Replace(e, " : ", ": ", 1)
		}
		p.field("  - ", "", e)
	}
	p.line("")
}

// cutShort says, first, that the audit's deadline ended probes (see
// audit.CutShort): the grade that follows counts only what was seen.
func (p *printer) cutShort(r *audit.Result) {
	if r.Observations == nil || r.Observations.CutShort == nil {
		return
	}
	p.field("", p.tr("Audit incomplet : ", "Incomplete audit: "), r.Observations.CutShort.Text(p.lang))
	p.line("")
}
