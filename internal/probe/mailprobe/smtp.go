package mailprobe

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/probe/tlsprobe"
)

// Limits on what an SMTP server may send.
const (
	maxReplyLine  = 1000 // bytes per reply line (RFC 5321 section 4.5.3.1.5 says 512)
	maxReplyLines = 64   // lines per reply
	maxBanner     = 512  // bytes of the greeting kept
)

// smtpReply is one reply of an SMTP server (RFC 5321 section 4.2).
type smtpReply struct {
	code  int
	lines []string // the text of each line, after the code and separator
}

// readReply reads one reply, one byte at a time so that nothing is read
// past it (the TLS handshake starts right after the reply to STARTTLS).
func readReply(r io.Reader) (smtpReply, error) {
	var rep smtpReply
	for n := 0; ; n++ {
		if n == maxReplyLines {
			return rep, fmt.Errorf("reply longer than %d lines", maxReplyLines)
		}
		line, err := readLine(r)
		if err != nil {
			return rep, err
		}
		// RFC 5321 section 4.2: Reply-code [ SP textstring ] CRLF, or
		// Reply-code "-" textstring CRLF for all lines but the last.
		if len(line) < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2]) || line[0] < '2' || line[0] > '5' ||
			(len(line) > 3 && line[3] != ' ' && line[3] != '-') {
			return rep, fmt.Errorf("not an SMTP reply: %q", clip(line))
		}
		code, _ := strconv.Atoi(line[:3])
		if n > 0 && code != rep.code {
			return rep, fmt.Errorf("reply codes differ between lines: %d and %d", rep.code, code)
		}
		rep.code = code
		text := ""
		if len(line) > 4 {
			text = line[4:]
		}
		rep.lines = append(rep.lines, text)
		if len(line) == 3 || line[3] == ' ' {
			return rep, nil
		}
	}
}

// readLine reads up to LF and returns the line without CRLF.
func readLine(r io.Reader) (string, error) {
	var b [1]byte
	line := make([]byte, 0, 128)
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				if len(line) > 0 {
					return "", fmt.Errorf("connection closed in the middle of a reply: %q", clip(string(line)))
				}
				return "", errors.New("connection closed")
			}
			return "", err
		}
		if b[0] == '\n' {
			return strings.TrimSuffix(string(line), "\r"), nil
		}
		if len(line) == maxReplyLine {
			return "", fmt.Errorf("reply line longer than %d bytes: %q", maxReplyLine, clip(string(line)))
		}
		line = append(line, b[0])
	}
}

// command sends one command line and reads the reply.
func command(conn net.Conn, line string) (smtpReply, error) {
	if _, err := io.WriteString(conn, line+"\r\n"); err != nil {
		return smtpReply{}, err
	}
	return readReply(conn)
}

// dialSMTP opens a connection to addr within the probe's timeout; the
// connection is closed when ctx is done. The returned cancel releases it.
func (p *prober) dialSMTP(ctx context.Context, addr string) (net.Conn, func(), error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	conn, err := p.cfg.Guard.DialContext(ctx, "tcp", addr)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return conn, func() { stop(); conn.Close(); cancel() }, nil
}

// smtp runs one session with addr (banner, EHLO, STARTTLS and a TLS
// handshake when offered, QUIT) and the full TLS probe through STARTTLS.
// The probe starts as soon as EHLO offers STARTTLS, beside the rest of
// the session, and its observation is kept only if the session's own
// STARTTLS and handshake succeed.
func (p *prober) smtp(ctx context.Context, host string, ip netip.Addr) *audit.SMTPObservation {
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(p.cfg.SMTPPort))
	obs := &audit.SMTPObservation{Address: addr}
	var (
		tlsObs *audit.TLSObservation
		wg     sync.WaitGroup
	)
	ectx, stop := context.WithCancel(ctx)
	defer stop()
	onSTARTTLS := func() {
		if p.cfg.SkipTLSEnumeration {
			return
		}
		wg.Go(func() { tlsObs = p.enumerate(ectx, host, ip) })
	}
	err := p.session(ctx, host, addr, obs, onSTARTTLS)
	if err != nil || !obs.STARTTLS || obs.STARTTLSCode != 220 || obs.TLSError != "" {
		stop() // what the enumeration would say is not kept
	}
	wg.Wait()
	if err != nil {
		obs.Error = "mailprobe: " + addr + ": " + shortError(err)
		return obs
	}
	if !obs.STARTTLS || obs.STARTTLSCode != 220 || obs.TLSError != "" {
		return obs
	}
	obs.TLS = tlsObs
	return obs
}

// enumerate runs the TLS probe of host at ip through STARTTLS.
func (p *prober) enumerate(ctx context.Context, host string, ip netip.Addr) *audit.TLSObservation {
	fixed := func(context.Context, string) ([]netip.Addr, error) { return []netip.Addr{ip}, nil }
	return tlsprobe.Probe(ctx, tlsprobe.Config{
		Lookup:    fixed,
		Guard:     p.cfg.Guard,
		Roots:     p.cfg.Roots,
		RootsName: p.cfg.RootsName,
		Now:       p.cfg.Now,
		Timeout:   p.cfg.Timeout,
		Parallel:  p.cfg.SMTPParallel, // sessions at once to this address
		// Sessions brought to STARTTLS ahead of their hellos: each
		// costs four round trips before its hello.
		Warm:      p.cfg.SMTPParallel / 2,
		Upgrade:   p.upgrade,
		Cache:     p.cfg.TLSCache,
		CacheKind: "smtp",
		Auditing:  p.domain,
	}, host, p.cfg.SMTPPort)
}

