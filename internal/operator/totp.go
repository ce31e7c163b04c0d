package operator

import (
	"errors"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Issuer names the observatory in authenticator apps.
const Issuer = "vigie"

// TOTP is an operator's second factor: a shared secret (base32) and the
// otpauth:// URL an authenticator app reads (as a QR code or typed).
type TOTP struct {
	Secret string
	URL    string
}

// NewTOTP makes a random TOTP secret for account: RFC 6238 defaults (30 s
// steps, 6 digits, HMAC-SHA-1, which every authenticator app reads),
// a 160-bit secret as RFC 4226 section 4 recommends.
func NewTOTP(account string) (TOTP, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: account, SecretSize: 20})
	if err != nil {
		return TOTP{}, err
	}
	return TOTP{Secret: k.Secret(), URL: k.URL()}, nil
}

// ErrCode is the error of a wrong one-time code.
var ErrCode = errors.New("operator: wrong one-time code")

// CheckCode reports whether code is the one-time code of secret at t,
// or of the step before or after (RFC 6238 section 5.2: clocks drift);
// ErrCode when it is not. It returns the step the code belongs to, so
// that the caller refuses a code used already (section 5.2: "the
// verifier MUST NOT accept the second attempt of the same OTP").
func CheckCode(secret, code string, t time.Time) (step int64, err error) {
	if len(code) != 6 {
		return 0, ErrCode
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, skew := range []int64{0, -1, 1} {
		at := t.Add(time.Duration(skew) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, opts)
		if err != nil {
			return 0, ErrCode
		}
		if want == code {
			return at.Unix() / 30, nil
		}
	}
	return 0, ErrCode
}
