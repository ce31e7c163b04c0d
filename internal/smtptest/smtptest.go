// Package smtptest starts SMTP responders on loopback for tests, in the
// spirit of net/http/httptest: a server that greets, answers EHLO, offers
// STARTTLS when given a TLS configuration (from internal/tlstest) and
// upgrades the connection, and servers that misbehave on purpose: one that
// never answers, one that greets with garbage, one that drips its banner a
// byte at a time.
//
// It is a test helper, not a mail server: it accepts no mail (MAIL FROM
// and the rest are refused with 502) and only ever listens on loopback.
//
// Session is the responder itself, one connection at a time; the lab
// (internal/lab) runs it on thousands of addresses. Like net/http/httptest,
// the package does not import testing, so that the vigie binary may link
// it; NewServer and NewRawServer take a TB, which every testing.TB is.
package smtptest

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/tcptest"
)

// TB is the part of testing.TB that NewServer and NewRawServer use; every
// testing.TB is one.
type TB = tcptest.TB

// Options configures a responder.
type Options struct {
	// Addr is the loopback address to listen on ("127.0.0.2:2525");
	// "" means a random port of 127.0.0.1.
	Addr string
	// Hostname is the name in the greeting and the EHLO reply; ""
	// means "mx.example.test".
	Hostname string
	// TLS, when set, makes EHLO offer STARTTLS and the server upgrade
	// the connection with it (RFC 3207).
	TLS *tls.Config
	// Banner, when set, replaces the whole greeting (with its CRLFs):
	// "554 no service\r\n", a multi-line "220-...".
	Banner string
	// RefuseSTARTTLS makes the server offer STARTTLS and answer the
	// command with 454 (RFC 3207 section 4).
	RefuseSTARTTLS bool
	// Timeout bounds the whole session; 0 means 10 seconds.
	Timeout time.Duration
}

// Server is a running responder.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// Port is the port it listens on.
	Port int
}

// NewServer starts an SMTP responder (Session) on opts.Addr; it stops
// when the test ends.
func NewServer(t TB, opts Options) *Server {
	t.Helper()
	return NewRawServer(t, opts.Addr, func(ctx context.Context, conn net.Conn) { Session(ctx, conn, opts) })
}

// maxLine caps a command line (RFC 5321 section 4.5.3.1.4: 512 octets).
const maxLine = 512

// Session holds one SMTP session on conn, as opts says (opts.Addr plays
// no part), until the client quits or goes away, the session's timeout
// passes or ctx ends (the caller closes conn then). It does not close
// conn.
func Session(ctx context.Context, conn net.Conn, opts Options) {
	if opts.Hostname == "" {
		opts.Hostname = "mx.example.test"
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	conn.SetDeadline(time.Now().Add(timeout))
	banner := opts.Banner
	if banner == "" {
		banner = "220 " + opts.Hostname + " ESMTP smtptest\r\n"
	}
	if _, err := io.WriteString(conn, banner); err != nil {
		return
	}
	tlsOn := false
	r := bufio.NewReaderSize(conn, maxLine)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(string(line)))
		verb, _, _ := strings.Cut(cmd, " ")
		var reply string
		switch verb {
		case "EHLO":
			lines := []string{opts.Hostname + " greets you", "PIPELINING", "SIZE 10240000", "8BITMIME"}
			if (opts.TLS != nil || opts.RefuseSTARTTLS) && !tlsOn {
				lines = append(lines, "STARTTLS")
			}
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				reply += "250" + sep + l + "\r\n"
			}
		case "HELO":
			reply = "250 " + opts.Hostname + "\r\n"
		case "NOOP", "RSET":
			reply = "250 2.0.0 OK\r\n"
		case "QUIT":
			io.WriteString(conn, "221 2.0.0 bye\r\n")
			return
		case "STARTTLS":
			switch {
			case tlsOn || (opts.TLS == nil && !opts.RefuseSTARTTLS):
				reply = "502 5.5.1 not offered\r\n"
			case opts.RefuseSTARTTLS:
				reply = "454 4.7.0 TLS not available\r\n"
			default:
				if r.Buffered() > 0 {
					// RFC 3207 section 5: no pipelining over
					// the upgrade.
					io.WriteString(conn, "501 5.5.4 pipelined STARTTLS\r\n")
					return
				}
				if _, err := io.WriteString(conn, "220 2.0.0 ready to start TLS\r\n"); err != nil {
					return
				}
				tc := tls.Server(conn, opts.TLS)
				if err := tc.HandshakeContext(ctx); err != nil {
					return
				}
				conn, tlsOn = tc, true
				r = bufio.NewReaderSize(conn, maxLine)
				continue
			}
		default:
			reply = "502 5.5.2 command not implemented\r\n"
		}
		if _, err := io.WriteString(conn, reply); err != nil {
			return
		}
	}
}

// NewRawServer listens on addr (a loopback "ip:port"; "" means a random
// port of 127.0.0.1) and runs handle for each connection, each in its own
// goroutine, until the test ends; then it closes the listener and every
// connection and waits for the handlers. See Hang, Garbage and Drip.
func NewRawServer(t TB, addr string, handle func(ctx context.Context, conn net.Conn)) *Server {
	t.Helper()
	ln := tcptest.Serve(t, addr, handle)
	_, port, _ := net.SplitHostPort(ln.String())
	p, _ := strconv.Atoi(port)
	return &Server{Addr: ln.String(), Port: p}
}

// Hang accepts and never answers: it reads and discards what comes until
// the client or the test goes away.
func Hang(ctx context.Context, conn net.Conn) { tcptest.Hang(ctx, conn) }

// Garbage greets with bytes that are not SMTP, then closes.
func Garbage(ctx context.Context, conn net.Conn) {
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("\x16\x03\x01\x00\x05hello\x00\xff not smtp at all\r\n"))
}

// Drip sends a greeting that never ends ("220-slow220-slow..."), one
// byte every interval, until the client or the test goes away.
func Drip(interval time.Duration) func(ctx context.Context, conn net.Conn) {
	return tcptest.Drip([]byte("220-slow"), interval)
}

// String describes the server for test logs.
func (s *Server) String() string { return fmt.Sprintf("smtptest %s", s.Addr) }