// session fills obs from one SMTP session; the error is why it stopped
// before STARTTLS was known.
// onSTARTTLS is called once EHLO offers STARTTLS.
func (p *prober) session(ctx context.Context, host, addr string, obs *audit.SMTPObservation, onSTARTTLS func()) error {
	conn, release, err := p.dialSMTP(ctx, addr)
	if err != nil {
		return err
	}
	defer release()
	banner, err := readReply(conn)
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	obs.BannerCode = banner.code
	text := strings.Join(banner.lines, "\n")
	if len(text) > maxBanner {
		text = text[:maxBanner]
	}
	obs.Banner = strings.ToValidUTF8(text, "?")
	if banner.code != 220 {
		command(conn, "QUIT")
		return nil // a server refusing service (554): recorded, not an error
	}
	ehlo, err := command(conn, "EHLO "+p.cfg.HeloName)
	if err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	obs.EHLOCode = ehlo.code
	if ehlo.code != 250 {
		command(conn, "QUIT")
		return nil
	}
	// RFC 5321 section 4.1.1.1: the first line greets, each other
	// line is a keyword and its parameters.
	for _, l := range ehlo.lines[1:] {
		kw, params, _ := strings.Cut(strings.TrimSpace(l), " ")
		kw = strings.ToUpper(kw)
		if params != "" {
			kw += " " + params
		}
		obs.EHLO = append(obs.EHLO, strings.ToValidUTF8(kw, "?"))
		if strings.EqualFold(strings.TrimSpace(l), "STARTTLS") {
			obs.STARTTLS = true
		}
	}
	if !obs.STARTTLS {
		command(conn, "QUIT")
		return nil
	}
	onSTARTTLS()
	st, err := command(conn, "STARTTLS")
	if err != nil {
		return fmt.Errorf("STARTTLS: %w", err)
	}
	obs.STARTTLSCode = st.code
	if st.code != 220 {
		command(conn, "QUIT")
		return nil
	}
	// RFC 3207 section 4: TLS starts right after the 220 reply. The
	// chain is not verified here: the TLS probe records why it fails.
	tc := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS10})
	if err := tc.HandshakeContext(ctx); err != nil {
		obs.TLSError = "mailprobe: " + addr + ": TLS handshake after STARTTLS: " + shortError(err)
		return nil
	}
	for _, c := range tc.ConnectionState().PeerCertificates {
		obs.Chain = append(obs.Chain, digests(c.Raw, c.RawSubjectPublicKeyInfo))
	}
	command(tc, "QUIT")
	return nil
}

// digests computes what TLSA records of each selector and matching type
// compare (RFC 6698 section 2.1.2 and 2.1.3).
func digests(cert, spki []byte) audit.DANEDigests {
	c256, s256 := sha256.Sum256(cert), sha256.Sum256(spki)
	c512, s512 := sha512.Sum512(cert), sha512.Sum512(spki)
	return audit.DANEDigests{
		CertSHA256: hex.EncodeToString(c256[:]), CertSHA512: hex.EncodeToString(c512[:]),
		SPKISHA256: hex.EncodeToString(s256[:]), SPKISHA512: hex.EncodeToString(s512[:]),
	}
}

// upgrade brings a connection of the TLS probe to the point where TLS
// starts: greeting, EHLO, STARTTLS, 220 (RFC 3207 section 4).
func (p *prober) upgrade(ctx context.Context, conn net.Conn) error {
	banner, err := readReply(conn)
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if banner.code != 220 {
		return fmt.Errorf("greeting: code %d", banner.code)
	}
	ehlo, err := command(conn, "EHLO "+p.cfg.HeloName)
	if err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if ehlo.code != 250 {
		return fmt.Errorf("EHLO: code %d", ehlo.code)
	}
	st, err := command(conn, "STARTTLS")
	if err != nil {
		return fmt.Errorf("STARTTLS: %w", err)
	}
	if st.code != 220 {
		return fmt.Errorf("STARTTLS: code %d", st.code)
	}
	return nil
}

// shortError turns a network error into a stable, short reason: no
// addresses or port numbers, which change from one run to the next.
func shortError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return prefix(err) + "i/o timeout"
	case errors.Is(err, context.Canceled):
		return prefix(err) + "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return prefix(err) + "connection reset"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return prefix(err) + oe.Err.Error()
	}
	return err.Error()
}

// prefix keeps the step of an error ("greeting: ") before a network
// failure, dropping the addresses net puts in it.
func prefix(err error) string {
	s := err.Error()
	for _, step := range []string{"greeting: ", "EHLO: ", "STARTTLS: "} {
		if strings.HasPrefix(s, step) {
			return step
		}
	}
	return ""
}
