package store

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"vigie.eu/vigie/internal/audit"
)

// Digest is what a reader of a whole campaign needs of one audit besides
// its grade and points: the rules' methodology that judged it, its error
// and its findings without their text (the text is the definitions').
// It is stored beside the result (migration 0005), so that the
// observatory's statistics and the comparisons of campaigns read a few
// hundred bytes per audit instead of decoding its result.
type Digest struct {
	Methodology string          `json:"m,omitempty"`
	Error       string          `json:"e,omitempty"`
	Findings    []DigestFinding `json:"f,omitempty"`
	// Indicators are the grades of the indicators beside the CyberScore
	// (sovereignty, privacy) that the audit observed; the digests of
	// older audits have none.
	Indicators []DigestIndicator `json:"n,omitempty"`
}

// DigestIndicator is one indicator of a Digest.
type DigestIndicator struct {
	ID     string `json:"i"`
	Grade  string `json:"g"`
	Points int    `json:"p"`
}

// DigestFinding is one finding of a Digest.
type DigestFinding struct {
	ID       string         `json:"i"`
	Severity audit.Severity `json:"s"`
	Subject  string         `json:"u,omitempty"`
}

// Bounds of what a digest keeps of an audit's hostile strings: an error
// or a subject longer than this is cut (the result keeps them whole).
const (
	digestErrorMax   = 512
	digestSubjectMax = 256
)

// DigestOf returns the digest of r.
func DigestOf(r *audit.Result) *Digest {
	d := &Digest{Error: cut(r.Error, digestErrorMax)}
	if r.Score != nil {
		d.Methodology = r.Score.Methodology
		for _, in := range r.Score.Indicators {
			d.Indicators = append(d.Indicators, DigestIndicator{ID: in.Indicator, Grade: in.Grade, Points: in.Points})
		}
	}
	for _, f := range r.Findings {
		d.Findings = append(d.Findings, DigestFinding{ID: f.ID, Severity: f.Severity, Subject: cut(f.Subject, digestSubjectMax)})
	}
	return d
}

// cut returns s, or its first max bytes and "…" when longer, cut on a
// character boundary.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// encodeDigest is the column's text for r.
func encodeDigest(r *audit.Result) (string, error) {
	b, err := json.Marshal(DigestOf(r))
	if err != nil {
		return "", fmt.Errorf("store: digest of %s: %w", r.Domain, err)
	}
	return string(b), nil
}

// decodeDigest is the inverse of encodeDigest.
func decodeDigest(s string) (*Digest, error) {
	d := new(Digest)
	if err := json.Unmarshal([]byte(s), d); err != nil {
		return nil, fmt.Errorf("store: decode digest: %w", err)
	}
	return d, nil
}

// decodePage decodes the results (or the digests, when digests) of a
// page of rows, the rows shared among the cores: decoding is most of the
// cost of reading a campaign.
func decodePage(page []auditRow, digests bool) {
	workers := min(runtime.GOMAXPROCS(0), len(page))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(page) {
					return
				}
				if digests {
					page[i].decodeDigest()
				} else {
					page[i].decode()
				}
			}
		}()
	}
	wg.Wait()
}
