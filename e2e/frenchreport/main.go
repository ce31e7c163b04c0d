// Command frenchreport renders, in French, each audit result of a JSON
// Lines file (vigie audit --json) as the text report, and fails when one
// of them holds an English sentence of vigie's message catalogue or a raw
// Go error (see report.English). It prints one line per result, then
// "N passed, M failed", and exits 1 on any failure. e2e/run.sh runs it on
// the lab's sites.
//
//	frenchreport <vigie.jsonl
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/report"
)

func main() {
	passed, failed := 0, 0
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		var r audit.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			fmt.Printf("FAIL  line %d: not an audit result: %v\n", line, err)
			failed++
			continue
		}
		var b bytes.Buffer
		if err := report.Text(&b, &r, report.Options{Lang: "fr"}); err != nil {
			fmt.Printf("FAIL  %s: %v\n", r.Domain, err)
			failed++
			continue
		}
		if en := report.English(b.String()); len(en) > 0 {
			fmt.Printf("FAIL  %-16s French report holds %d English lines:\n", r.Domain, len(en))
			for _, l := range en {
				fmt.Printf("        %s\n", l)
			}
			failed++
			continue
		}
		fmt.Printf("ok    %-16s French report, %d lines, no English sentence\n", r.Domain, bytes.Count(b.Bytes(), []byte("\n")))
		passed++
	}
	if err := sc.Err(); err != nil {
		fmt.Printf("FAIL  reading: %v\n", err)
		failed++
	}
	if passed+failed == 0 {
		fmt.Println("FAIL  no audit result")
		failed++
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
