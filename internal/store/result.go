package store

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"vigie.eu/vigie/internal/audit"
)

// Results are stored as gzip-compressed JSON: a realistic result (all
// observations of a domain with web and mail) is about 24 KB of JSON and
// 6 KB compressed, which matters at tens of thousands of audits a week.
// Reading also accepts plain JSON (a result starts with '{', never with the
// gzip magic 1f 8b), should a later version store it so.

// maxResultSize is the read limit: the largest decompressed result that
// is read back. A larger row (written by hand, or by another program) is
// reported as unreadable rather than read.
const maxResultSize = 64 << 20

// maxSavedSize caps the JSON of a result as saved, well under the read
// limit so that whatever is saved can be read back: a larger result is
// trimmed (audit.Trim: bodies first, then certificate chains, then EHLO
// lines...) and records what was removed. A realistic result is about
// 24 KB; a hostile server can make one of tens of MB (1 MiB bodies,
// hundreds of certificates or EHLO lines).
const maxSavedSize = 8 << 20

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// encodeResult returns r as gzip-compressed JSON, trimmed to
// maxSavedSize.
func encodeResult(r *audit.Result) ([]byte, error) {
	_, js, err := audit.Trim(r, maxSavedSize)
	if err != nil {
		return nil, fmt.Errorf("store: encode result of %s: %w", r.Domain, err)
	}
	var buf bytes.Buffer
	buf.Grow(len(js) / 3)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(js); err != nil {
		return nil, fmt.Errorf("store: encode result of %s: %w", r.Domain, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("store: encode result of %s: %w", r.Domain, err)
	}
	return buf.Bytes(), nil
}

// decodeResult is the inverse of encodeResult.
func decodeResult(b []byte) (*audit.Result, error) {
	var rd io.Reader = bytes.NewReader(b)
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, fmt.Errorf("store: decode result: %w", err)
		}
		defer zr.Close()
		rd = zr
	}
	js, err := io.ReadAll(io.LimitReader(rd, maxResultSize+1))
	if err != nil {
		return nil, fmt.Errorf("store: decode result: %w", err)
	}
	if len(js) > maxResultSize {
		return nil, fmt.Errorf("store: decode result: larger than the read limit of %d MiB", maxResultSize>>20)
	}
	r := new(audit.Result)
	if err := json.Unmarshal(js, r); err != nil {
		return nil, fmt.Errorf("store: decode result: %w", err)
	}
	return r, nil
}
