package lab

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
)

// maxLine caps an SMTP command line (RFC 5321 section 4.5.3.1.4: 512
// octets).
const maxLine = 512

// smtpSession is a small SMTP responder (as internal/smtptest's): it
// greets, answers EHLO, offers STARTTLS when the address's mail profile
// says so (RFC 3207) and accepts no mail.
func (l *Lab) smtpSession(ctx context.Context, conn net.Conn) {
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	s := l.siteFor("", conn.LocalAddr())
	if s == nil {
		return
	}
	hostname := "mx." + s.org.Domain
	starttls := s.org.Profile.Mail == "starttls"
	if _, err := io.WriteString(conn, "220 "+hostname+" ESMTP vigie-lab\r\n"); err != nil {
		return
	}
	tlsOn := false
	r := bufio.NewReaderSize(conn, maxLine)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(string(line))), " ")
		var reply string
		switch verb {
		case "EHLO":
			reply = "250-" + hostname + " bonjour\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
			if starttls && !tlsOn {
				reply += "250-STARTTLS\r\n"
			}
			reply += "250 8BITMIME\r\n"
		case "HELO":
			reply = "250 " + hostname + "\r\n"
		case "NOOP", "RSET":
			reply = "250 2.0.0 OK\r\n"
		case "QUIT":
			io.WriteString(conn, "221 2.0.0 au revoir\r\n")
			return
		case "STARTTLS":
			if !starttls || tlsOn {
				reply = "502 5.5.1 not offered\r\n"
				break
			}
			if r.Buffered() > 0 {
				// RFC 3207 section 5: no pipelining over the upgrade.
				io.WriteString(conn, "501 5.5.4 pipelined STARTTLS\r\n")
				return
			}
			if _, err := io.WriteString(conn, "220 2.0.0 ready to start TLS\r\n"); err != nil {
				return
			}
			tc := tls.Server(conn, l.tlsBase)
			if err := tc.HandshakeContext(ctx); err != nil {
				return
			}
			conn, tlsOn = tc, true
			r = bufio.NewReaderSize(conn, maxLine)
			continue
		default:
			reply = "502 5.5.2 command not implemented\r\n"
		}
		if _, err := io.WriteString(conn, reply); err != nil {
			return
		}
	}
}

// serveSMTP accepts on ln until it is closed, each session in a goroutine
// that ends with ctx.
func (l *Lab) serveSMTP(ctx context.Context, ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil && (errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)) {
				// Out of descriptors for a moment: wait, as
				// net/http does, rather than stop serving.
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return
		}
		l.wg.Go(func() {
			defer conn.Close()
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			defer stop()
			l.smtpSession(ctx, conn)
		})
	}
}
