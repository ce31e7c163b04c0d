// Package audit holds vigie's vocabulary: the target of an audit, the
// observations that probes record, the checks that judge them and the
// findings they produce.
//
// It does no I/O. Probes (internal/probe/...) fill Observations; checks
// (internal/check/...) are pure functions from Observations to Findings. The
// JSON form of every type here is published data: field names and finding
// identifiers are append-only, never renamed or reused.
package audit

import (
	"fmt"
	"time"
)

// Result is the outcome of the audit of one domain: what was asked, what the
// probes saw and what the checks found. It is what `vigie audit --json`
// prints, one object per domain.
type Result struct {
	// Domain is the normalised domain (A-label, lower case, no final dot).
	Domain string `json:"domain"`
	// Input is the text the user gave, before normalisation.
	Input string `json:"input,omitempty"`
	// Time is when the audit started; checks use it as "now".
	Time time.Time `json:"time"`
	// DurationMS is the wall time of the whole audit, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// CPUMS is the CPU time (user and system) of the vigie process
	// during the audit, in milliseconds: the audit's own when audits run
	// one at a time, shared with the audits that ran beside it
	// otherwise.
	CPUMS int64 `json:"cpu_ms,omitempty"`
	// Version is the version of vigie that ran the audit.
	Version string `json:"vigie_version,omitempty"`
	// Observations is everything the probes saw.
	Observations *Observations `json:"observations"`
	// Findings is what the checks concluded, most severe first.
	Findings []Finding `json:"findings"`
	// Error is set when the audit could not run at all (an invalid
	// domain, for instance); Observations may then be nil.
	Error string `json:"error,omitempty"`
	// ErrorMessage is Error as a message of the catalogue (codes
	// "audit.*", see internal/engine), to render it in either language;
	// nil when the audit ran, and in results stored before it existed.
	ErrorMessage *Message `json:"error_message,omitempty"`
	// CheckErrors lists the checks that failed on these observations (a
	// bug, such as a panic on an unexpected value) and why; their
	// findings are missing from Findings.
	CheckErrors []string `json:"check_errors,omitempty"`
	// Score is the CyberScore of the findings (see internal/score); nil
	// when nothing could be graded.
	Score *Score `json:"score,omitempty"`
	// Trimmed lists what was removed from this result to keep its
	// encoding under the store's size cap (see Trim), in the order it
	// was removed: "bodies", "certificate_chains", "ehlo_lines",
	// "observations", "evidence", "findings". Empty for a whole result.
	Trimmed []string `json:"trimmed,omitempty"`
}

// Observations is a plain record of what the probes saw during the audit of
// one domain. It is the contract between the network and the judgement:
// checks read nothing else, so anyone can recompute findings from it.
type Observations struct {
	// Domain is the audited domain, normalised.
	Domain string `json:"domain"`
	// Time is the start of the audit. Checks use it instead of a clock.
	Time time.Time `json:"time"`
	// DNS is what the DNS probe saw of the domain; nil if it did not run.
	DNS *DNSObservation `json:"dns,omitempty"`
	// TLS has one entry per host probed on port 443 (the domain, then
	// www.domain).
	TLS []*TLSObservation `json:"tls,omitempty"`
	// HTTP has one entry per start URL (http:// and https:// for the
	// domain and www.domain).
	HTTP []*HTTPObservation `json:"http,omitempty"`
	// SecurityTxt is what was fetched at /.well-known/security.txt.
	SecurityTxt *SecurityTxtObservation `json:"security_txt,omitempty"`
	// Mail is what the mail probe saw: MX hosts, SMTP and STARTTLS,
	// SPF, DMARC, DKIM, MTA-STS, TLS-RPT and TLSA records.
	Mail *MailObservation `json:"mail,omitempty"`
	// Services is what the services probe saw (--services, operators
	// only): exposed risky ports and what answers there; nil when it
	// did not run.
	Services *ServicesObservation `json:"services,omitempty"`
	// Hosting says who hosts the names the audit met and under which
	// law (see HostingObservation); nil when the engine was given no IP
	// data.
	Hosting *HostingObservation `json:"hosting,omitempty"`
	// Category is the category of the organisation the domain belongs
	// to, as the campaign's targets give it ("commune", "hôpital",
	// "ministère"...), empty when unknown: the sovereignty checks weigh
	// their findings by it.
	Category string `json:"category,omitempty"`
	// Pages is what loading the home pages showed (the domain, and www
	// when it differs): requests, cookies, storage, third parties,
	// weight; nil when the page-load probe did not run.
	Pages []*PageObservation `json:"pages,omitempty"`
	// CutShort is set when the audit's deadline ended probes before they
	// were done: what they would have seen is missing, and the score is
	// marked incomplete. nil for an audit whose probes all finished.
	CutShort *CutShort `json:"cut_short,omitempty"`
	// Connections counts the TCP connections the audit opened to each
	// address and port (through the address guard): what it cost the
	// audited servers.
	Connections []Connections `json:"connections,omitempty"`
	// Refused lists the connections that the address guard did not
	// open, each once: addresses outside the public internet, redirects
	// to ports that are not the web's (see internal/guard).
	Refused []Refusal `json:"refused,omitempty"`
	// AllowedPrivate lists the ranges outside the public internet that
	// the audit was allowed to reach (--allow-private, for labs); empty
	// for an audit of the internet.
	AllowedPrivate []string `json:"allowed_private,omitempty"`
}

