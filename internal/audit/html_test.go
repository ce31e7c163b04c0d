package audit

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// bigPage returns a page whose first cut bytes hold the head's script, a
// tag that straddles byte cut, and late tags after it: an insecure script,
// a <meta> policy and a <noscript> with a script inside.
func bigPage(cut int) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><script src="/early.js"></script></head><body>`)
	for b.Len()+20 <= cut-20 { // each line is 20 bytes
		b.WriteString("<p>padding text</p>\n")
	}
	b.WriteString(strings.Repeat("x", cut-20-b.Len()))
	b.WriteString(`<img src="http://straddle.test/a.png">`) // starts 20 bytes before the cut
	b.WriteString(`<p>more</p><script src="http://late.test/late.js"></script>`)
	b.WriteString(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'">`)
	b.WriteString(`<noscript><script src="http://late.test/fallback.js"></script></noscript></body></html>`)
	return b.String()
}

func srcs(els []HTMLElement) []string {
	var out []string
	for _, el := range els {
		if s, ok := el.Attrs["src"]; ok {
			out = append(out, el.Tag+" "+s)
		}
	}
	return out
}

func TestScanLate(t *testing.T) {
	const cut = 4096
	page := bigPage(cut)
	late, noscript, err := ScanLate(strings.NewReader(page), cut)
	if err != nil {
		t.Fatal(err)
	}
	h := &HTTPObservation{Body: page[:cut], BodyTruncated: true, LateElements: late, LateNoscript: noscript}

	got := strings.Join(srcs(h.Elements()), ", ")
	want := "script /early.js, img http://straddle.test/a.png, script http://late.test/late.js"
	if got != want {
		t.Errorf("Elements() srcs = %s\nwant %s", got, want)
	}
	got = strings.Join(srcs(h.ElementsNoScripting()), ", ")
	want += ", script http://late.test/fallback.js"
	if got != want {
		t.Errorf("ElementsNoScripting() srcs = %s\nwant %s", got, want)
	}
	// The whole page, as one body, gives the same tags.
	whole := &HTTPObservation{Body: page}
	if a, b := fmt.Sprint(srcs(whole.ElementsNoScripting())), fmt.Sprint(srcs(h.ElementsNoScripting())); a != b {
		t.Errorf("cut page: %s, whole page: %s", b, a)
	}
	var meta bool
	for _, el := range late {
		meta = meta || (el.Tag == "meta" && el.Attrs["http-equiv"] == "Content-Security-Policy")
		if el.Tag == "p" {
			t.Errorf("a <p> is kept: %v", el)
		}
	}
	if !meta {
		t.Error("the late <meta> policy is missing")
	}
}

func TestScanLateLimits(t *testing.T) {
	many := strings.Repeat("<p>text</p>", 2*MaxLateElements) + strings.Repeat("<img>", MaxLateElements+10)
	els, _, err := ScanLate(strings.NewReader(many), 0)
	if !errors.Is(err, ErrLateTruncated) || len(els) != MaxLateElements {
		t.Errorf("%d images: %d kept, %v; want %d and ErrLateTruncated", MaxLateElements+10, len(els), err, MaxLateElements)
	}

	huge := `<img title="` + strings.Repeat("v", maxLateToken+10) + `">`
	if _, _, err := ScanLate(strings.NewReader(huge), 0); !errors.Is(err, ErrLateTruncated) {
		t.Errorf("a tag over %d bytes: %v, want ErrLateTruncated", maxLateToken, err)
	}

	big := strings.Repeat(`<img title="`+strings.Repeat("v", 1000)+`">`, MaxLateBytes/1000+5)
	els, _, err = ScanLate(strings.NewReader(big), 0)
	n := 0
	for _, el := range els {
		n += len(el.Tag) + len("title") + len(el.Attrs["title"])
	}
	if !errors.Is(err, ErrLateTruncated) || n > MaxLateBytes {
		t.Errorf("%d bytes of attributes: %d kept, %v; want at most %d and ErrLateTruncated", len(big), n, err, MaxLateBytes)
	}

	// A read error ends the scan with the tags before it.
	r := io.MultiReader(strings.NewReader(`<script src="a.js"></script><img>`), iotest.ErrReader(io.ErrUnexpectedEOF))
	els, _, err = ScanLate(r, 0)
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(els) == 0 || els[0].Attrs["src"] != "a.js" {
		t.Errorf("read error: %v, %v; want the tags before and the error", els, err)
	}
}
