package main

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/version"
)

// TestRunInterrupted: Ctrl-C cancels the context given to run; the audits
// stop and vigie exits with code 130.
func TestRunInterrupted(t *testing.T) {
	lab := enginetest.NewLab(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"audit", "--resolver", lab.Resolver, "--allow-private", "127.0.0.0/8",
		"--http-port", strconv.Itoa(lab.HTTPPort), "--https-port", strconv.Itoa(lab.HTTPSPort), "--smtp-port", strconv.Itoa(lab.SMTPPort),
		"good.test", "example.test"}, nil, &stdout, &stderr)
	if code != exitInterrupt {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitInterrupt, stderr.String())
	}
	if !strings.Contains(stderr.String(), "audit interrompu") {
		t.Errorf("stderr = %q", stderr.String())
	}
}

func TestResolverAddr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.0.0.1:5353", "127.0.0.1:5353"},
		{"127.0.0.1", "127.0.0.1:53"},
		{"::1", "[::1]:53"},
		{"[::1]:53", "[::1]:53"},
		{"localhost", "localhost:53"},
		{"127.0.0.1:0", ""},
		{"127.0.0.1:x", ""},
		{":53", ""},
		{"a b", ""},
	}
	for _, tt := range tests {
		got, err := resolverAddr(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("resolverAddr(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolverAddr(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestLangOf(t *testing.T) {
	tests := []struct {
		args []string
		want string
		err  bool
	}{
		{nil, "fr", false},
		{[]string{"audit", "x.fr"}, "fr", false},
		{[]string{"audit", "--lang", "en", "x.fr"}, "en", false},
		{[]string{"audit", "-lang=en"}, "en", false},
		{[]string{"audit", "--", "--lang=en"}, "fr", false},
		{[]string{"audit", "--lang=de"}, "fr", true},
	}
	for _, tt := range tests {
		got, err := langOf(tt.args)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("langOf(%q) = %q, %v; want %q, error %v", tt.args, got, err, tt.want, tt.err)
		}
	}
}

func TestAuditConfigSelectors(t *testing.T) {
	e := &env{lang: "en"}
	f, _, _, err := parseAuditArgs(e, []string{"--dkim-selector", "S1", "example.test", "--dkim-selector=mail.2024", "--dkim-selector", "s1", "--smtp-port", "2525"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := auditConfig(e, f)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"s1", "mail.2024"}; !slices.Equal(cfg.DKIMSelectors, want) {
		t.Errorf("DKIMSelectors = %q, want %q", cfg.DKIMSelectors, want)
	}
	if cfg.SMTPPort != 2525 {
		t.Errorf("SMTPPort = %d, want 2525", cfg.SMTPPort)
	}
	for _, bad := range []string{"", "a b", "s1.", "-s1", "s1-", "a..b", "é", strings.Repeat("a", 64)} {
		f, _, _, err := parseAuditArgs(e, []string{"--dkim-selector", bad, "example.test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auditConfig(e, f); err == nil {
			t.Errorf("--dkim-selector %q accepted", bad)
		}
	}
	f, _, _, _ = parseAuditArgs(e, []string{"example.test"})
	if cfg, err := auditConfig(e, f); err != nil || cfg.SMTPPort != 25 || cfg.DKIMSelectors != nil {
		t.Errorf("defaults: SMTPPort %d, DKIMSelectors %q, %v", cfg.SMTPPort, cfg.DKIMSelectors, err)
	}
}

// TestAuditConfigUserAgent: --user-agent and --contact make the engine's
// User-Agent and are stored with a campaign as given, so that a resume
// rebuilds the same; without them the engine's default applies.
func TestAuditConfigUserAgent(t *testing.T) {
	e := &env{lang: "en"}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--contact", "https://cert.example/contact"}, version.UserAgent(vigieVersion(), "https://cert.example/contact")},
		{[]string{"--user-agent", "CERT scan/1", "--contact", "mailto:cert@example.fr"}, "CERT scan/1 (+mailto:cert@example.fr)"},
	} {
		f, _, _, err := parseAuditArgs(e, append(tt.args, "example.test"))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := auditConfig(e, f)
		if err != nil || cfg.UserAgent != tt.want {
			t.Errorf("%q: User-Agent %q, %v; want %q", tt.args, cfg.UserAgent, err, tt.want)
			continue
		}
		opts, err := runOptions(f, cfg, "t.csv", 1)
		if err != nil {
			t.Fatal(err)
		}
		if opts.UserAgent != f.userAgent || opts.Contact != f.contact {
			t.Errorf("%q: stored %q, %q", tt.args, opts.UserAgent, opts.Contact)
		}
	}
	f, _, _, _ := parseAuditArgs(e, []string{"--user-agent", strings.Repeat("a", 300), "example.test"})
	if _, err := auditConfig(e, f); err == nil || !strings.Contains(err.Error(), "at most 256") {
		t.Errorf("a 300-byte User-Agent: %v", err)
	}
}

func TestLangFromEnv(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "fr"},
		{map[string]string{"LANG": "fr_FR.UTF-8"}, "fr"},
		{map[string]string{"LANG": "en_GB.UTF-8"}, "en"},
		{map[string]string{"LANG": "C"}, "fr"},
		{map[string]string{"LANG": "C.UTF-8"}, "fr"},
		{map[string]string{"LC_ALL": "POSIX", "LANG": "en_US.UTF-8"}, "en"},
		{map[string]string{"LANG": "fr_BE", "LC_MESSAGES": "de_DE"}, "en"},
		{map[string]string{"LANG": "en_US", "LC_MESSAGES": "fr_CA.UTF-8"}, "fr"},
		{map[string]string{"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "fr_FR", "LANG": "fr_FR"}, "en"},
		{map[string]string{"LC_ALL": "", "LANG": "fr"}, "fr"},
		{map[string]string{"LANG": "french"}, "en"},
	} {
		got := langFromEnv(func(k string) string { return tt.env[k] })
		if got != tt.want {
			t.Errorf("langFromEnv(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

// TestFlagErrors checks that a wrong flag value is told in the chosen
// language with what is expected, and exits with the usage code.
func TestFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "--timeout", "5", "x.test"}, "vigie: audit: valeur « 5 » invalide pour --timeout : durée attendue, par exemple 5s"},
		{[]string{"--lang", "en", "audit", "--timeout", "5", "x.test"}, `vigie: audit: invalid value "5" for --timeout: a duration is expected, for example 5s`},
		{[]string{"audit", "--parallel=deux", "x.test"}, "nombre entier attendu"},
		{[]string{"audit", "--nope", "x.test"}, "option inconnue « --nope »"},
		{[]string{"campaign", "run", "--lang=en", "--db"}, "option --db needs a value"},
	} {
		var stdout, stderr strings.Builder
		code := run(t.Context(), tt.args, strings.NewReader(""), &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), tt.want) || strings.Contains(stderr.String(), "parse error") {
			t.Errorf("vigie %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tt.args, " "), code, stderr.String(), exitUsage, tt.want)
		}
	}
}
