package campaign

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// Meter is a Progress that shows how a campaign advances: on a terminal, a
// one-line bar redrawn at most ten times a second; elsewhere (a log), a
// line every LogEvery. Both give the jobs done and in total, the
// percentage, the rate in audits per second and the time left. It keeps
// the counts for the summary, not the results.
type Meter struct {
	w        io.Writer
	terminal bool
	lang     string
	now      func() time.Time

	mu      sync.Mutex
	started time.Time
	done0   int // done before this run
	done    int
	total   int
	grades  map[string]int
	errors  int
	// mailTLS and mailShared count the STARTTLS enumerations of mail
	// hosts the audits made, and those they took from another audit
	// of the campaign (TLSObservation.SharedFrom).
	mailTLS, mailShared int
	drawn               string // last line drawn on the terminal
}

// LogEvery is how often a Meter writes a line when not on a terminal.
const LogEvery = 10 * time.Second

// drawEvery is how often a Meter redraws its bar on a terminal.
const drawEvery = 100 * time.Millisecond

// NewMeter returns a Meter writing to w in lang ("fr" or "en"); terminal
// says whether w is a terminal.
func NewMeter(w io.Writer, terminal bool, lang string) *Meter {
	return &Meter{w: w, terminal: terminal, lang: lang, now: time.Now, grades: map[string]int{}}
}

// Start implements Progress.
func (m *Meter) Start(done, total int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.started = m.now()
	m.done0, m.done, m.total = done, done, total
}

// Saved implements Progress.
func (m *Meter) Saved(j store.Job, r *audit.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done++
	if o := r.Observations; o != nil && o.Mail != nil && o.Mail.MX != nil {
		for _, h := range o.Mail.MX.Hosts {
			for _, smtp := range h.SMTP {
				switch {
				case smtp == nil || smtp.TLS == nil:
				case smtp.TLS.SharedFrom != "":
					m.mailShared++
				default:
					m.mailTLS++
				}
			}
		}
	}
	switch {
	case r.Error != "":
		m.errors++
	case r.Score != nil && r.Score.Grade != "":
		m.grades[r.Score.Grade]++
	default:
		m.grades[""]++
	}
}

// Run draws the progress until ctx is cancelled, then draws it a last
// time (and ends the terminal's line).
func (m *Meter) Run(ctx context.Context) {
	every := LogEvery
	if m.terminal {
		every = drawEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			m.draw(false)
		case <-ctx.Done():
			m.draw(true)
			return
		}
	}
}

// draw writes the progress: the bar when it changed, or a log line.
func (m *Meter) draw(last bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started.IsZero() {
		return
	}
	line := m.line()
	if !m.terminal {
		fmt.Fprintln(m.w, line)
		return
	}
	if line != m.drawn {
		// \r back to the start of the line, ESC [ K erases what a
		// longer line left.
		fmt.Fprintf(m.w, "\r%s\x1b[K", line)
		m.drawn = line
	}
	if last {
		fmt.Fprintln(m.w)
	}
}

// barWidth is the width of the terminal bar, in characters.
const barWidth = 24

// line is the progress: done/total, percentage, rate and time left.
func (m *Meter) line() string {
	elapsed := m.now().Sub(m.started)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(m.done-m.done0) / s
	}
	pct := 100.0
	if m.total > 0 {
		pct = 100 * float64(m.done) / float64(m.total)
	}
	eta := "?"
	if left := m.total - m.done; left == 0 {
		eta = "0:00"
	} else if rate > 0 {
		eta = clock(time.Duration(float64(left) / rate * float64(time.Second)))
	}
	var b strings.Builder
	if m.terminal {
		full := barWidth * m.done / max(m.total, 1)
		b.WriteString("[" + strings.Repeat("#", full) + strings.Repeat(".", barWidth-full) + "] ")
	} else {
		b.WriteString(m.t("campagne : ", "campaign: "))
	}
	if m.lang == "en" {
		fmt.Fprintf(&b, "%d/%d (%.1f%%), %.1f audits/s, ETA %s", m.done, m.total, pct, rate, eta)
	} else {
		fmt.Fprintf(&b, "%d/%d (%s %%), %s audits/s, reste %s", m.done, m.total, frNumber(pct), frNumber(rate), eta)
	}
	return b.String()
}

// gradeOrder is the order of grades in the summary.
var gradeOrder = []string{"A+", "A", "B", "C", "D", "E", "F"}

// Summary is the account of the run: audits, wall time and rate, grades,
// errors.
func (m *Meter) Summary() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	elapsed := m.now().Sub(m.started)
	n := m.done - m.done0
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(n) / s
	}
	var b strings.Builder
	if m.lang == "en" {
		fmt.Fprintf(&b, "%d audits in %s (%.1f audits/s); %d/%d jobs done\n", n, elapsed.Round(10*time.Millisecond), rate, m.done, m.total)
	} else {
		fmt.Fprintf(&b, "%d audits en %s (%s audits/s) ; %d/%d tâches faites\n", n, elapsed.Round(10*time.Millisecond), frNumber(rate), m.done, m.total)
	}
	var parts []string
	grades := slices.Clone(gradeOrder)
	for g := range m.grades {
		if g != "" && !slices.Contains(grades, g) {
			grades = append(grades, g)
		}
	}
	for _, g := range grades {
		if c := m.grades[g]; c > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", g, c))
		}
	}
	if c := m.grades[""]; c > 0 {
		parts = append(parts, fmt.Sprintf("%s %d", m.t("sans note", "no grade"), c))
	}
	if len(parts) == 0 {
		parts = []string{"-"}
	}
	fmt.Fprintf(&b, "%s%s\n", m.t("Notes : ", "Grades: "), strings.Join(parts, ", "))
	fmt.Fprintf(&b, "%s%d\n", m.t("Audits en erreur : ", "Audits in error: "), m.errors)
	if m.mailTLS+m.mailShared > 0 {
		fmt.Fprintf(&b, m.t("Énumérations TLS des serveurs de messagerie : %d faites, %d reprises d'un autre audit de la campagne\n",
			"TLS enumerations of mail servers: %d made, %d taken from another audit of the campaign\n"), m.mailTLS, m.mailShared)
	}
	return b.String()
}

// Errors returns how many audits of this run ended in error.
func (m *Meter) Errors() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.errors
}

func (m *Meter) t(fr, en string) string {
	if m.lang == "en" {
		return en
	}
	return fr
}

// clock formats d as h:mm:ss or m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// frNumber writes x with one decimal and a decimal comma, as French does.
func frNumber(x float64) string { return audit.Decimal(x, 1, "fr") }
