package mailprobe

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// isSPF says whether a TXT record is an SPF record: "v=spf1" alone or
// followed by a space (RFC 7208 section 4.5), the version compared
// without regard to case.
func isSPF(txt string) bool {
	return len(txt) >= 6 && strings.EqualFold(txt[:6], "v=spf1") && (len(txt) == 6 || txt[6] == ' ')
}

// parseSPF splits an SPF record into its terms (RFC 7208 section 4.6.1)
// and checks their syntax (sections 5 and 6, 7.1 for macros). Errors are
// set on the terms; errs holds those of the record as a whole.
func parseSPF(record string) (terms []audit.SPFTerm, errs []string) {
	record, errs = capRecord(record)
	if !isSPF(record) {
		return nil, append(errs, `the record does not start with "v=spf1"`)
	}
	mods := map[string]bool{}
	for _, w := range strings.Split(record[6:], " ") {
		if w == "" {
			continue // several spaces: RFC 7208 allows 1*SP
		}
		if len(terms) == maxTags {
			errs = append(errs, fmt.Sprintf("more than %d terms: the rest is ignored", maxTags))
			break
		}
		t := parseTerm(w)
		if t.Modifier && (t.Name == "redirect" || t.Name == "exp") {
			// RFC 7208 section 6: each at most once.
			if mods[t.Name] {
				t.Error = fmt.Sprintf("%s= appears more than once", t.Name)
			}
			mods[t.Name] = true
		}
		terms = append(terms, t)
	}
	return terms, errs
}

// parseTerm parses one mechanism or modifier.
func parseTerm(w string) audit.SPFTerm {
	// A modifier is name=value where name = ALPHA *( ALPHA / DIGIT /
	// "-" / "_" / "." ) (RFC 7208 section 4.6.1); a mechanism never has
	// "=" before ":" or "/".
	if i := strings.IndexByte(w, '='); i > 0 && !strings.ContainsAny(w[:i], ":/") {
		t := audit.SPFTerm{Modifier: true, Name: strings.ToLower(w[:i]), Value: w[i+1:]}
		if !isModifierName(w[:i]) {
			t.Error = fmt.Sprintf("%q is not a valid modifier name", clip(w[:i]))
			return t
		}
		switch t.Name {
		case "redirect", "exp":
			t.Lookup = t.Name == "redirect"
			if err := checkDomainSpec(t.Value); err != nil {
				t.Error = fmt.Sprintf("%s=%s: %v", t.Name, clip(t.Value), err)
			}
		default:
			if err := checkMacroString(t.Value); err != nil {
				t.Error = fmt.Sprintf("%s=%s: %v", t.Name, clip(t.Value), err)
			}
		}
		return t
	}
	t := audit.SPFTerm{Qualifier: "+"}
	if strings.ContainsRune("+-~?", rune(w[0])) {
		t.Qualifier, w = w[:1], w[1:]
	}
	name := w
	if i := strings.IndexAny(w, ":/"); i >= 0 {
		name, t.Value = w[:i], w[i:]
	}
	t.Name = strings.ToLower(name)
	arg, hasArg := strings.CutPrefix(t.Value, ":")
	t.Value = strings.TrimPrefix(t.Value, ":")
	switch t.Name {
	case "all":
		if t.Value != "" {
			t.Error = "all takes no argument"
		}
	case "include", "exists":
		t.Lookup = true
		if !hasArg || arg == "" {
			t.Error = t.Name + " needs a domain"
		} else if err := checkDomainSpec(arg); err != nil {
			t.Error = fmt.Sprintf("%s:%s: %v", t.Name, clip(arg), err)
		}
	case "a", "mx":
		t.Lookup = true
		spec, cidr := arg, ""
		if !hasArg {
			spec, cidr = "", t.Value
		} else if i := strings.IndexByte(arg, '/'); i >= 0 {
			spec, cidr = arg[:i], arg[i:]
		}
		if hasArg && spec == "" {
			t.Error = t.Name + ": empty domain after \":\""
		} else if spec != "" {
			if err := checkDomainSpec(spec); err != nil {
				t.Error = fmt.Sprintf("%s:%s: %v", t.Name, clip(spec), err)
			}
		}
		if t.Error == "" && cidr != "" {
			if err := checkDualCIDR(cidr); err != nil {
				t.Error = fmt.Sprintf("%s: %v", t.Name, err)
			}
		}
	case "ptr":
		t.Lookup = true
		if hasArg {
			if err := checkDomainSpec(arg); err != nil {
				t.Error = fmt.Sprintf("ptr:%s: %v", clip(arg), err)
			}
		} else if t.Value != "" {
			t.Error = "ptr takes no CIDR length"
		}
	case "ip4", "ip6":
		if !hasArg {
			t.Error = t.Name + " needs a network"
			break
		}
		addr, bits, hasBits := strings.Cut(arg, "/")
		ip, err := netip.ParseAddr(addr)
		max := 32
		if t.Name == "ip6" {
			max = 128
		}
		switch {
		case err != nil || ip.Zone() != "" || (t.Name == "ip4") != ip.Is4():
			t.Error = fmt.Sprintf("%s:%s: not an %s address", t.Name, clip(arg), map[string]string{"ip4": "IPv4", "ip6": "IPv6"}[t.Name])
		case hasBits && !validCIDR(bits, max):
			t.Error = fmt.Sprintf("%s:%s: bad prefix length", t.Name, clip(arg))
		}
	default:
		t.Error = fmt.Sprintf("unknown mechanism %q", clip(name))
	}
	return t
}

