// Package pdf prints an HTML page to PDF with headless Chromium (Debian's
// package "chromium"), offline: the browser is given a dead proxy and a
// resolver that resolves nothing, so a page can load nothing from
// elsewhere even if it tried (vigie's pages load nothing).
package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ErrNoChromium is returned when no Chromium is installed.
var ErrNoChromium = errors.New("pdf: chromium not found")

// Timeout bounds one rendering.
const Timeout = 60 * time.Second

// browsers are the names Chromium goes by, the Debian one first.
var browsers = []string{"chromium", "chromium-browser", "google-chrome"}

// Browser returns the path of the Chromium to use: $VIGIE_CHROMIUM if set,
// else the first of browsers on the PATH.
func Browser() (string, error) {
	if b := os.Getenv("VIGIE_CHROMIUM"); b != "" {
		return exec.LookPath(b)
	}
	for _, b := range browsers {
		if p, err := exec.LookPath(b); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Render prints page (a self-contained HTML document) on A4 and returns
// the PDF.
func Render(ctx context.Context, page []byte) ([]byte, error) {
	browser, err := Browser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vigie-pdf-")
	if err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, page, 0o600); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
		"--no-first-run", "--disable-sync", "--disable-background-networking",
		"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("pdf: %s did not finish within %v", browser, Timeout)
		}
		return nil, fmt.Errorf("pdf: %s: %w: %s", browser, err, tail(stderr.Bytes()))
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, fmt.Errorf("pdf: %s wrote no PDF: %s", browser, tail(stderr.Bytes()))
	}
	return b, nil
}

// tail is the end of a browser's messages, bounded.
func tail(b []byte) string {
	const n = 400
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
