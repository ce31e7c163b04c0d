package httpcheck

import (
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var securityTxtMissing = &audit.Definition{
	ID:       "http.securitytxt.missing",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Pas de fichier security.txt pour signaler une vulnérabilité",
		EN: "No security.txt file to report a vulnerability",
	},
	Remediation: audit.Text{
		FR: "Publier https://votre-domaine/.well-known/security.txt en text/plain, avec au moins « Contact: mailto:securite@exemple.fr » " +
			"et « Expires: » (date RFC 3339, moins d'un an). nginx : « location = /.well-known/security.txt { default_type text/plain; } » ; " +
			"Apache : « <Files \"security.txt\"> ForceType text/plain </Files> ».",
		EN: "Publish https://your-domain/.well-known/security.txt as text/plain, with at least \"Contact: mailto:security@example.org\" " +
			"and \"Expires:\" (an RFC 3339 date, less than a year ahead). nginx: \"location = /.well-known/security.txt { default_type text/plain; }\"; " +
			"Apache: “<Files \"security.txt\"> ForceType text/plain </Files>”.",
	},
	Standard: "RFC 9116, section 3",
}

var securityTxtInvalid = &audit.Definition{
	ID:       "http.securitytxt.invalid",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Fichier security.txt non conforme",
		EN: "Invalid security.txt file",
	},
	Remediation: audit.Text{
		FR: "Corriger ce que la preuve désigne : servir le fichier en text/plain, avec au moins un champ Contact, " +
			"un seul champ Expires à une date future de moins d'un an (« Expires: 2026-12-31T23:00:00Z »), " +
			"et seulement des lignes « Champ: valeur » ou des commentaires « # ».",
		EN: "Fix what the evidence names: serve the file as text/plain, with at least one Contact field, " +
			"one Expires field at a future date less than a year ahead (\"Expires: 2026-12-31T23:00:00Z\"), " +
			"and only \"Field: value\" lines or \"#\" comments.",
	},
	Standard: "RFC 9116, sections 2.5.3, 2.5.5 and 3",
}

// SecurityTxt reports a security.txt that could not be fetched, or one
// that does not follow RFC 9116.
var SecurityTxt = audit.CheckFunc("http.securitytxt", func(o *audit.Observations) []audit.Finding {
	s := o.SecurityTxt
	if s == nil || (s.Status == 0 && s.Error == "") {
		return nil // not fetched
	}
	switch {
	case s.Error != "" && s.Status != 200:
		return []audit.Finding{securityTxtMissing.New(s.URL, audit.M("http.securitytxt.not_fetched").WithItems(audit.Failure(s.Error)))}
	case s.Status != 200:
		return []audit.Finding{securityTxtMissing.New(s.URL, audit.M("http.securitytxt.status", "status", strconv.Itoa(s.Status)))}
	}
	problems := ParseSecurityTxt(s.Body).Problems(o.Time)
	// RFC 9116, section 3: the file MUST have a Content-Type of
	// text/plain.
	if mt, _, err := mime.ParseMediaType(s.ContentType); err != nil || mt != "text/plain" {
		ct := audit.M("http.securitytxt.no_content_type")
		if s.ContentType != "" {
			ct = audit.M("http.securitytxt.content_type", "type", evidence.Quote(s.ContentType))
		}
		problems = append([]audit.Message{ct}, problems...)
	}
	if s.Error != "" {
		problems = append(problems, audit.M("http.securitytxt.error").WithItems(audit.Failure(s.Error)))
	}
	if len(problems) == 0 {
		return nil
	}
	return []audit.Finding{securityTxtInvalid.New(s.URL, audit.M("list").WithItems(problems...))}
}, securityTxtMissing, securityTxtInvalid)

// SecurityTxtFile is a parsed security.txt file (RFC 9116).
type SecurityTxtFile struct {
	// Fields are the fields in the order they came.
	Fields []SecurityTxtField
	// Signed is true when the file is an OpenPGP cleartext signed
	// message, which RFC 9116 allows.
	Signed bool
	// BadLines are the lines that are neither fields, comments nor
	// blank, as "line N: text".
	BadLines []string
}

