package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/store"
)

// labCampaign prepares a campaign of orgs organisations against the
// engine's lab: it returns the vigie binary, the arguments of "vigie
// campaign run" (with SSL_CERT_FILE to set to ca), the database and the
// lab's domains, which the organisations take in turn.
func labCampaign(t *testing.T, orgs int) (vigie string, runArgs []string, ca, db string, domains []string) {
	t.Helper()
	vigie, err := exec.LookPath("vigie")
	if err != nil {
		t.Fatal(err) // set up by testscript.Main in TestMain
	}
	lab := enginetest.NewLab(t)
	dir := t.TempDir()
	ca = filepath.Join(dir, "ca.pem")
	anchor := filepath.Join(dir, "anchor.ds")
	targets := filepath.Join(dir, "orgs.csv")
	db = filepath.Join(dir, "camp.db")
	if err := os.WriteFile(ca, lab.CA.RootPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(anchor, []byte(lab.AnchorsText), 0o644); err != nil {
		t.Fatal(err)
	}
	domains = []string{"good.test", "example.test", "nowww.test", "xn--mairie-vry-h7a.test", "absent.test"}
	var csv strings.Builder
	csv.WriteString("siren;nom;catégorie;domaines\n")
	for i := range orgs {
		fmt.Fprintf(&csv, "%09d;Organisation %d;commune;%s\n", i, i, domains[i%len(domains)])
	}
	if err := os.WriteFile(targets, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	runArgs = []string{"campaign", "run", "--targets", targets, "--db", db,
		"--resolver", lab.Resolver, "--allow-private", "127.0.0.0/8", "--trust-anchor", anchor,
		"--http-port", strconv.Itoa(lab.HTTPPort), "--https-port", strconv.Itoa(lab.HTTPSPort), "--smtp-port", strconv.Itoa(lab.SMTPPort),
		"--dkim-selector", enginetest.DKIMSelector, "--timeout", "10s", "--parallel", "16", "--per-ip", "16", "--canary", "good.test"}
	return vigie, runArgs, ca, db, domains
}

// envWithout returns the environment without SSL_CERT_FILE.
func envWithout() []string {
	var env []string
	for _, kv := range os.Environ() {
		// The locale would choose the language of the messages that
		// the tests read (French, the default).
		if !strings.HasPrefix(kv, "SSL_CERT_FILE=") && !strings.HasPrefix(kv, "LANG=") && !strings.HasPrefix(kv, "LC_ALL=") && !strings.HasPrefix(kv, "LC_MESSAGES=") {
			env = append(env, kv)
		}
	}
	return env
}

// TestCampaignKillResume starts a campaign of 200 organisations against
// the engine's lab in a vigie process, kills it with SIGKILL at random
// points ten times, resuming it each time, lets the last resume finish,
// and checks that every job has exactly one stored audit. The resumes
// are run without SSL_CERT_FILE, and the files of the roots and of the
// trust anchor are removed: they must use the options stored with the
// campaign.
func TestCampaignKillResume(t *testing.T) {
	const orgs = 200
	vigie, runArgs, ca, db, domains := labCampaign(t, orgs)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	// start starts vigie with args; its stderr is read line by line
	// into lines.
	start := func(env []string, args ...string) (*exec.Cmd, <-chan string) {
		cmd := exec.Command(vigie, args...)
		cmd.Env = env
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 64)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				select {
				case lines <- sc.Text():
				default: // nobody listens any more
				}
			}
		}()
		return cmd, lines
	}
	kill := func(cmd *exec.Cmd, after time.Duration) bool {
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			t.Logf("exited by itself before its kill: %v", err)
			return false
		case <-time.After(after):
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-exited
		return true
	}

	// The run, killed once it says the campaign is stored.
	cmd, lines := start(append(envWithout(), "SSL_CERT_FILE="+ca), runArgs...)
	for l := range lines {
		if strings.Contains(l, "campagne 1 ") {
			break
		}
	}
	kills := 0
	if kill(cmd, time.Duration(rng.IntN(300))*time.Millisecond) {
		kills++
	}
	// The roots and the trust anchor are stored by value: the resumes
	// need neither file.
	for _, f := range []string{ca, filepath.Join(filepath.Dir(ca), "anchor.ds")} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	progress := func() (int, int) {
		st, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		done, total, err := st.Progress(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		return done, total
	}
	for kills < 10 {
		done, total := progress()
		t.Logf("kill %d: %d/%d done", kills, done, total)
		if done == total {
			break
		}
		cmd, _ := start(envWithout(), "campaign", "resume", "--db", db, "--parallel", "8")
		if !kill(cmd, time.Duration(50+rng.IntN(400))*time.Millisecond) {
			break
		}
		kills++
	}
	last := exec.Command(vigie, "campaign", "resume", "--db", db)
	last.Env = envWithout()
	out, err := last.CombinedOutput()
	if err != nil {
		t.Fatalf("last resume: %v\n%s", err, out)
	}
	t.Logf("%d kills; last resume:\n%s", kills, out)

	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := st.Campaign(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Finished.IsZero() || c.Total != orgs {
		t.Errorf("campaign: finished %v, total %d; want finished, %d", c.Finished, c.Total, orgs)
	}
	done, total, err := st.Progress(t.Context(), 1)
	if err != nil || done != orgs || total != orgs {
		t.Errorf("progress %d/%d, %v; want %d/%d", done, total, err, orgs, orgs)
	}
	perOrg := map[string]int{}
	for _, d := range domains {
		h, err := st.History(t.Context(), d, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range h {
			if a.Domain != d {
				t.Errorf("history of %s holds %s", d, a.Domain)
			}
			perOrg[a.Org.ID]++
		}
	}
	latest := 0
	grades := map[string]string{}
	err = st.LatestAudits(t.Context(), func(a store.AuditRecord) error {
		latest++
		if g, ok := grades[a.Domain]; ok && g != a.Grade {
			t.Errorf("%s: grade %q, and %q for another organisation", a.Domain, a.Grade, g)
		}
		grades[a.Domain] = a.Grade
		if a.Result == nil || a.Result.Error == engine.ErrCancelled {
			t.Errorf("%s %s: result %+v", a.Org.ID, a.Domain, a.Result)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if grades["good.test"] == "" || grades["good.test"][0] != 'A' {
		t.Errorf("good.test graded %q, want A or A+", grades["good.test"])
	}
	if latest != orgs || len(perOrg) != orgs {
		t.Errorf("%d latest audits, %d organisations audited; want %d", latest, len(perOrg), orgs)
	}
	for id, n := range perOrg {
		if n != 1 {
			t.Errorf("organisation %s audited %d times", id, n)
		}
	}
}

// TestCampaignInterrupt: SIGINT during a campaign stops it with code 130
// and a message that says how to resume; the resume finishes it.
func TestCampaignInterrupt(t *testing.T) {
	const orgs = 100
	vigie, runArgs, ca, db, _ := labCampaign(t, orgs)
	cmd := exec.Command(vigie, runArgs...)
	cmd.Env = append(envWithout(), "SSL_CERT_FILE="+ca)
	var stderr strings.Builder
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderrPipe)
	for sc.Scan() {
		stderr.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "campagne 1 ") {
			break
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		stderr.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupt {
		t.Fatalf("run: %v, want exit code %d; stderr:\n%s", err, exitInterrupt, stderr.String())
	}
	want := "vigie campaign resume --db " + db + " --campaign 1"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
	}
	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	done, _, err := st.Progress(t.Context(), 1)
	st.Close()
	if err != nil || done >= orgs {
		t.Fatalf("after SIGINT: %d/%d done, %v", done, orgs, err)
	}
	resume := exec.Command(vigie, "campaign", "resume", "--db", db)
	resume.Env = envWithout()
	out, err := resume.CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("%d/%d tâches faites", orgs, orgs); !strings.Contains(string(out), want) {
		t.Errorf("resume says:\n%s\nwant %q", out, want)
	}
}
