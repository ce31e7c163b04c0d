package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/golden"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"vigie": func() { os.Exit(mainCode()) },
	})
}

// TestScript runs the scripts of testdata/script against a lab started
// here on loopback (see enginetest): the scripts find its DNS server in
// $RESOLVER, its web servers' ports in $HTTP_PORT and $HTTPS_PORT, its mail
// servers' port in $SMTP_PORT, the selector of good.test's DKIM key in
// $DKIM_SELECTOR, its DNSSEC trust anchor in the file $ANCHOR, and its CA in
// $SSL_CERT_FILE.
func TestScript(t *testing.T) {
	lab := enginetest.NewLab(t)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, lab.CA.RootPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	anchor := filepath.Join(dir, "anchor.ds")
	if err := os.WriteFile(anchor, []byte(lab.AnchorsText), 0o644); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("RESOLVER", lab.Resolver)
			env.Setenv("HTTP_PORT", strconv.Itoa(lab.HTTPPort))
			env.Setenv("HTTPS_PORT", strconv.Itoa(lab.HTTPSPort))
			env.Setenv("SMTP_PORT", strconv.Itoa(lab.SMTPPort))
			env.Setenv("DKIM_SELECTOR", enginetest.DKIMSelector)
			env.Setenv("ANCHOR", anchor)
			env.Setenv("SSL_CERT_FILE", ca)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     cmdExits,
			"jsonlines": cmdJSONLines,
		},
		RequireExplicitExec: true,
		// VIGIE_UPDATE=1 rewrites the files that cmp compares with.
		UpdateScripts: golden.Update(),
	})
}

// cmdExits runs a command and checks its exit code:
//
//	exits 2 vigie audit
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with code %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// cmdJSONLines checks that the last command's stdout is JSON Lines, one
// object per argument, in order, each with the field and value given:
//
//	jsonlines input=1.2.3.4 domain=good.test
func cmdJSONLines(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("jsonlines does not support !")
	}
	sc := bufio.NewScanner(strings.NewReader(ts.ReadFile("stdout")))
	sc.Buffer(nil, 16<<20)
	i := 0
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			ts.Fatalf("line %d: %v", i+1, err)
		}
		if i >= len(args) {
			ts.Fatalf("line %d: more lines than expected", i+1)
		}
		k, v, _ := strings.Cut(args[i], "=")
		if got, _ := obj[k].(string); got != v {
			ts.Fatalf("line %d: %s = %q, want %q", i+1, k, got, v)
		}
		i++
	}
	if i != len(args) {
		ts.Fatalf("%d lines, want %d", i, len(args))
	}
}
