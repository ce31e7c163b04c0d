package pdf

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
)

func TestRender(t *testing.T) {
	if _, err := Browser(); err != nil {
		t.Fatal("chromium is not installed (apt-get install chromium; .ci/setup does): ", err)
	}
	page := []byte(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title></head><body><h1>Note B</h1></body></html>`)
	b, err := Render(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(20, len(b))])
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		f := t.TempDir() + "/r.pdf"
		os.WriteFile(f, b, 0o600)
		out, err := exec.Command("pdftotext", f, "-").Output()
		if err != nil || !bytes.Contains(out, []byte("Note B")) {
			t.Errorf("pdftotext: %v %q", err, out)
		}
	}
}

func TestNoChromium(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("VIGIE_CHROMIUM", "")
	if _, err := Render(context.Background(), []byte("<p>x</p>")); !errors.Is(err, ErrNoChromium) {
		t.Errorf("Render with no chromium: %v, want ErrNoChromium", err)
	}
}
