// Command frenchreport renders, in French, each audit result of a JSON
// Lines file (vigie audit --json) as the text report and as the HTML
// report, and fails when one of them holds an English sentence of vigie's
// message catalogue or a raw Go error (see report.English); the HTML
// report is read as a reader sees it, its text without the markup. With
// -text, it checks instead the text files given (a PDF report read by
// pdftotext, for example). It prints one line per report, then
// "N passed, M failed", and exits 1 on any failure. e2e/run.sh runs it
// on the lab's sites, e2e/report.sh on a PDF report.
//
//	frenchreport <vigie.jsonl
//	frenchreport -text FILE...
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/net/html"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/report"
)

type tally struct{ passed, failed int }

// judge reports on one rendered report: ok when text holds no English.
func (t *tally) judge(name, kind, text string) {
	if en := report.English(text); len(en) > 0 {
		fmt.Printf("FAIL  %-16s French %s report holds %d English lines:\n", name, kind, len(en))
		for _, l := range en {
			fmt.Printf("        %s\n", l)
		}
		t.failed++
		return
	}
	fmt.Printf("ok    %-16s French %s report, %d lines, no English sentence\n", name, kind, strings.Count(text, "\n"))
	t.passed++
}

func (t *tally) fail(format string, args ...any) {
	fmt.Printf("FAIL  "+format+"\n", args...)
	t.failed++
}

func main() {
	textFiles := flag.Bool("text", false, "check the text files given as arguments instead of rendering audit results read on stdin")
	flag.Parse()
	var t tally
	if *textFiles {
		for _, name := range flag.Args() {
			b, err := os.ReadFile(name)
			if err != nil {
				t.fail("%v", err)
				continue
			}
			t.judge(name, "text", string(b))
		}
	} else {
		results(os.Stdin, &t)
	}
	if t.passed+t.failed == 0 {
		t.fail("no report")
	}
	fmt.Printf("%d passed, %d failed\n", t.passed, t.failed)
	if t.failed > 0 {
		os.Exit(1)
	}
}

// results renders each audit result of r in French, as text and HTML.
func results(r io.Reader, t *tally) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		var res audit.Result
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil {
			t.fail("line %d: not an audit result: %v", line, err)
			continue
		}
		var b bytes.Buffer
		if err := report.Text(&b, &res, report.Options{Lang: "fr"}); err != nil {
			t.fail("%s: text: %v", res.Domain, err)
		} else {
			t.judge(res.Domain, "text", b.String())
		}
		b.Reset()
		if err := report.HTML(&b, &res, report.Options{Lang: "fr"}); err != nil {
			t.fail("%s: HTML: %v", res.Domain, err)
		} else {
			t.judge(res.Domain, "HTML", visibleText(b.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		t.fail("reading: %v", err)
	}
}

// blocks are the elements that start a line of their own when shown.
var blocks = map[string]bool{
	"p": true, "li": true, "tr": true, "br": true, "div": true, "section": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "dt": true, "dd": true,
	"pre": true, "table": true, "ul": true, "ol": true, "header": true, "footer": true,
}

// visibleText is what a reader of the HTML page sees: the text outside
// style and script, entities decoded, a line per block element.
func visibleText(page []byte) string {
	var b strings.Builder
	z := html.NewTokenizer(bytes.NewReader(page))
	hidden := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if hidden == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case n == "style" || n == "script":
				hidden++
			case blocks[n]:
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case n == "style" || n == "script":
				hidden--
			case blocks[n]:
				b.WriteByte('\n')
			}
		}
	}
}