// SecurityTxtField is one "Name: value" line.
type SecurityTxtField struct {
	Name  string // as written
	Value string
	Line  int
}

// Values returns the values of the fields named name, any case.
func (f SecurityTxtFile) Values(name string) []string {
	var vs []string
	for _, fl := range f.Fields {
		if strings.EqualFold(fl.Name, name) {
			vs = append(vs, fl.Value)
		}
	}
	return vs
}

// ParseSecurityTxt parses the body of a security.txt file. It accepts
// lines ended by LF or CRLF, blank lines, comments starting with "#" and
// an OpenPGP cleartext signature around the fields, as RFC 9116 does;
// anything else is recorded in BadLines.
func ParseSecurityTxt(body string) SecurityTxtFile {
	var f SecurityTxtFile
	lines := strings.Split(body, "\n")
	const (
		plain = iota
		armorHeaders
		signature
	)
	state := plain
	for i, line := range lines {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		switch {
		case state == signature:
			continue
		case state == armorHeaders:
			// Armor headers ("Hash: SHA512") end at the first blank line.
			if strings.TrimSpace(line) == "" {
				state = plain
			}
			continue
		case line == "-----BEGIN PGP SIGNED MESSAGE-----" && len(f.Fields) == 0 && !f.Signed:
			f.Signed = true
			state = armorHeaders
			continue
		case f.Signed && line == "-----BEGIN PGP SIGNATURE-----":
			state = signature
			continue
		}
		if f.Signed {
			// Dash-escaped lines of a cleartext signed message.
			line = strings.TrimPrefix(line, "- ")
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isFieldName(name) {
			f.BadLines = append(f.BadLines, fmt.Sprintf("%d: %s", n, evidence.Quote(line)))
			continue
		}
		f.Fields = append(f.Fields, SecurityTxtField{Name: name, Value: strings.TrimSpace(value), Line: n})
	}
	return f
}

// isFieldName reports whether s is a field name: printable US-ASCII
// characters except colon (RFC 5322, section 3.6.8, as RFC 9116 section 4
// uses it).
func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// Problems returns what makes the file invalid at time now, in the order
// of the RFC: no Contact (section 2.5.3), a missing, repeated, malformed,
// past or too distant Expires (section 2.5.5), and lines that are not
// fields or comments.
func (f SecurityTxtFile) Problems(now time.Time) []audit.Message {
	var ps []audit.Message
	contact := false
	for _, v := range f.Values("Contact") {
		if v != "" {
			contact = true
		}
	}
	if !contact {
		ps = append(ps, audit.M("http.securitytxt.no_contact"))
	}
	expires := f.Values("Expires")
	switch {
	case len(expires) == 0:
		ps = append(ps, audit.M("http.securitytxt.no_expires"))
	case len(expires) > 1:
		ps = append(ps, audit.M("http.securitytxt.expires_repeated", "n", strconv.Itoa(len(expires))))
	default:
		t, err := time.Parse(time.RFC3339, expires[0])
		switch {
		case err != nil:
			ps = append(ps, audit.M("http.securitytxt.expires_invalid", "value", evidence.Quote(expires[0])))
		case !t.After(now):
			ps = append(ps, audit.M("http.securitytxt.expired", "date", t.UTC().Format(time.RFC3339)))
		case t.After(now.AddDate(1, 0, 0)):
			// Section 2.5.5: it is RECOMMENDED that Expires be
			// less than a year into the future.
			ps = append(ps, audit.M("http.securitytxt.expires_far", "date", t.UTC().Format(time.RFC3339)))
		}
	}
	if len(f.BadLines) > 0 {
		p := audit.M("http.securitytxt.bad_line", "line", f.BadLines[0])
		switch n := len(f.BadLines) - 1; {
		case n == 1:
			p = audit.M("http.securitytxt.bad_line_1", "line", f.BadLines[0])
		case n > 1:
			p = audit.M("http.securitytxt.bad_lines", "line", f.BadLines[0], "n", strconv.Itoa(n))
		}
		ps = append(ps, p)
	}
	return ps
}
