package campaign

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func TestDecodeTargets(t *testing.T) {
	const text = "SIREN;Nom;Catégorie;Domaines\n213401268;Mairie de Sète;commune;sete.fr\n"
	cp1252, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	utf16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	noBOM16, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(text))
	tests := []struct {
		name    string
		in      []byte
		enc     string
		guessed bool
	}{
		{"utf-8", []byte(text), EncodingUTF8, false},
		{"utf-8 with BOM", append([]byte("\xef\xbb\xbf"), text...), EncodingUTF8BOM, false},
		{"windows-1252", cp1252, EncodingWindows1252, true},
		{"utf-16le with BOM", utf16le, EncodingUTF16LE, false},
		{"utf-16be with BOM", utf16be, EncodingUTF16BE, false},
		{"utf-16le without BOM", noBOM16, EncodingUTF16LE, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := DecodeTargets(bytes.NewReader(tt.in), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if string(d.Text) != text || d.Encoding != tt.enc || d.Guessed != tt.guessed {
				t.Errorf("DecodeTargets = %q, %s, guessed %v; want %q, %s, guessed %v", d.Text, d.Encoding, d.Guessed, text, tt.enc, tt.guessed)
			}
			orgs, problems, err := ReadTargets(bytes.NewReader(d.Text))
			if err != nil || len(problems) != 0 || len(orgs) != 1 || orgs[0].Name != "Mairie de Sète" || orgs[0].Category != "commune" {
				t.Errorf("ReadTargets = %+v, %v, %v; want Mairie de Sète, commune", orgs, problems, err)
			}
		})
	}
}

func TestDecodeTargetsTooLarge(t *testing.T) {
	in := strings.Repeat("a.fr\n", 100)
	if _, err := DecodeTargets(strings.NewReader(in), int64(len(in))); err != nil {
		t.Errorf("a file of exactly the limit: %v", err)
	}
	_, err := DecodeTargets(strings.NewReader(in), int64(len(in))-1)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file over the limit: err = %v, want ErrTooLarge", err)
	}
}

// FuzzDecodeTargets: whatever the bytes, the text comes out valid UTF-8
// or with an error, and ReadTargets takes it without failing.
func FuzzDecodeTargets(f *testing.F) {
	f.Add([]byte("nom;domaines\nMairie de S\xe8te;sete.fr\n"))
	f.Add([]byte("\xff\xfea\x00.\x00f\x00r\x00"))
	f.Add([]byte("\xef\xbb\xbfexample.fr\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeTargets(bytes.NewReader(b), 1<<16)
		if err != nil {
			return
		}
		var herr *HeaderError
		if _, _, err := ReadTargets(bytes.NewReader(d.Text)); err != nil && !errors.As(err, &herr) {
			t.Fatalf("ReadTargets after DecodeTargets: %v", err)
		}
	})
}