// Connections is how many TCP connections an audit opened to one
// address and port.
type Connections struct {
	Address string `json:"address"` // "192.0.2.1:443"
	Count   int    `json:"count"`
}

// CutShort says which probes the audit's deadline ended.
type CutShort struct {
	// DeadlineMS is the audit's deadline, in milliseconds.
	DeadlineMS int64 `json:"deadline_ms"`
	// Probes names each probe that was still running at the deadline,
	// in a stable order: "dns", "mail", "services", "security.txt",
	// "tls HOST" and the URL of an HTTP probe ("https://HOST/"). Their
	// observations are partial or empty.
	Probes []string `json:"probes"`
}

// Refusal is one connection the address guard refused.
type Refusal struct {
	// Address is the address and port ("169.254.169.254:80"), or the
	// host and port of a redirect, that was not dialled.
	Address string `json:"address"`
	// Reason says why, as a stable code: "loopback", "private",
	// "link-local", "port"... (see internal/guard).
	Reason string `json:"reason"`
}

// refusalReasons are the words for each Refusal.Reason (see internal/guard,
// which owns the codes), for reports.
var refusalReasons = map[string]Text{
	"unspecified":   {FR: "adresse non spécifiée", EN: "unspecified address"},
	"loopback":      {FR: "bouclage", EN: "loopback"},
	"private":       {FR: "réseau privé (RFC 1918)", EN: "private network (RFC 1918)"},
	"shared":        {FR: "espace partagé des opérateurs (CGNAT, RFC 6598)", EN: "shared address space (CGNAT, RFC 6598)"},
	"link-local":    {FR: "lien local", EN: "link-local"},
	"unique-local":  {FR: "adresse locale unique (RFC 4193)", EN: "unique local address (RFC 4193)"},
	"site-local":    {FR: "adresse locale de site (obsolète)", EN: "site-local address (deprecated)"},
	"multicast":     {FR: "multidiffusion", EN: "multicast"},
	"documentation": {FR: "plage réservée à la documentation", EN: "documentation range"},
	"benchmarking":  {FR: "plage réservée aux bancs d'essai", EN: "benchmarking range"},
	"reserved":      {FR: "plage réservée", EN: "reserved range"},
	"broadcast":     {FR: "diffusion", EN: "broadcast"},
	"local-nat64":   {FR: "NAT64 local (RFC 8215)", EN: "local-use NAT64 (RFC 8215)"},
	"discard":       {FR: "préfixe de rejet (RFC 6666)", EN: "discard prefix (RFC 6666)"},
	"port":          {FR: "port non autorisé pour une redirection", EN: "port not allowed for a redirect"},
	"invalid":       {FR: "adresse invalide", EN: "invalid address"},
	"special-use":   {FR: "nom à usage spécial, hors de l'internet public", EN: "special-use name, not on the public internet"},
}

