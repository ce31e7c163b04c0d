// Package version tells which vigie is running: its version and the
// commit it was built from, as Go records them in the binary
// (runtime/debug.ReadBuildInfo), and the User-Agent that names them.
//
// It reads nothing but the build information: no file, no clock, no
// network. The version is, in order: the one set at build time with
//
//	go build -ldflags "-X vigie.eu/vigie/internal/version.set=1.2.3" ./cmd/vigie
//
// the module version Go stamps (a tag, or a pseudo-version such as
// v0.0.0-20261203070620-6b127c5abcde+dirty when built from a git
// checkout), "dev+" and the first 12 digits of the commit when Go knows
// the commit but no version, or "dev".
package version

import (
	"fmt"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
)

// URL is the project's home, named in the default User-Agent so that the
// operator of an audited server can find out what vigie is.
const URL = "https://vigie.eu/vigie"

// set is the version given at build time with -ldflags -X.
var set string

// Info is what the build information says about the running vigie. Its
// JSON field names are published (vigie version --json): they are never
// renamed.
type Info struct {
	// Version is the version of vigie (see the package comment).
	Version string `json:"version"`
	// Commit is the VCS revision the binary was built from (vcs.revision),
	// empty when Go did not record it (go run, go test, a build outside a
	// checkout, -buildvcs=false).
	Commit string `json:"commit,omitempty"`
	// CommitTime is the time of that commit (vcs.time, RFC 3339).
	CommitTime string `json:"commit_time,omitempty"`
	// Modified says the working tree had uncommitted changes (vcs.modified).
	Modified bool `json:"modified"`
	// GoVersion is the Go toolchain that built the binary.
	GoVersion string `json:"go_version,omitempty"`
}

// FromBuildInfo returns the Info that bi describes, with override (the
// version set at build time) first when it is not empty. bi may be nil.
func FromBuildInfo(bi *debug.BuildInfo, override string) Info {
	var in Info
	mainVersion := ""
	if bi != nil {
		in.GoVersion = bi.GoVersion
		mainVersion = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Commit = s.Value
			case "vcs.time":
				in.CommitTime = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	switch {
	case override != "":
		in.Version = override
	case mainVersion != "" && mainVersion != "(devel)":
		in.Version = mainVersion
	case in.Commit != "":
		in.Version = "dev+" + short(in.Commit)
		if in.Modified {
			in.Version += ".dirty"
		}
	default:
		in.Version = "dev"
	}
	return in
}

// short returns the first 12 characters of a commit hash.
func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

var current = sync.OnceValue(func() Info {
	bi, _ := debug.ReadBuildInfo()
	return FromBuildInfo(bi, set)
})

// Get returns the Info of the running binary.
func Get() Info { return current() }

// String returns the version of the running binary, as recorded in
// results and catalogues.
func String() string { return Get().Version }

// MaxUserAgent is the longest User-Agent accepted, in bytes: long enough
// for a product, a version and a contact URL, short enough for every
// server's header limits.
const MaxUserAgent = 256

// UserAgent returns the default User-Agent of the probes for a vigie of
// version v: "vigie/v (+URL)", with "(+contact)" appended when contact is
// not empty. The result is not validated: see CheckUserAgent.
func UserAgent(v, contact string) string {
	ua := "vigie"
	if v != "" {
		ua += "/" + v
	}
	ua += " (+" + URL + ")"
	if contact != "" {
		ua += " (+" + contact + ")"
	}
	return ua
}

// Agent returns the User-Agent the probes send: custom (an operator's
// own, from --user-agent) or, when it is empty, the default of
// UserAgent(v, ""), then "(+contact)" when contact is not empty.
func Agent(custom, v, contact string) string {
	if custom == "" {
		return UserAgent(v, contact)
	}
	if contact != "" {
		return custom + " (+" + contact + ")"
	}
	return custom
}

// MaxContact is the longest contact accepted, in bytes.
const MaxContact = 200

// CheckContact returns an error unless contact is a URL that says whom
// to reach: http, https or mailto, in printable ASCII without spaces or
// parentheses (it goes inside a User-Agent comment), at most MaxContact
// bytes.
func CheckContact(contact string) error {
	if len(contact) > MaxContact {
		return fmt.Errorf("version: contact: %d bytes, more than %d", len(contact), MaxContact)
	}
	for i := 0; i < len(contact); i++ {
		if c := contact[i]; c <= 0x20 || c > 0x7e || c == '(' || c == ')' {
			return fmt.Errorf("version: contact: byte %d is %q, not allowed in a URL of a User-Agent", i+1, c)
		}
	}
	u, err := url.Parse(contact)
	if err != nil {
		return fmt.Errorf("version: contact: %w", err)
	}
	switch {
	case u.Scheme == "mailto" && u.Opaque != "":
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
	default:
		return fmt.Errorf("version: contact: %q is not an https://, http:// or mailto: URL", contact)
	}
	return nil
}

// UserAgentError says why a User-Agent cannot be sent.
type UserAgentError struct {
	// Len is the length of the value in bytes, set when it is empty or
	// too long.
	Len int
	// Pos is the position (from 1) of the first byte that is not
	// printable ASCII, and Byte that byte; 0 when the length is the fault.
	Pos  int
	Byte byte
}

func (e *UserAgentError) Error() string {
	switch {
	case e.Pos > 0:
		return fmt.Sprintf("version: user agent: byte %d is %q, not printable ASCII", e.Pos, e.Byte)
	case e.Len == 0:
		return "version: user agent: empty"
	}
	return fmt.Sprintf("version: user agent: %d bytes, more than %d", e.Len, MaxUserAgent)
}

// CheckUserAgent returns a *UserAgentError when ua cannot be sent as an
// HTTP header value as it is: empty, longer than MaxUserAgent bytes, or
// holding anything but printable ASCII (a CR or LF would end the header
// and start another, RFC 9110 section 5.5).
func CheckUserAgent(ua string) error {
	if strings.TrimSpace(ua) == "" {
		return &UserAgentError{}
	}
	if len(ua) > MaxUserAgent {
		return &UserAgentError{Len: len(ua)}
	}
	for i := 0; i < len(ua); i++ {
		if c := ua[i]; c < 0x20 || c > 0x7e {
			return &UserAgentError{Len: len(ua), Pos: i + 1, Byte: c}
		}
	}
	return nil
}
