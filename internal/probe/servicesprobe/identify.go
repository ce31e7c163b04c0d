package servicesprobe

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vigie.eu/vigie/internal/audit"
)

// maxRead bounds what is read from one service: identification needs a
// banner or a short answer, never more.
const maxRead = 64 << 10

// maxBanner bounds the banner kept in the observation.
const maxBanner = 200

// bannerWait is how long a server that speaks first (SSH, FTP, VNC,
// Telnet, MySQL) is given to do so.
const bannerWait = 2 * time.Second

// identify asks what answers on c, an open connection to svc.Port,
// according to the service the port is known for, fills svc and closes
// c. It returns the connections it opened besides c.
func identify(ctx context.Context, p *prober, c net.Conn, svc *audit.Service) (extra int) {
	defer c.Close()
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d)
	}
	// Close the connection when ctx ends, so that no read outlives it.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	var err error
	switch svc.Expected {
	case "rdp":
		err = identifyRDP(c, svc)
	case "smb":
		err = identifySMB2(c, svc)
		c.Close()
		// The second connection: does the server still speak SMB1?
		if c2, st, _ := p.dial(ctx, svc.Port); st == stateOpen {
			extra = 1
			func() {
				defer c2.Close()
				if d, ok := ctx.Deadline(); ok {
					c2.SetDeadline(d)
				}
				stop2 := context.AfterFunc(ctx, func() { c2.SetDeadline(time.Now()) })
				defer stop2()
				identifySMB1(c2, svc)
			}()
		} else if st != stateRefused {
			extra = 1
		}
	case "redis":
		err = identifyRedis(c, svc)
	case "memcached":
		err = identifyMemcached(c, svc)
	case "mongodb":
		err = identifyMongo(c, svc)
	case "mssql":
		err = identifyMSSQL(c, svc)
	case "postgresql":
		err = identifyPostgres(c, svc)
	case "elasticsearch", "docker", "http", "https", "kubernetes":
		err = identifyWeb(ctx, p, c, svc)
	default:
		err = identifyBanner(c, svc)
	}
	if err != nil && !svc.Identified {
		svc.Error = errText(err)
	}
	return extra
}

// errText is err's text without the addresses Go puts in it.
func errText(err error) string {
	var op *net.OpError
	if e, ok := err.(*net.OpError); ok {
		op = e
		return "servicesprobe: " + op.Op + ": " + op.Err.Error()
	}
	if err == io.EOF {
		return "servicesprobe: connection closed by the server"
	}
	return "servicesprobe: " + err.Error()
}

// clean returns b as a bounded, valid UTF-8 line for the observation.
func clean(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.TrimRight(s, "\r\n\x00 ")
	if len(s) > maxBanner {
		cut := maxBanner
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// readSome reads what the server sends first: up to a line or maxRead
// bytes, waiting at most bannerWait.
func readSome(c net.Conn) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(bannerWait))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	return buf[:n], err
}

var (
	sshRE   = regexp.MustCompile(`^SSH-([0-9.]+)-([A-Za-z_-]+)[_-]([0-9][0-9A-Za-z.]*)`)
	sshBare = regexp.MustCompile(`^SSH-([0-9.]+)-(\S+)`)
	ftpRE   = []struct {
		re      *regexp.Regexp
		product string
	}{
		{regexp.MustCompile(`(?i)vsftpd ([0-9][0-9.]*)`), "vsftpd"},
		{regexp.MustCompile(`ProFTPD ([0-9][0-9.a-z]*)`), "ProFTPD"},
		{regexp.MustCompile(`Pure-FTPd`), "Pure-FTPd"},
		{regexp.MustCompile(`FileZilla Server ?([0-9][0-9.]*)?`), "FileZilla Server"},
		{regexp.MustCompile(`Microsoft FTP Service`), "Microsoft ftpd"},
	}
)

// identifyBanner reads what a server that speaks first says: SSH (RFC
// 4253 section 4.2), FTP (RFC 959 section 4.2), VNC (RFC 6143 section
// 7.1.1), Telnet (RFC 854: options first), MySQL (the initial handshake
// packet).
func identifyBanner(c net.Conn, svc *audit.Service) error {
	b, err := readSome(c)
	if len(b) == 0 {
		return err
	}
	classifyBanner(c, b, svc)
	return nil
}

// classifyBanner names what sent b first.
func classifyBanner(c net.Conn, b []byte, svc *audit.Service) {
	switch {
	case bytes.HasPrefix(b, []byte("SSH-")):
		line, _, _ := bytes.Cut(b, []byte("\n"))
		svc.Name, svc.Identified, svc.Banner = "ssh", true, clean(line)
		if m := sshRE.FindStringSubmatch(svc.Banner); m != nil {
			svc.Product, svc.Version = m[2], m[3]
		} else if m := sshBare.FindStringSubmatch(svc.Banner); m != nil {
			svc.Product = m[2]
		}
	case bytes.HasPrefix(b, []byte("RFB ")):
		identifyVNC(c, b, svc)
	case bytes.HasPrefix(b, []byte("220")) || bytes.HasPrefix(b, []byte("120")):
		line, _, _ := bytes.Cut(b, []byte("\n"))
		svc.Banner = clean(line)
		if strings.Contains(svc.Banner, "SMTP") {
			svc.Name, svc.Identified = "smtp", true
			return
		}
		svc.Name, svc.Identified = "ftp", true
		for _, f := range ftpRE {
			if m := f.re.FindStringSubmatch(svc.Banner); m != nil {
				svc.Product = f.product
				if len(m) > 1 {
					svc.Version = m[1]
				}
				break
			}
		}
	case b[0] == 0xFF: // IAC: a Telnet server negotiating its options
		svc.Name, svc.Identified = "telnet", true
	case len(b) > 5 && b[4] == 10 && int(b[0])|int(b[1])<<8|int(b[2])<<16 == len(b)-4:
		// MySQL's initial handshake, protocol 10: the server's
		// version follows, NUL-terminated.
		v, _, _ := bytes.Cut(b[5:], []byte{0})
		svc.Name, svc.Identified = "mysql", true
		svc.Banner = clean(v)
		svc.Product = "MySQL"
		if strings.Contains(strings.ToLower(svc.Banner), "mariadb") {
			svc.Product = "MariaDB"
		}
		if m := regexp.MustCompile(`[0-9]+\.[0-9]+\.[0-9]+`).FindString(svc.Banner); m != "" {
			svc.Version = m
		}
	default:
		line, _, _ := bytes.Cut(b, []byte("\n"))
		svc.Banner = clean(line)
	}
}

