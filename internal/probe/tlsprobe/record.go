package tlsprobe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"

	"golang.org/x/crypto/cryptobyte"
)

// Limits on what the probe reads from a server.
const (
	// maxRecord is the largest record body accepted: 2^14 bytes of
	// plaintext plus the 2048 bytes of expansion RFC 5246 section 6.2.3
	// allows.
	maxRecord = 1<<14 + 2048
	// maxFlight caps the handshake bytes read from one connection
	// (the server's first flight, certificates included).
	maxFlight = 256 << 10
)

// helloRetryRandom is the Random of a HelloRetryRequest, the SHA-256 of
// "HelloRetryRequest" (RFC 8446 section 4.1.3).
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// errClosed reports a connection closed before the server sent a byte,
// which many servers do instead of an alert when they refuse a hello.
var errClosed = errors.New("connection closed without an answer")

// errNotTLS reports an answer that is not a TLS record.
var errNotTLS = errors.New("not TLS")

// response is what a server answered to one ClientHello.
type response struct {
	// alert is set when the server refused with an alert
	// (RFC 8446 section 6).
	alert *alert
	// hello is the ServerHello (or HelloRetryRequest).
	hello *serverHello
	// certificates is the chain of the Certificate message, when the
	// flight was read to its end (TLS 1.2 and older send it in clear).
	certificates [][]byte
	// curve is the named curve of an ECDHE ServerKeyExchange, 0 if
	// none (RFC 8422 section 5.4).
	curve uint16
}

type alert struct {
	level, description uint8
}

func (a *alert) String() string {
	name, ok := alertNames[a.description]
	if !ok {
		name = strconv.Itoa(int(a.description))
	}
	return "alert " + name
}

var alertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
	40: "handshake_failure", 42: "bad_certificate", 47: "illegal_parameter",
	50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
	71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback",
	90: "user_canceled", 109: "missing_extension", 110: "unsupported_extension",
	112: "unrecognized_name", 120: "no_application_protocol",
}

// serverHello is a parsed ServerHello (RFC 8446 section 4.1.3, RFC 5246
// section 7.4.1.3).
type serverHello struct {
	// version is the negotiated version: supported_versions when
	// present, else legacy_version.
	version uint16
	suite   uint16
	// retry is true for a HelloRetryRequest.
	retry bool
	// group is the key_share group: the server's share in a
	// ServerHello, the selected_group in a HelloRetryRequest.
	group uint16
	// renegotiationInfo and extendedMasterSecret say whether those
	// extensions were echoed (RFC 5746 section 3.6, RFC 7627 section 5.2).
	renegotiationInfo    bool
	extendedMasterSecret bool
}

// readResponse reads the server's answer to a ClientHello from r. With
// wholeFlight false it stops at the ServerHello; with it true and a TLS
// 1.2 or older ServerHello, it reads on to ServerHelloDone, keeping the
// Certificate and the ServerKeyExchange curve. It reads at most maxFlight
// bytes of handshake and never a record over maxRecord.
func readResponse(r io.Reader, wholeFlight bool) (*response, error) {
	var (
		hdr     [5]byte
		hs      []byte // handshake bytes not yet parsed
		total   int
		resp    response
		started bool
	)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if !started && (err == io.EOF || isReset(err)) {
				return nil, errClosed
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, errors.New("connection closed in the middle of a record")
			}
			return nil, err
		}
		typ, length := hdr[0], int(hdr[3])<<8|int(hdr[4])
		if !started {
			if typ != recordAlert && typ != recordHandshake || hdr[1] != 3 {
				return nil, fmt.Errorf("%w: the server answered %s", errNotTLS, describeGarbage(hdr[:]))
			}
			started = true
		}
		if length > maxRecord {
			return nil, fmt.Errorf("record of %d bytes, over the %d allowed", length, maxRecord)
		}
		total += length
		if total > maxFlight {
			return nil, fmt.Errorf("handshake over %d bytes", maxFlight)
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, errors.New("connection closed in the middle of a record")
			}
			return nil, err
		}
		switch typ {
		case recordAlert:
			if len(body) < 2 {
				return nil, errors.New("truncated alert")
			}
			if resp.hello != nil {
				// An alert after the ServerHello: the flight
				// ends here, with what was read.
				return &resp, nil
			}
			resp.alert = &alert{body[0], body[1]}
			return &resp, nil
		case recordHandshake:
			hs = append(hs, body...)
			done, err := resp.parseMessages(&hs, wholeFlight)
			if err != nil {
				return nil, err
			}
			if done {
				return &resp, nil
			}
		default:
			if resp.hello != nil {
				// ChangeCipherSpec or encrypted records: the
				// clear part of the flight is over.
				return &resp, nil
			}
			return nil, fmt.Errorf("unexpected record type %d before the ServerHello", typ)
		}
	}
}

