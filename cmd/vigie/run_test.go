package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/engine/enginetest"
)

// TestRunInterrupted: Ctrl-C cancels the context given to run; the audits
// stop and vigie exits with code 130.
func TestRunInterrupted(t *testing.T) {
	lab := enginetest.NewLab(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"audit", "--resolver", lab.Resolver,
		"--http-port", strconv.Itoa(lab.HTTPPort), "--https-port", strconv.Itoa(lab.HTTPSPort),
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