// identifyVNC answers the server's protocol version with the same and
// reads the security types it offers (RFC 6143 sections 7.1.1 and
// 7.1.2); it goes no further.
func identifyVNC(c net.Conn, b []byte, svc *audit.Service) {
	svc.Name, svc.Identified = "vnc", true
	if len(b) < 12 {
		return
	}
	svc.Banner = clean(b[:12])
	// "RFB xxx.yyy\n", three digits each (RFC 6143 section 7.1.1).
	maj, err1 := strconv.Atoi(string(b[4:7]))
	mnr, err2 := strconv.Atoi(string(b[8:11]))
	if err1 != nil || err2 != nil || maj < 0 || mnr < 0 || b[7] != '.' {
		return
	}
	major, minor := strconv.Itoa(maj), strconv.Itoa(mnr)
	info := &audit.VNCInfo{Version: major + "." + minor}
	svc.VNC = info
	svc.Product = "VNC"
	svc.Version = info.Version
	if _, err := c.Write(b[:12]); err != nil {
		return
	}
	r := bufio.NewReader(io.LimitReader(c, maxRead))
	if major == "3" && (minor == "3" || minor == "5") {
		// Version 3.3: the server chooses a single type, as a
		// 32-bit number (RFC 6143 appendix A).
		var t [4]byte
		if _, err := io.ReadFull(r, t[:]); err == nil {
			info.SecurityTypes = []int{int(t[0])<<24 | int(t[1])<<16 | int(t[2])<<8 | int(t[3])}
		}
		return
	}
	n, err := r.ReadByte()
	if err != nil || n == 0 {
		return
	}
	types := make([]byte, n)
	if _, err := io.ReadFull(r, types); err != nil {
		return
	}
	for _, t := range types {
		info.SecurityTypes = append(info.SecurityTypes, int(t))
	}
}

// identifyRedis sends INFO server: a Redis without a password answers
// with its version; one with a password, or in protected mode, refuses
// (-NOAUTH, -DENIED).
func identifyRedis(c net.Conn, svc *audit.Service) error {
	if _, err := io.WriteString(c, "INFO server\r\n"); err != nil {
		return err
	}
	r := bufio.NewReader(io.LimitReader(c, maxRead))
	first, err := r.ReadString('\n')
	if first == "" {
		return err
	}
	switch first[0] {
	case '$':
		svc.Name, svc.Identified, svc.NoAuth, svc.Product = "redis", true, true, "Redis"
		for {
			line, err := r.ReadString('\n')
			if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
				svc.Version = clean([]byte(v))
				break
			}
			if err != nil || line == "\r\n" && svc.Version != "" {
				break
			}
		}
		svc.Banner = "redis_version:" + svc.Version
	case '-':
		svc.Banner = clean([]byte(first))
		if strings.HasPrefix(first, "-NOAUTH") || strings.HasPrefix(first, "-DENIED") || strings.HasPrefix(first, "-ERR") {
			svc.Name, svc.Identified, svc.Product = "redis", true, "Redis"
		}
	default:
		svc.Banner = clean([]byte(first))
	}
	return nil
}

// identifyMemcached sends "version" then "stats": memcached has no
// authentication on its text protocol, so an answer means anyone may
// read and write its cache.
func identifyMemcached(c net.Conn, svc *audit.Service) error {
	if _, err := io.WriteString(c, "version\r\n"); err != nil {
		return err
	}
	r := bufio.NewReader(io.LimitReader(c, maxRead))
	line, err := r.ReadString('\n')
	if v, ok := strings.CutPrefix(line, "VERSION "); ok {
		svc.Name, svc.Identified, svc.NoAuth, svc.Product = "memcached", true, true, "memcached"
		svc.Version = clean([]byte(v))
		svc.Banner = clean([]byte(line))
		return nil
	}
	if line != "" {
		svc.Banner = clean([]byte(line))
	}
	return err
}

// identifyPostgres sends the SSLRequest of the PostgreSQL protocol
// (section 55.2.10 of its manual): a server answers one byte, S or N,
// and nothing more is asked.
func identifyPostgres(c net.Conn, svc *audit.Service) error {
	if _, err := c.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}); err != nil {
		return err
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return err
	}
	if b[0] == 'S' || b[0] == 'N' {
		svc.Name, svc.Identified, svc.Product = "postgresql", true, "PostgreSQL"
	}
	return nil
}
