package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Encodings of a targets file, as DecodeTargets names them.
const (
	EncodingUTF8        = "UTF-8"
	EncodingUTF8BOM     = "UTF-8 (BOM)"
	EncodingUTF16LE     = "UTF-16LE"
	EncodingUTF16BE     = "UTF-16BE"
	EncodingWindows1252 = "Windows-1252"
)

// ErrTooLarge is the error of a targets file over the size limit.
var ErrTooLarge = errors.New("targets file too large")

// Decoded is a targets file turned into UTF-8.
type Decoded struct {
	// Text is the file in UTF-8, without byte order mark.
	Text []byte
	// Encoding names the encoding it was read in.
	Encoding string
	// Guessed is set when no byte order mark said the encoding: a
	// UTF-16 file without one, or a file that is not UTF-8 and is read
	// as Windows-1252 (what French spreadsheets save as "CSV").
	Guessed bool
}

// DecodeTargets reads at most max bytes of r and turns them into UTF-8:
// UTF-8 with or without a byte order mark as it is, UTF-16 with a byte
// order mark (or without one, when every other byte is zero, as in a
// file of Latin text), and anything else that is not valid UTF-8 as
// Windows-1252, a superset of Latin-1, which French spreadsheets write.
// A file over max bytes is an error wrapping ErrTooLarge, never a file
// silently cut.
func DecodeTargets(r io.Reader, max int64) (Decoded, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return Decoded{}, fmt.Errorf("campaign: reading targets: %w", err)
	}
	if int64(len(b)) > max {
		return Decoded{}, fmt.Errorf("campaign: %w: more than %d bytes", ErrTooLarge, max)
	}
	switch {
	case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
		return Decoded{Text: b[3:], Encoding: EncodingUTF8BOM}, nil
	case bytes.HasPrefix(b, []byte("\xff\xfe")):
		return decodeWith(b[2:], unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), EncodingUTF16LE, false)
	case bytes.HasPrefix(b, []byte("\xfe\xff")):
		return decodeWith(b[2:], unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), EncodingUTF16BE, false)
	}
	if enc, ok := utf16Guess(b); ok {
		e := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
		if enc == EncodingUTF16BE {
			e = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
		}
		return decodeWith(b, e, enc, true)
	}
	if utf8.Valid(b) {
		return Decoded{Text: b, Encoding: EncodingUTF8}, nil
	}
	return decodeWith(b, charmap.Windows1252, EncodingWindows1252, true)
}

func decodeWith(b []byte, e encoding.Encoding, name string, guessed bool) (Decoded, error) {
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		return Decoded{}, fmt.Errorf("campaign: targets file in %s: %w", name, err)
	}
	return Decoded{Text: out, Encoding: name, Guessed: guessed}, nil
}

// utf16Guess recognises UTF-16 without a byte order mark by its zero
// bytes: in a file of Latin text, one byte of each pair is zero.
func utf16Guess(b []byte) (string, bool) {
	if len(b) < 4 || len(b)%2 != 0 {
		return "", false
	}
	n := min(len(b), 4096)
	var evenZero, oddZero int
	for i := 0; i+1 < n; i += 2 {
		if b[i] == 0 {
			evenZero++
		}
		if b[i+1] == 0 {
			oddZero++
		}
	}
	pairs := n / 2
	switch {
	case oddZero*10 >= pairs*9 && evenZero == 0:
		return EncodingUTF16LE, true
	case evenZero*10 >= pairs*9 && oddZero == 0:
		return EncodingUTF16BE, true
	}
	return "", false
}
