package version

import (
	"errors"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "-compiler", Value: "gc"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "6b127c5abcdef0123456789abcdef0123456789a"},
			{Key: "vcs.time", Value: "2026-12-03T07:06:20Z"},
			{Key: "vcs.modified", Value: modified},
		}
	}
	tests := []struct {
		name     string
		bi       *debug.BuildInfo
		override string
		want     Info
	}{
		{"no build info", nil, "", Info{Version: "dev"}},
		{"no build info, set at build", nil, "1.2.3", Info{Version: "1.2.3"}},
		{"devel without vcs", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "",
			Info{Version: "dev", GoVersion: "go1.26.0"}},
		{"tag", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}, Settings: vcs("false")}, "",
			Info{Version: "v1.4.0", Commit: "6b127c5abcdef0123456789abcdef0123456789a", CommitTime: "2026-12-03T07:06:20Z", GoVersion: "go1.26.0"}},
		{"pseudo-version, dirty", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261203070620-6b127c5abcde+dirty"}, Settings: vcs("true")}, "",
			Info{Version: "v0.0.0-20261203070620-6b127c5abcde+dirty", Commit: "6b127c5abcdef0123456789abcdef0123456789a", CommitTime: "2026-12-03T07:06:20Z", Modified: true}},
		{"commit but no version", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")}, "",
			Info{Version: "dev+6b127c5abcde.dirty", Commit: "6b127c5abcdef0123456789abcdef0123456789a", CommitTime: "2026-12-03T07:06:20Z", Modified: true}},
		{"set at build wins over the module version", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: vcs("false")}, "2.0.0",
			Info{Version: "2.0.0", Commit: "6b127c5abcdef0123456789abcdef0123456789a", CommitTime: "2026-12-03T07:06:20Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromBuildInfo(tt.bi, tt.override); got != tt.want {
				t.Errorf("FromBuildInfo = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestGetIsTheRunningBinary(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information in a test binary")
	}
	if got, want := Get(), FromBuildInfo(bi, set); got != want {
		t.Errorf("Get() = %+v, want %+v", got, want)
	}
	if String() != Get().Version || String() == "" {
		t.Errorf("String() = %q, Get().Version = %q", String(), Get().Version)
	}
}

func TestUserAgent(t *testing.T) {
	if got, want := UserAgent("v1.4.0", ""), "vigie/v1.4.0 (+https://vigie.eu/vigie)"; got != want {
		t.Errorf("UserAgent = %q, want %q", got, want)
	}
	if got, want := UserAgent("dev", "https://csirt.example/contact"), "vigie/dev (+https://vigie.eu/vigie) (+https://csirt.example/contact)"; got != want {
		t.Errorf("UserAgent with contact = %q, want %q", got, want)
	}
	if err := CheckUserAgent(UserAgent("v0.0.0-20261203070620-6b127c5abcde+dirty", "mailto:csirt@example.fr")); err != nil {
		t.Errorf("the default User-Agent is refused: %v", err)
	}
}

func TestCheckUserAgent(t *testing.T) {
	tests := []struct {
		ua   string
		want *UserAgentError // nil: accepted
	}{
		{"vigie/1.0 (+https://csirt.example)", nil},
		{"~ !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}", nil},
		{strings.Repeat("a", MaxUserAgent), nil},
		{"", &UserAgentError{}},
		{"   ", &UserAgentError{}},
		{strings.Repeat("a", MaxUserAgent+1), &UserAgentError{Len: MaxUserAgent + 1}},
		{"vigie\r\nX-Injected: 1", &UserAgentError{Len: 20, Pos: 6, Byte: '\r'}},
		{"vigie\n", &UserAgentError{Len: 6, Pos: 6, Byte: '\n'}},
		{"vigie\tx", &UserAgentError{Len: 7, Pos: 6, Byte: '\t'}},
		{"vigie\x7f", &UserAgentError{Len: 6, Pos: 6, Byte: 0x7f}},
		{"Mairie de Sète", &UserAgentError{Len: 15, Pos: 12, Byte: 0xc3}},
	}
	for _, tt := range tests {
		err := CheckUserAgent(tt.ua)
		if tt.want == nil {
			if err != nil {
				t.Errorf("CheckUserAgent(%q) = %v, want nil", tt.ua, err)
			}
			continue
		}
		var uaErr *UserAgentError
		if !errors.As(err, &uaErr) || *uaErr != *tt.want {
			t.Errorf("CheckUserAgent(%q) = %#v, want %#v", tt.ua, err, tt.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "version: user agent: ") {
			t.Errorf("error %q lacks its context", err)
		}
	}
}

func TestAgent(t *testing.T) {
	for _, tt := range []struct{ custom, contact, want string }{
		{"", "", "vigie/v1 (+https://vigie.eu/vigie)"},
		{"", "mailto:cert@exemple.fr", "vigie/v1 (+https://vigie.eu/vigie) (+mailto:cert@exemple.fr)"},
		{"CERT scanner/2", "", "CERT scanner/2"},
		{"CERT scanner/2", "https://cert.exemple.fr", "CERT scanner/2 (+https://cert.exemple.fr)"},
	} {
		if got := Agent(tt.custom, "v1", tt.contact); got != tt.want {
			t.Errorf("Agent(%q, v1, %q) = %q, want %q", tt.custom, tt.contact, got, tt.want)
		}
	}
}

func TestCheckContact(t *testing.T) {
	for _, ok := range []string{"https://cert.exemple.fr/contact", "http://cert.exemple.fr", "mailto:cert@exemple.fr", "https://cert.exemple.fr/a?b=c&d=%20"} {
		if err := CheckContact(ok); err != nil {
			t.Errorf("CheckContact(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "cert@exemple.fr", "ftp://cert.exemple.fr", "https://", "mailto:", "https://cert.exemple.fr/a b",
		"https://cert.exemple.fr/(x)", "https://cert.exemple.fr\r\nX: y", "https://exemple.fr/é", "https://exemple.fr/" + strings.Repeat("a", MaxContact)} {
		err := CheckContact(bad)
		if err == nil {
			t.Errorf("CheckContact(%q) = nil, want an error", bad)
		} else if !strings.HasPrefix(err.Error(), "version: contact: ") {
			t.Errorf("CheckContact(%q) = %q: no context", bad, err)
		}
	}
}
