package audit

import (
	"encoding/json"
	"fmt"
)

// What Trim removed, in the order it removes them: the values of
// Result.Trimmed. Published data: append-only.
const (
	// TrimmedBodies: the HTTP bodies (and the tags read past their
	// cap), the security.txt file and the MTA-STS policy text (their
	// parsed fields are kept).
	TrimmedBodies = "bodies"
	// TrimmedChains: every certificate but the leaf of each TLS
	// observation, and every DANE digest but the leaf's of each SMTP
	// session.
	TrimmedChains = "certificate_chains"
	// TrimmedEHLO: the EHLO lines beyond the first trimEHLOLines, and
	// the end of lines longer than trimLine bytes.
	TrimmedEHLO = "ehlo_lines"
	// TrimmedObservations: all the observations (the findings and the
	// score, computed before trimming, are kept).
	TrimmedObservations = "observations"
	// TrimmedEvidence: the end of subjects and evidence longer than
	// trimLine bytes.
	TrimmedEvidence = "evidence"
	// TrimmedFindings: the least severe findings beyond what fits.
	TrimmedFindings = "findings"
)

const (
	trimEHLOLines = 32
	trimLine      = 512
)

// Trim returns the JSON encoding of r, at most max bytes. When the
// encoding of r is larger, Trim works on a copy (r itself is never
// changed) and removes, one kind at a time until the encoding fits: the
// bodies, then the certificate chains, then the EHLO lines, then the
// observations altogether, then the end of long subjects and evidence,
// then findings, the least severe first. Each kind removed is appended to
// the copy's Trimmed field, so that a reader knows what is missing, and
// the copy is returned with its encoding. The findings and the score are
// not recomputed: they are what the checks said of the whole result.
//
// It returns r itself when it fits, and an error when even a result
// stripped of its observations and findings does not (max far too small,
// or an enormous Input or Error).
func Trim(r *Result, max int) (*Result, []byte, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return nil, nil, err
	}
	if len(js) <= max {
		return r, js, nil
	}
	// A deep copy, from the encoding at hand.
	c := new(Result)
	if err := json.Unmarshal(js, c); err != nil {
		return nil, nil, err
	}
	for _, step := range trimSteps {
		if !step.trim(c) {
			continue
		}
		c.Trimmed = append(c.Trimmed, step.name)
		if js, err = json.Marshal(c); err != nil {
			return nil, nil, err
		}
		if len(js) <= max {
			return c, js, nil
		}
	}
	// The findings, the least severe (last) first, halving the list
	// until it fits.
	c.Trimmed = append(c.Trimmed, TrimmedFindings)
	for n := len(c.Findings) / 2; ; n /= 2 {
		c.Findings = c.Findings[:n]
		if js, err = json.Marshal(c); err != nil {
			return nil, nil, err
		}
		if len(js) <= max {
			return c, js, nil
		}
		if n == 0 {
			return nil, nil, fmt.Errorf("audit: the result of %q does not fit in %d bytes, even trimmed (%d bytes)", trimClip(r.Domain), max, len(js))
		}
	}
}

// trimSteps are the kinds Trim removes, in order; trim reports whether it
// removed anything.
var trimSteps = []struct {
	name string
	trim func(*Result) bool
}{
	{TrimmedBodies, trimBodies},
	{TrimmedChains, trimChains},
	{TrimmedEHLO, trimEHLO},
	{TrimmedObservations, func(r *Result) bool {
		if r.Observations == nil {
			return false
		}
		r.Observations = nil
		return true
	}},
	{TrimmedEvidence, func(r *Result) bool {
		cut := false
		for i := range r.Findings {
			f := &r.Findings[i]
			for _, s := range []*string{&f.Subject, &f.Evidence, &f.EvidenceFR} {
				if len(*s) > trimLine {
					*s = trimClip(*s)
					cut = true
				}
			}
			// The message would render the evidence whole again: the
			// clipped texts stand in for it.
			if cut && f.EvidenceMessage != nil {
				f.EvidenceMessage = nil
			}
		}
		return cut
	}},
}

// trimClip cuts s to trimLine bytes, on a UTF-8 boundary, and marks the cut.
func trimClip(s string) string {
	if len(s) <= trimLine {
		return s
	}
	n := trimLine
	for n > 0 && s[n]&0xC0 == 0x80 { // a continuation byte
		n--
	}
	return s[:n] + "…"
}

func trimBodies(r *Result) bool {
	o := r.Observations
	if o == nil {
		return false
	}
	cut := false
	for _, h := range o.HTTP {
		if h != nil && h.Body != "" {
			h.Body, h.BodyTruncated, cut = "", true, true
		}
		if h != nil && len(h.LateElements)+len(h.LateNoscript) > 0 {
			h.LateElements, h.LateNoscript, h.LateTruncated, cut = nil, nil, true, true
		}
	}
	if s := o.SecurityTxt; s != nil && s.Body != "" {
		s.Body, cut = "", true
	}
	if m := o.Mail; m != nil && m.MTASTS != nil && m.MTASTS.Policy != "" {
		m.MTASTS.Policy, cut = "", true
	}
	return cut
}

// eachSMTP calls fn for every SMTP session of the observations.
func eachSMTP(o *Observations, fn func(*SMTPObservation)) {
	if o == nil || o.Mail == nil || o.Mail.MX == nil {
		return
	}
	for _, h := range o.Mail.MX.Hosts {
		if h == nil {
			continue
		}
		for _, s := range h.SMTP {
			if s != nil {
				fn(s)
			}
		}
	}
}

func trimChains(r *Result) bool {
	o := r.Observations
	if o == nil {
		return false
	}
	cut := false
	leaf := func(t *TLSObservation) {
		if t != nil && len(t.Certificates) > 1 {
			t.Certificates, cut = t.Certificates[:1], true
		}
	}
	for _, t := range o.TLS {
		leaf(t)
	}
	eachSMTP(o, func(s *SMTPObservation) {
		if len(s.Chain) > 1 {
			s.Chain, cut = s.Chain[:1], true
		}
		leaf(s.TLS)
	})
	return cut
}

func trimEHLO(r *Result) bool {
	cut := false
	eachSMTP(r.Observations, func(s *SMTPObservation) {
		if len(s.EHLO) > trimEHLOLines {
			s.EHLO, cut = s.EHLO[:trimEHLOLines], true
		}
		for i, l := range s.EHLO {
			if len(l) > trimLine {
				s.EHLO[i], cut = trimClip(l), true
			}
		}
	})
	return cut
}
