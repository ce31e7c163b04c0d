package guard

import (
	"fmt"
	"strings"
)

// specialNames are the domains under which no name is on the public
// internet, or where a name reaches the auditor's own network. A target
// equal to one of them or below it is refused.
var specialNames = []struct {
	suffix string
	why    string // the standard or the practice behind it
}{
	{"localhost", "RFC 6761 section 6.3"},
	{"local", "RFC 6762 (multicast DNS); svc.cluster.local and cluster.local in Kubernetes"},
	{"internal", "ICANN, reserved for private use (2024)"},
	{"home.arpa", "RFC 8375"},
	{"lan", "common private use"},
	{"home", "common private use, never delegated (ICANN name collisions)"},
	{"corp", "common private use, never delegated (ICANN name collisions)"},
	{"intranet", "common private use"},
	{"localdomain", "common private use"},
	{"private", "common private use"},
	{"onion", "RFC 7686"},
	{"invalid", "RFC 6761 section 6.4"},
	{"example", "RFC 6761 section 6.5"},
	{"alt", "RFC 9476"},
	{"arpa", "RFC 3172: infrastructure, not organisations"},
	{"test", "RFC 6761 section 6.2: allowed with --allow-private, for labs"},
}

// NameError is the error of a special-use target name.
type NameError struct {
	Name, Suffix string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("guard: %s: special-use name (.%s), not on the public internet", e.Name, e.Suffix)
}

// CheckName returns a *NameError when name (lower case, without final
// dot) is a special-use name that vigie does not audit. Names under
// "test" (RFC 6761), which labs use, are allowed when the policy allows
// any private range.
func (p *Policy) CheckName(name string) error {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	for _, s := range specialNames {
		if name != s.suffix && !strings.HasSuffix(name, "."+s.suffix) {
			continue
		}
		if s.suffix == "test" && len(p.Allowed()) > 0 {
			return nil
		}
		return &NameError{Name: name, Suffix: s.suffix}
	}
	return nil
}