// ReasonText returns why the connection was refused, in lang ("fr" or
// "en"); an unknown code is returned as it is.
func (r Refusal) ReasonText(lang string) string {
	if t, ok := refusalReasons[r.Reason]; ok {
		return t.In(lang)
	}
	return r.Reason
}

// Severity ranks a finding. The zero value is Info.
type Severity int

// Severities, from the least to the most severe.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case English name used in JSON ("high").
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity is the inverse of Severity.String.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if n == name {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("audit: unknown severity %q", name)
}

// MarshalText encodes a severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Text is a sentence for users, in French and in English.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// In returns the text in the given language ("fr" or "en"), French by
// default.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.FR
}

// Definition describes a kind of finding once: its stable identifier, its
// severity, what it means and how to fix it, and the standard it comes from.
// Each check carries the definitions of the findings it may return (see
// Check), so that the methodology can print every finding an audit can
// produce.
type Definition struct {
	// ID is the stable identifier, "area.subject[.detail]", for
	// instance "tls.protocol.tls10". Never renamed, never reused.
	ID string
	// Severity is the default severity of the finding.
	Severity Severity
	// Title says what is wrong, in a few words.
	Title Text
	// Remediation says how to fix it.
	Remediation Text
	// Standard names the document behind the finding, with its section
	// ("RFC 8996", "ANSSI, Recommandations de sécurité relatives à TLS,
	// R3").
	Standard string
}

// New returns a finding of this definition about subject (a host, a URL, a
// record), with evidence: the observed facts that support it, as data rather
// than prose ("TLS 1.0 accepted by 192.0.2.1:443"), as a message of the
// catalogue: Evidence holds it in English, EvidenceFR in French, and
// EvidenceMessage the code and parameters to render it again.
func (d *Definition) New(subject string, evidence Message) Finding {
	f := Finding{
		ID:              d.ID,
		Severity:        d.Severity,
		Subject:         subject,
		Evidence:        evidence.Render("en"),
		EvidenceFR:      evidence.Render("fr"),
		EvidenceMessage: &evidence,
		Title:           d.Title,
		Remediation:     d.Remediation,
		Standard:        d.Standard,
	}
	if evidence.Code == "" {
		f.Evidence, f.EvidenceFR, f.EvidenceMessage = "", "", nil
	}
	return f
}

// Finding is one conclusion of a check about the audited domain.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	// Subject is what the finding is about: a host name, a URL, a
	// name server, a cookie name.
	Subject string `json:"subject,omitempty"`
	// Evidence is what was observed, the facts behind the finding.
	// It is in English, as it always was.
	Evidence    string `json:"evidence,omitempty"`
	Title       Text   `json:"title"`
	Remediation Text   `json:"remediation"`
	Standard    string `json:"standard,omitempty"`
	// EvidenceFR is the evidence in French.
	EvidenceFR string `json:"evidence_fr,omitempty"`
	// EvidenceMessage is the evidence as a code of the catalogue and its
	// parameters (see Message), from which a renderer writes it again in
	// either language; nil in results stored before it existed.
	EvidenceMessage *Message `json:"evidence_message,omitempty"`
}

// Check is a pure judge: from observations to findings, with no I/O, no
// clock (Observations.Time is "now") and no global state. A check returns
// no finding when what it judges was not observed (a probe failed); the
// probe's error is in the observations.
type Check interface {
	// ID names the check ("http.hsts"). Several findings may share its
	// prefix.
	ID() string
	// Definitions returns the definition of every finding Run may
	// return, and of no other.
	Definitions() []*Definition
	// Run returns the findings of this check, in a deterministic order.
	Run(o *Observations) []Finding
}

// CheckFunc returns a Check named id that runs f, whose findings are those
// of defs.
func CheckFunc(id string, f func(o *Observations) []Finding, defs ...*Definition) Check {
	return checkFunc{id: id, f: f, defs: defs}
}

type checkFunc struct {
	id   string
	f    func(o *Observations) []Finding
	defs []*Definition
}

func (c checkFunc) ID() string                    { return c.id }
func (c checkFunc) Definitions() []*Definition    { return c.defs }
func (c checkFunc) Run(o *Observations) []Finding { return c.f(o) }
