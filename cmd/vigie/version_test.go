package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/version"
)

// TestVersionJSON decodes "vigie version --json": the fields are those of
// the build information, under their published names.
func TestVersionJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"version", "--json"}, nil, &stdout, &stderr); code != exitOK || stderr.Len() > 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	var got version.Info
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode %q: %v", stdout.String(), err)
	}
	if want := version.Get(); got != want {
		t.Errorf("vigie version --json = %+v, want %+v", got, want)
	}
	var fields map[string]any
	stdout.Reset()
	run(context.Background(), []string{"version", "--json"}, nil, &stdout, &stderr)
	if err := json.Unmarshal(stdout.Bytes(), &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "modified"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("field %q missing from %s", k, strings.TrimSpace(stdout.String()))
		}
	}
}
