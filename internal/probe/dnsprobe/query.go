package dnsprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
)

// udpSize is the EDNS0 payload size advertised (RFC 6891 section 6.2.5)
// and the largest UDP answer read.
const udpSize = 4096

// maxInFlight bounds the queries one session has outstanding at once.
const maxInFlight = 16

// session is one run of queries (one Probe, or one LookupNetIP): it asks
// each question once, shares the answer between the goroutines that need
// it, and records every exchange when it is asked to.
type session struct {
	p      *Prober
	record bool
	sem    chan struct{}

	mu      sync.Mutex
	memo    map[question]*call
	queries []audit.DNSQuery
}

type question struct {
	name  string
	qtype uint16
}

type call struct {
	done chan struct{}
	msg  *dns.Msg
	err  error
}

func (p *Prober) newSession(record bool) *session {
	return &session{p: p, record: record, sem: make(chan struct{}, maxInFlight), memo: map[question]*call{}}
}

// query asks name/qtype once per session; concurrent and later callers
// get the same answer. The returned message is shared: callers must not
// change it. A message is returned only with a nil error; an rcode other
// than NOERROR is not an error.
func (s *session) query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	k := question{dns.CanonicalName(name), qtype}
	s.mu.Lock()
	c, ok := s.memo[k]
	if !ok {
		c = &call{done: make(chan struct{})}
		s.memo[k] = c
	}
	s.mu.Unlock()
	if ok {
		select {
		case <-c.done:
			return c.msg, c.err
		case <-ctx.Done():
			return nil, fmt.Errorf("dnsprobe: %s %s: %w", typeName(qtype), display(k.name), ctx.Err())
		}
	}
	c.msg, c.err = s.exchange(ctx, k.name, qtype)
	close(c.done)
	return c.msg, c.err
}

// exchange sends one query over UDP, and again over TCP when the UDP
// answer is truncated (RFC 7766 section 5), and records it.
func (s *session) exchange(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	q := audit.DNSQuery{Name: display(name), Type: typeName(qtype)}
	start := time.Now()
	msg, err := func() (*dns.Msg, error) {
		select {
		case s.sem <- struct{}{}:
			defer func() { <-s.sem }()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		// RD for recursive resolvers (an authoritative server ignores
		// it); CD so that a validating resolver hands over bogus data
		// for vigie to judge (RFC 4035 section 3.2.2); DO for the
		// RRSIGs (RFC 3225).
		m.RecursionDesired = true
		m.CheckingDisabled = true
		m.SetEdns0(udpSize, true)
		r, err := s.p.roundTrip(ctx, m, "udp")
		if err == nil && r.Truncated {
			q.TCP = true
			r, err = s.p.roundTrip(ctx, m, "tcp")
		}
		return r, err
	}()
	q.RTTMS = time.Since(start).Milliseconds()
	if err != nil {
		q.Error = shortError(err)
		err = fmt.Errorf("dnsprobe: %s %s: %s", q.Type, q.Name, q.Error)
	} else {
		q.Rcode = rcodeName(msg.Rcode)
		for _, rr := range msg.Answer {
			if rr.Header().Rrtype == qtype {
				q.Answers++
			}
		}
	}
	if s.record {
		s.mu.Lock()
		s.queries = append(s.queries, q)
		s.mu.Unlock()
	}
	return msg, err
}

// errMismatch is returned for an answer to another question.
var errMismatch = errors.New("answer does not match the question")

// firstRetransmit is how long a UDP query waits for its answer before it
// is sent again; each later wait is twice the one before, within the
// per-query timeout (0, 400 ms and 1.2 s with the default 2 s). A lost
// datagram, on the internet or in a busy name server's queue, thus costs
// a fraction of the timeout, not the answer.
const firstRetransmit = 400 * time.Millisecond

// roundTrip makes one exchange over network ("udp" or "tcp") within the
// per-query timeout, and checks that the answer answers the question.
func (p *Prober) roundTrip(ctx context.Context, m *dns.Msg, network string) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, p.server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// Unblock the read as soon as ctx is cancelled, not only at its
	// deadline.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	// The UDP read buffer is udpSize bytes; a TCP message is at most
	// 65535 bytes by its length prefix: memory is bounded either way.
	dc := &dns.Conn{Conn: conn, UDPSize: udpSize}
	var r *dns.Msg
	if network == "udp" {
		r, err = exchangeUDP(ctx, dc, m, firstRetransmit)
	} else {
		c := &dns.Client{Net: network, UDPSize: udpSize, Timeout: p.timeout}
		r, _, err = c.ExchangeWithConnContext(ctx, m, dc)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	q := m.Question[0]
	if !r.Response || r.Opcode != dns.OpcodeQuery || len(r.Question) != 1 ||
		!strings.EqualFold(r.Question[0].Name, q.Name) || r.Question[0].Qtype != q.Qtype || r.Question[0].Qclass != q.Qclass {
		return nil, errMismatch
	}
	return r, nil
}

// exchangeUDP sends m over the connected UDP conn and reads the answer,
// sending m again after wait, then after twice that, and so on, until
// the deadline of ctx.
func exchangeUDP(ctx context.Context, conn *dns.Conn, m *dns.Msg, wait time.Duration) (*dns.Msg, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return nil, errors.New("dnsprobe: UDP exchange without a deadline")
	}
	for {
		if err := conn.WriteMsg(m); err != nil {
			return nil, err
		}
		next := time.Now().Add(wait)
		if next.After(deadline) {
			next = deadline
		}
		r, err := readAnswer(conn, m.Id, next)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || !time.Now().Before(deadline) {
			return r, err
		}
		wait *= 2
	}
}

// readAnswer reads from conn until a message with the given id comes or
// the deadline passes. Messages with another id (a late answer to an
// earlier query, a stray datagram) are skipped; a datagram that is not a
// DNS message is an error.
func readAnswer(conn *dns.Conn, id uint16, deadline time.Time) (*dns.Msg, error) {
	conn.SetReadDeadline(deadline)
	for {
		r, err := conn.ReadMsg()
		if err != nil {
			return nil, err
		}
		if r.Id == id {
			return r, nil
		}
	}
}

// shortError turns a network error into a stable, short reason: no
// addresses or port numbers, which change from one run to the next.
func shortError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "i/o timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, net.ErrClosed):
		return "connection closed"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}

// display writes a name as observations do: lower case, no final dot,
// except the root ".".
func display(name string) string {
	if name == "." || name == "" {
		return "."
	}
	return strings.TrimSuffix(strings.ToLower(name), ".")
}

// sorted returns the queries in a stable order (they run concurrently).
func (s *session) sorted() []audit.DNSQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.queries)
	slices.SortStableFunc(out, func(a, b audit.DNSQuery) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Type, b.Type)
	})
	return out
}

// records returns the records of type t owned by name in section.
func records(section []dns.RR, name string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range section {
		h := rr.Header()
		if h.Rrtype == t && h.Class == dns.ClassINET && strings.EqualFold(h.Name, name) {
			out = append(out, rr)
		}
	}
	return out
}

// signatures returns the RRSIGs owned by name covering type t in section.
func signatures(section []dns.RR, name string, t uint16) []*dns.RRSIG {
	var out []*dns.RRSIG
	for _, rr := range section {
		if sig, ok := rr.(*dns.RRSIG); ok && sig.TypeCovered == t && strings.EqualFold(sig.Hdr.Name, name) {
			out = append(out, sig)
		}
	}
	return out
}
