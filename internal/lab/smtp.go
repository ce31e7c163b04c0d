package lab

import (
	"context"
	"net"
	"time"

	"vigie.eu/vigie/internal/smtptest"
)

// smtpSession is the responder of internal/smtptest, after the mail
// profile of the address: it greets, answers EHLO, offers STARTTLS when
// the profile says so (RFC 3207) and accepts no mail.
func (l *Lab) smtpSession(ctx context.Context, conn net.Conn) {
	s := l.siteFor("", conn.LocalAddr())
	if s == nil {
		return
	}
	hostname := "mx." + s.org.Domain
	opts := smtptest.Options{Hostname: hostname, Banner: "220 " + hostname + " ESMTP vigie-lab\r\n", Timeout: 30 * time.Second}
	if s.org.Profile.Mail == "starttls" {
		opts.TLS = l.tlsBase
	}
	smtptest.Session(ctx, conn, opts)
}
