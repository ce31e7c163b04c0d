package audit

import "strings"

// Content Security Policy, as CSP Level 3 (W3C) parses it: the headers of
// a response are read with ParseCSP; judging a policy is for the checks.

// CSPPolicy is one parsed policy: its directives in the order they came,
// names in lower case, source expressions as written.
type CSPPolicy struct {
	Directives []CSPDirective
}

// CSPDirective is one directive of a policy.
type CSPDirective struct {
	Name  string
	Value []string
}

// Get returns the value of the named directive and whether it is present.
func (p CSPPolicy) Get(name string) ([]string, bool) {
	for _, d := range p.Directives {
		if d.Name == name {
			return d.Value, true
		}
	}
	return nil, false
}

// ParseCSP parses the value of a Content-Security-Policy header, a list
// of policies separated by commas (CSP Level 3, "parse a serialized CSP
// list"). Policies without directives are dropped.
func ParseCSP(value string) []CSPPolicy {
	var ps []CSPPolicy
	for s := range strings.SplitSeq(value, ",") {
		if p := parsePolicy(s); len(p.Directives) > 0 {
			ps = append(ps, p)
		}
	}
	return ps
}

// parsePolicy implements CSP Level 3, "parse a serialized CSP".
func parsePolicy(s string) CSPPolicy {
	var p CSPPolicy
	for _, d := range CSPDirectives(s) {
		// Step 2.5: a duplicate directive is ignored, the first wins.
		if _, dup := p.Get(d.Name); dup {
			continue
		}
		p.Directives = append(p.Directives, d)
	}
	return p
}

// CSPDirectives splits one serialized policy into its directives, in
// order, a repeated directive each time (CSP Level 3, "parse a serialized
// CSP", steps 1 to 2.4): ParseCSP keeps the first of each name, readers
// that judge repetitions read them here. Names are in ASCII lower case,
// source expressions as written.
func CSPDirectives(policy string) []CSPDirective {
	var ds []CSPDirective
	for token := range strings.SplitSeq(policy, ";") {
		// Step 2.1: strip leading and trailing ASCII whitespace.
		token = strings.Trim(token, asciiWhitespace)
		if token == "" {
			continue
		}
		// Steps 2.3 to 2.4: the name runs to the first ASCII
		// whitespace, and is compared in ASCII lower case.
		fields := strings.FieldsFunc(token, isASCIIWhitespace)
		ds = append(ds, CSPDirective{Name: strings.ToLower(fields[0]), Value: fields[1:]})
	}
	return ds
}

const asciiWhitespace = "\t\n\f\r "

func isASCIIWhitespace(r rune) bool { return strings.ContainsRune(asciiWhitespace, r) }

// Effective returns the value of directive, or of default-src when it is
// absent (CSP Level 3, "get the effective directive" and the fallback
// lists, for the fetch directives), and the name of the one found ("" when
// neither is present).
func (p CSPPolicy) Effective(directive string) ([]string, string) {
	if v, ok := p.Get(directive); ok {
		return v, directive
	}
	if v, ok := p.Get("default-src"); ok {
		return v, "default-src"
	}
	return nil, ""
}

// IsCSPNonceOrHash reports whether a source expression, in lower case, is
// a nonce-source or a hash-source (CSP Level 3, 2.3.1 "Source lists":
// 'nonce-…', 'sha256-…', 'sha384-…', 'sha512-…').
func IsCSPNonceOrHash(source string) bool {
	for _, prefix := range []string{"'nonce-", "'sha256-", "'sha384-", "'sha512-"} {
		if strings.HasPrefix(source, prefix) {
			return true
		}
	}
	return false
}
