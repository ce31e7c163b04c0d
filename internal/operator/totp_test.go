package operator

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestRFC6238Vectors checks the codes against RFC 6238 appendix B (SHA-1,
// its 20-byte secret "12345678901234567890", the last 6 digits).
func TestRFC6238Vectors(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	for _, tc := range []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		at := time.Unix(tc.unix, 0)
		step, err := CheckCode(secret, tc.code, at)
		if err != nil || step != tc.unix/30 {
			t.Errorf("T=%d, code %s: step %d, %v; want step %d", tc.unix, tc.code, step, err, tc.unix/30)
		}
	}
}

func TestTOTP(t *testing.T) {
	k, err := NewTOTP("alice")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(k.URL)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != k.Secret || u.Query().Get("issuer") != Issuer {
		t.Fatalf("URL %q", k.URL)
	}
	if len(k.Secret) != 32 { // 20 bytes in base32
		t.Errorf("secret %q: want 160 bits", k.Secret)
	}
	now := time.Date(2026, 12, 4, 18, 0, 10, 0, time.UTC)
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, tc := range []struct {
		offset time.Duration
		ok     bool
	}{{0, true}, {-30 * time.Second, true}, {30 * time.Second, true}, {-90 * time.Second, false}, {90 * time.Second, false}} {
		code, _ := totp.GenerateCodeCustom(k.Secret, now.Add(tc.offset), opts)
		_, err := CheckCode(k.Secret, code, now)
		if (err == nil) != tc.ok {
			t.Errorf("code of %v: %v, want ok %v", tc.offset, err, tc.ok)
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, err := CheckCode(k.Secret, bad, now); !errors.Is(err, ErrCode) {
			t.Errorf("code %q: %v", bad, err)
		}
	}
}