// parseMessages consumes the complete handshake messages at the start of
// *buf and says whether the response is complete.
func (resp *response) parseMessages(buf *[]byte, wholeFlight bool) (bool, error) {
	for len(*buf) >= 4 {
		b := *buf
		n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if n > maxFlight {
			return false, fmt.Errorf("handshake message of %d bytes", n)
		}
		if len(b) < 4+n {
			return false, nil
		}
		typ, body := b[0], b[4:4+n]
		*buf = b[4+n:]
		if resp.hello == nil {
			if typ != msgServerHello {
				return false, fmt.Errorf("handshake message %d before the ServerHello", typ)
			}
			sh, err := parseServerHello(body)
			if err != nil {
				return false, err
			}
			resp.hello = sh
			if !wholeFlight || sh.retry || sh.version >= versionTLS13 {
				return true, nil
			}
			continue
		}
		switch typ {
		case msgCertificate:
			certs, err := parseCertificateMsg(body)
			if err != nil {
				return false, err
			}
			resp.certificates = certs
		case msgServerKeyExchange:
			if s, ok := suiteByID[resp.hello.suite]; ok && s.ecdhe {
				curve, err := parseECDHEParams(body)
				if err != nil {
					return false, err
				}
				resp.curve = curve
			}
		case msgServerHelloDone:
			return true, nil
		}
	}
	return false, nil
}

// parseServerHello parses the body of a ServerHello message.
func parseServerHello(body []byte) (*serverHello, error) {
	s := cryptobyte.String(body)
	var (
		sh        serverHello
		random    []byte
		sessionID cryptobyte.String
		comp      uint8
	)
	if !s.ReadUint16(&sh.version) || !s.ReadBytes(&random, 32) ||
		!s.ReadUint8LengthPrefixed(&sessionID) || !s.ReadUint16(&sh.suite) || !s.ReadUint8(&comp) {
		return nil, errors.New("malformed ServerHello")
	}
	sh.retry = bytes.Equal(random, helloRetryRandom[:])
	if s.Empty() {
		return &sh, nil // no extensions (RFC 5246 section 7.4.1.3)
	}
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, errors.New("malformed ServerHello extensions")
	}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, errors.New("malformed ServerHello extension")
		}
		switch typ {
		case extSupportedVersions:
			// RFC 8446 section 4.2.1: selected_version.
			if !data.ReadUint16(&sh.version) {
				return nil, errors.New("malformed supported_versions")
			}
		case extKeyShare:
			// RFC 8446 section 4.2.8: a KeyShareEntry in a
			// ServerHello, a bare NamedGroup in a retry.
			if !data.ReadUint16(&sh.group) {
				return nil, errors.New("malformed key_share")
			}
		case extRenegotiationInfo:
			sh.renegotiationInfo = true
		case extExtendedMasterSecret:
			sh.extendedMasterSecret = true
		}
	}
	return &sh, nil
}

// parseCertificateMsg parses a TLS 1.2 Certificate message
// (RFC 5246 section 7.4.2) into DER certificates.
func parseCertificateMsg(body []byte) ([][]byte, error) {
	s := cryptobyte.String(body)
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, errors.New("malformed Certificate message")
	}
	var certs [][]byte
	for !list.Empty() {
		var der cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&der) || len(der) == 0 {
			return nil, errors.New("malformed Certificate message")
		}
		certs = append(certs, der)
	}
	return certs, nil
}

// parseECDHEParams reads the curve of an ECDHE ServerKeyExchange:
// ECParameters with curve_type named_curve (3), then the NamedCurve
// (RFC 8422 section 5.4).
func parseECDHEParams(body []byte) (uint16, error) {
	s := cryptobyte.String(body)
	var curveType uint8
	var curve uint16
	if !s.ReadUint8(&curveType) || !s.ReadUint16(&curve) {
		return 0, errors.New("malformed ServerKeyExchange")
	}
	if curveType != 3 {
		return 0, fmt.Errorf("ServerKeyExchange with curve type %d, not a named curve", curveType)
	}
	return curve, nil
}

// describeGarbage says in a few words what a non-TLS answer looks like,
// from its first bytes.
func describeGarbage(b []byte) string {
	printable := true
	for _, c := range b {
		if c >= 0x80 || !unicode.IsPrint(rune(c)) && c != '\r' && c != '\n' && c != '\t' {
			printable = false
		}
	}
	if printable {
		return fmt.Sprintf("with text %q (plain HTTP or another protocol?)", b)
	}
	return fmt.Sprintf("bytes % x", b)
}
