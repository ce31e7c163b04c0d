package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/pdf"
	"vigie.eu/vigie/internal/report"
)

// exitNoRenderer: --format pdf and no Chromium to print with.
const exitNoRenderer = 6

// formatUsage is the usage of --format for audit and report.
var formatUsage = bi("`text|html|pdf` forme du rapport : texte pour un terminal, une page HTML autonome, ou un PDF A4 (imprimé par Chromium, paquet Debian chromium) ; html et pdf pour un seul domaine",
	"`text|html|pdf` form of the report: text for a terminal, one self-contained HTML page, or an A4 PDF (printed by Chromium, Debian package chromium); html and pdf for one domain only")

// checkFormat says whether format is one --format accepts.
func checkFormat(e *env, format string) error {
	switch format {
	case "text", "html", "pdf":
		return nil
	}
	return fmt.Errorf(e.t(text{"--format « %s » : text, html ou pdf attendu", "--format %q: want text, html or pdf"}), format)
}

// errNoChromium is the error of --format pdf without Chromium.
var errNoChromium = errors.New("no chromium")

// render writes the report of r in format (text, html or pdf) to w.
func render(ctx context.Context, w io.Writer, r *audit.Result, format, lang string, color bool) error {
	o := report.Options{Lang: lang, Color: color}
	switch format {
	case "html":
		return report.HTML(w, r, o)
	case "pdf":
		var page bytes.Buffer
		if err := report.HTML(&page, r, report.Options{Lang: lang}); err != nil {
			return err
		}
		b, err := pdf.Render(ctx, page.Bytes())
		if errors.Is(err, pdf.ErrNoChromium) {
			return errNoChromium
		}
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return report.Text(w, r, o)
}

// renderError reports an error of render and returns the exit code.
func renderError(e *env, err error) int {
	if errors.Is(err, errNoChromium) {
		e.errorf(e.t(text{"--format pdf : Chromium est introuvable ; installez le paquet Debian chromium (apt-get install chromium) ou indiquez-le par VIGIE_CHROMIUM ; --format html donne la même page sans PDF",
			"--format pdf: Chromium not found; install the Debian package chromium (apt-get install chromium) or name it in VIGIE_CHROMIUM; --format html gives the same page without PDF"}))
		return exitNoRenderer
	}
	e.errorf("%v", err)
	return exitFailed
}
