package mailprobe

import (
	"fmt"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// isMTASTS says whether a TXT record is an MTA-STS record (RFC 8461
// section 3.1).
func isMTASTS(txt string) bool {
	return strings.HasPrefix(txt, "v=STSv1")
}

// parseMTASTSRecord parses the _mta-sts TXT record (RFC 8461 section
// 3.1): "v=STSv1; id=...;" with id 1 to 32 letters and digits.
func parseMTASTSRecord(record string) (id string, errs []string) {
	record, errs = capRecord(record)
	tags, terrs := parseTags(record)
	errs = append(errs, terrs...)
	if len(tags) == 0 || tags[0].Name != "v" || tags[0].Value != "STSv1" {
		errs = append(errs, `the record does not start with "v=STSv1"`)
	}
	id, ok := tag(tags, "id")
	switch {
	case !ok:
		errs = append(errs, "no id= tag")
	case id == "" || len(id) > 32 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "":
		errs = append(errs, fmt.Sprintf("id=%q is not 1 to 32 letters and digits", clip(id)))
	}
	return id, errs
}

// maxMaxAge is the largest max_age allowed (RFC 8461 section 3.2: 31557600
// seconds, about a year).
const maxMaxAge = 31557600

// parseMTASTSPolicy parses a policy file (RFC 8461 section 3.2) into
// obs: "key: value" lines separated by CRLF (LF accepted), version,
// mode, max_age and any number of mx lines.
func parseMTASTSPolicy(text string, obs *audit.MTASTSObservation) {
	var errs []string
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if i >= 1024 {
			errs = append(errs, "more than 1024 lines: the rest is ignored")
			break
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			errs = append(errs, fmt.Sprintf("line %d %q is not key: value", i+1, clip(line)))
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if key != "mx" && seen[key] {
			errs = append(errs, fmt.Sprintf("%s appears more than once", clip(key)))
			continue
		}
		seen[key] = true
		switch key {
		case "version":
			obs.Version = value
			if value != "STSv1" {
				errs = append(errs, fmt.Sprintf("version %q is not STSv1", clip(value)))
			}
		case "mode":
			obs.Mode = value
			if value != "enforce" && value != "testing" && value != "none" {
				errs = append(errs, fmt.Sprintf("mode %q is not enforce, testing or none", clip(value)))
			}
		case "max_age":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 || n > maxMaxAge || len(value) > 10 {
				errs = append(errs, fmt.Sprintf("max_age %q is not a number of seconds from 0 to %d", clip(value), maxMaxAge))
				continue
			}
			obs.MaxAge = &n
		case "mx":
			if len(obs.MX) == 64 {
				errs = append(errs, "more than 64 mx lines: the rest is ignored")
				continue
			}
			if !validMXPattern(value) {
				errs = append(errs, fmt.Sprintf("mx %q is not a host name or *.domain", clip(value)))
			}
			obs.MX = append(obs.MX, value)
		default:
			// RFC 8461 section 3.2: unknown fields are ignored.
		}
	}
	for _, k := range []string{"version", "mode", "max_age"} {
		if !seen[k] {
			errs = append(errs, k+" is missing")
		}
	}
	if obs.Mode != "none" && seen["mode"] && len(obs.MX) == 0 {
		errs = append(errs, "no mx line (required unless mode is none)")
	}
	obs.PolicyErrors = append(obs.PolicyErrors, errs...)
}

// validMXPattern checks an mx pattern: a host name, or "*." and a domain
// (RFC 8461 section 3.2, section 4.1 for the wildcard).
func validMXPattern(p string) bool {
	p = strings.TrimPrefix(p, "*.")
	if p == "" || len(p) > 253 || strings.Contains(p, "*") {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(p, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range []byte(label) {
			if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

// isTLSRPT says whether a TXT record is a TLS-RPT record (RFC 8460
// section 3).
func isTLSRPT(txt string) bool {
	return strings.HasPrefix(txt, "v=TLSRPTv1")
}

// parseTLSRPT parses a TLS-RPT record (RFC 8460 section 3) into obs: its
// tags, and rua, a comma-separated list of mailto: or https: URIs.
func parseTLSRPT(record string, obs *audit.TLSRPTObservation) {
	record, errs := capRecord(record)
	tags, terrs := parseTags(record)
	errs = append(errs, terrs...)
	obs.Tags = tags
	if len(tags) == 0 || tags[0].Name != "v" || tags[0].Value != "TLSRPTv1" {
		errs = append(errs, `the record does not start with "v=TLSRPTv1"`)
	}
	rua, ok := tag(tags, "rua")
	if !ok {
		errs = append(errs, "no rua= tag")
	}
	if ok {
		for i, u := range strings.Split(rua, ",") {
			if i == 16 {
				errs = append(errs, "rua: more than 16 URIs, the rest is ignored")
				break
			}
			u = strings.TrimSpace(u)
			scheme, rest, _ := strings.Cut(u, ":")
			switch strings.ToLower(scheme) {
			case "mailto":
				if a := parseReportURI(u); a.Error != "" || strings.Contains(rest, "!") {
					errs = append(errs, fmt.Sprintf("rua: %q is not a mailto: address", clip(u)))
				}
			case "https":
				if !strings.HasPrefix(rest, "//") || len(rest) < 3 {
					errs = append(errs, fmt.Sprintf("rua: %q is not an https: URL", clip(u)))
				}
			default:
				errs = append(errs, fmt.Sprintf("rua: %q is neither mailto: nor https:", clip(u)))
			}
			obs.RUA = append(obs.RUA, u)
		}
	}
	obs.Errors = append(obs.Errors, errs...)
}
