package servicesprobe

import (
	"io"
	"net"
	"testing"
	"time"
	"unicode/utf8"

	"vigie.eu/vigie/internal/audit"
)

// FuzzIdentify feeds every identification arbitrary answers: none may
// panic, hang past its deadline, or keep a banner that is not bounded,
// valid UTF-8.
func FuzzIdentify(f *testing.F) {
	f.Add(byte(0), []byte("SSH-2.0-OpenSSH_9.6\r\n"))
	f.Add(byte(1), []byte{3, 0, 0, 19, 14, 0xD0, 0, 0, 0, 0, 0, 2, 0, 8, 0, 1, 0, 0, 0})
	f.Add(byte(2), append([]byte{0, 0, 0, 70}, []byte("\xfeSMB")...))
	f.Add(byte(3), []byte("$10\r\nredis_version:7\r\n"))
	f.Add(byte(4), []byte("VERSION 1.6\r\n"))
	f.Add(byte(5), []byte{40, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xdd, 7, 0, 0})
	f.Add(byte(6), []byte{4, 1, 0, 20, 0, 0, 1, 0, 0, 0, 6, 0, 6, 0xff, 15, 0, 7, 0xd0, 0, 0})
	f.Add(byte(7), []byte("RFB 003.008\n\x02\x01\x02"))
	f.Fuzz(func(t *testing.T, which byte, answer []byte) {
		cli, srv := net.Pipe()
		go func() {
			go io.Copy(io.Discard, srv)
			srv.Write(answer)
			srv.Close()
		}()
		cli.SetDeadline(time.Now().Add(2 * time.Second))
		defer cli.Close()
		s := &audit.Service{}
		switch which % 9 {
		case 0, 7:
			identifyBanner(cli, s)
		case 1:
			identifyRDP(cli, s)
		case 2:
			identifySMB2(cli, s)
		case 3:
			identifyRedis(cli, s)
		case 4:
			identifyMemcached(cli, s)
		case 5:
			identifyMongo(cli, s)
		case 6:
			identifyMSSQL(cli, s)
		case 8:
			identifySMB1(cli, s)
		}
		for _, v := range []string{s.Banner, s.Product, s.Version} {
			if len(v) > maxBanner+4 || !utf8.ValidString(v) {
				t.Fatalf("unbounded or invalid value %q", v)
			}
		}
	})
}