func isModifierName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && !strings.ContainsRune("-_.", rune(c)) {
			return false
		}
	}
	return true
}

// validCIDR checks a prefix length: digits, no leading zero, at most max
// (RFC 7208 section 5.6).
func validCIDR(s string, max int) bool {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= max
}

// checkDualCIDR checks "/24", "//64" or "/24//64" (RFC 7208 section 5.6).
func checkDualCIDR(s string) error {
	v4, v6, has6 := strings.Cut(s, "//")
	if v4 != "" && (!strings.HasPrefix(v4, "/") || !validCIDR(v4[1:], 32)) {
		return fmt.Errorf("bad IPv4 prefix length %q", clip(v4))
	}
	if has6 && !validCIDR(v6, 128) {
		return fmt.Errorf("bad IPv6 prefix length %q", clip("//"+v6))
	}
	return nil
}

// checkDomainSpec checks domain-spec = macro-string domain-end (RFC 7208
// section 7.1): the macros are well formed and, when the end is a plain
// name, its last label is not all digits.
func checkDomainSpec(s string) error {
	if s == "" {
		return fmt.Errorf("empty domain")
	}
	if err := checkMacroString(s); err != nil {
		return err
	}
	if len(s) > 253+20 && !strings.Contains(s, "%") {
		return fmt.Errorf("domain longer than 253 characters")
	}
	if strings.HasSuffix(s, "}") {
		return nil // domain-end is a macro-expand
	}
	name := strings.TrimSuffix(s, ".")
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return fmt.Errorf("not a domain name (no dot)")
	}
	top := name[i+1:]
	if top == "" || strings.Trim(top, "0123456789") == "" || strings.ContainsAny(top, "%") {
		return fmt.Errorf("bad top-level label %q", clip(top))
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f {
			return fmt.Errorf("invalid character in domain")
		}
	}
	return nil
}

// checkMacroString checks the macros of a macro-string (RFC 7208 section
// 7.1): "%%", "%_", "%-" or "%{" letter [digits] ["r"] [delimiters] "}".
func checkMacroString(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+1 >= len(s) {
			return fmt.Errorf("%% at the end")
		}
		switch s[i+1] {
		case '%', '_', '-':
			i++
			continue
		case '{':
		default:
			return fmt.Errorf("bad macro %q", clip(s[i:min(i+2, len(s))]))
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return fmt.Errorf("unterminated macro")
		}
		body := s[i+2 : i+end]
		if body == "" || !strings.ContainsRune("slodiphcrtvSLODIPHCRTV", rune(body[0])) {
			return fmt.Errorf("unknown macro letter in %%{%s}", clip(body))
		}
		rest := strings.TrimLeft(body[1:], "0123456789")
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, "r"), "R")
		if strings.Trim(rest, ".-+,/_=") != "" {
			return fmt.Errorf("bad transformer in %%{%s}", clip(body))
		}
		i += end
	}
	return nil
}

// expandDomain expands the macros of a domain-spec that a static walk can
// know: %{d} and %{o} (the domain being evaluated, and the audited domain
// as sender domain). Any other macro depends on the sending host and
// makes ok false.
func expandDomain(spec, current, sender string) (string, bool) {
	if !strings.Contains(spec, "%") {
		return strings.TrimSuffix(spec, "."), true
	}
	var b strings.Builder
	for i := 0; i < len(spec); i++ {
		if spec[i] != '%' {
			b.WriteByte(spec[i])
			continue
		}
		if i+1 >= len(spec) {
			return "", false
		}
		switch spec[i+1] {
		case '%':
			b.WriteByte('%')
			i++
			continue
		case '{':
			end := strings.IndexByte(spec[i:], '}')
			if end != 3 {
				return "", false // transformers: not expanded
			}
			switch spec[i+2] {
			case 'd', 'D':
				b.WriteString(current)
			case 'o', 'O':
				b.WriteString(sender)
			default:
				return "", false
			}
			i += end
		default:
			return "", false
		}
	}
	return strings.TrimSuffix(b.String(), "."), true
}
