package mailprobe

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// parseDMARC parses a DMARC record (RFC 7489 section 6.4) into obs: its
// tags, the policy fields and the report addresses (without their
// authorisation, which needs DNS), and records the syntax errors.
func parseDMARC(record string, obs *audit.DMARCObservation) {
	record, errs := capRecord(record)
	tags, terrs := parseTags(record)
	errs = append(errs, terrs...)
	obs.Tags = tags
	if len(tags) == 0 || tags[0].Name != "v" || tags[0].Value != "DMARC1" {
		errs = append(errs, `the record does not start with "v=DMARC1"`)
	}
	for _, t := range tags {
		switch t.Name {
		case "v":
		case "p", "sp":
			switch t.Value {
			case "none", "quarantine", "reject":
			default:
				errs = append(errs, fmt.Sprintf("%s=%q is not none, quarantine or reject", t.Name, clip(t.Value)))
			}
			if t.Name == "p" {
				obs.Policy = t.Value
			} else {
				obs.SubdomainPolicy = t.Value
			}
		case "pct":
			n, err := strconv.Atoi(t.Value)
			if err != nil || n < 0 || n > 100 {
				errs = append(errs, fmt.Sprintf("pct=%q is not an integer from 0 to 100", clip(t.Value)))
				continue
			}
			obs.Percent = &n
		case "adkim", "aspf":
			if t.Value != "r" && t.Value != "s" {
				errs = append(errs, fmt.Sprintf("%s=%q is not r or s", t.Name, clip(t.Value)))
			}
			if t.Name == "adkim" {
				obs.AlignDKIM = t.Value
			} else {
				obs.AlignSPF = t.Value
			}
		case "ri":
			if _, err := strconv.ParseUint(t.Value, 10, 32); err != nil {
				errs = append(errs, fmt.Sprintf("ri=%q is not a number of seconds", clip(t.Value)))
			}
		case "fo":
			for _, o := range strings.Split(t.Value, ":") {
				switch strings.TrimSpace(o) {
				case "0", "1", "d", "s":
				default:
					errs = append(errs, fmt.Sprintf("fo=%q: %q is not 0, 1, d or s", clip(t.Value), clip(o)))
				}
			}
		case "rf":
			for _, f := range strings.Split(t.Value, ":") {
				if strings.TrimSpace(f) != "afrf" {
					errs = append(errs, fmt.Sprintf("rf=%q: only afrf is defined", clip(t.Value)))
				}
			}
		case "rua", "ruf":
			var list []audit.DMARCReportAddress
			for i, u := range strings.Split(t.Value, ",") {
				if i == 16 {
					errs = append(errs, fmt.Sprintf("%s: more than 16 addresses, the rest is ignored", t.Name))
					break
				}
				a := parseReportURI(strings.TrimSpace(u))
				if a.Error != "" {
					errs = append(errs, fmt.Sprintf("%s: %s", t.Name, a.Error))
				}
				list = append(list, a)
			}
			if t.Name == "rua" {
				obs.RUA = list
			} else {
				obs.RUF = list
			}
		default:
			// RFC 7489 section 6.3: unknown tags are ignored, but
			// a typo hides a policy: worth saying.
			errs = append(errs, fmt.Sprintf("unknown tag %q", clip(t.Name)))
		}
	}
	if _, ok := tag(tags, "p"); !ok {
		errs = append(errs, "no p tag (RFC 7489 section 6.3: it is required)")
	}
	obs.Errors = errs
}

// parseReportURI parses one DMARC report URI (RFC 7489 section 6.2):
// "mailto:" address, with an optional "!size" limit.
func parseReportURI(u string) audit.DMARCReportAddress {
	a := audit.DMARCReportAddress{URI: u}
	scheme, rest, ok := strings.Cut(u, ":")
	if !ok || !strings.EqualFold(scheme, "mailto") {
		a.Error = fmt.Sprintf("%q is not a mailto: URI", clip(u))
		return a
	}
	if i := strings.LastIndexByte(rest, '!'); i >= 0 {
		size := strings.TrimRight(rest[i+1:], "kmgtKMGT")
		if _, err := strconv.ParseUint(size, 10, 64); err != nil {
			a.Error = fmt.Sprintf("%q: bad size limit", clip(u))
			return a
		}
		rest = rest[:i]
	}
	addr, err := mail.ParseAddress(rest)
	if err != nil || strings.ContainsAny(rest, "<> ") {
		a.Error = fmt.Sprintf("%q: not an e-mail address", clip(u))
		return a
	}
	at := strings.LastIndexByte(addr.Address, '@')
	a.Domain = strings.ToLower(strings.TrimSuffix(addr.Address[at+1:], "."))
	return a
}
