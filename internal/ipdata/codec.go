package ipdata

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The compact form of a table, compressed with DEFLATE (RFC 1951):
//
//	magic "vigie-ipdata-1\n"
//	uvarint count of values; each: uvarint num, uvarint length, bytes text
//	uvarint count of IPv4 ranges; each: uvarint start - previous start,
//	    uvarint end - start, uvarint value index
//	uvarint count of IPv6 ranges; each: uvarint start.hi - previous start.hi,
//	    uvarint start.lo, uvarint end.hi - start.hi, uvarint ^end.lo,
//	    uvarint value index
//
// Deltas keep the numbers small, and the complement of the end's low half
// turns the usual ...ffff into a one-byte number.
const magic = "vigie-ipdata-1\n"

// maxCount bounds every count read, against a corrupt file.
const maxCount = 1 << 24

// encode writes t in the compact form.
func encode(w io.Writer, t *table) error {
	zw, err := flate.NewWriter(w, flate.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	var buf [binary.MaxVarintLen64]byte
	put := func(x uint64) { bw.Write(buf[:binary.PutUvarint(buf[:], x)]) }
	bw.WriteString(magic)
	put(uint64(len(t.vals)))
	for _, v := range t.vals {
		put(uint64(v.num))
		put(uint64(len(v.text)))
		bw.WriteString(v.text)
	}
	put(uint64(len(t.start4)))
	var prev4 uint32
	for i, s := range t.start4 {
		put(uint64(s - prev4))
		put(uint64(t.end4[i] - s))
		put(uint64(t.idx4[i]))
		prev4 = s
	}
	put(uint64(len(t.start6)))
	var prev6 uint64
	for i, s := range t.start6 {
		e := t.end6[i]
		put(s.hi - prev6)
		put(s.lo)
		put(e.hi - s.hi)
		put(^e.lo)
		put(uint64(t.idx6[i]))
		prev6 = s.hi
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// decode reads a table written by encode.
func decode(data []byte) (table, error) {
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(data)))
	if err != nil {
		return table{}, fmt.Errorf("corrupt ip data: %w", err)
	}
	if !bytes.HasPrefix(raw, []byte(magic)) {
		return table{}, errors.New("not a vigie ip data file (bad magic)")
	}
	raw = raw[len(magic):]
	get := func() uint64 {
		if err != nil {
			return 0
		}
		x, n := binary.Uvarint(raw)
		if n <= 0 {
			err = io.ErrUnexpectedEOF
			return 0
		}
		raw = raw[n:]
		return x
	}
	count := func(what string) int {
		n := get()
		if err == nil && n > maxCount {
			err = fmt.Errorf("%d %s: more than %d", n, what, maxCount)
		}
		return int(n)
	}
	var t table
	nv := count("values")
	t.vals = make([]value, nv)
	for i := range t.vals {
		num := get()
		l := get()
		if err != nil {
			break
		}
		if l > maxOrg || l > uint64(len(raw)) {
			err = fmt.Errorf("value %d: text of %d bytes", i, l)
			break
		}
		t.vals[i] = value{uint32(num), string(raw[:l])}
		raw = raw[l:]
	}
	idx := func() uint32 {
		i := get()
		if err == nil && i >= uint64(nv) {
			err = fmt.Errorf("value index %d of %d", i, nv)
		}
		return uint32(i)
	}
	n4 := count("IPv4 ranges")
	t.start4, t.end4, t.idx4 = make([]uint32, n4), make([]uint32, n4), make([]uint32, n4)
	var prev4 uint32
	for i := 0; i < n4 && err == nil; i++ {
		s := prev4 + uint32(get())
		t.start4[i], t.end4[i], t.idx4[i] = s, s+uint32(get()), idx()
		prev4 = s
	}
	n6 := count("IPv6 ranges")
	t.start6, t.end6, t.idx6 = make([]u128, n6), make([]u128, n6), make([]uint32, n6)
	var prev6 uint64
	for i := 0; i < n6 && err == nil; i++ {
		s := u128{prev6 + get(), get()}
		t.start6[i] = s
		t.end6[i] = u128{s.hi + get(), ^get()}
		t.idx6[i] = idx()
		prev6 = s.hi
	}
	if err == nil && len(raw) != 0 {
		err = fmt.Errorf("%d bytes after the tables", len(raw))
	}
	if err != nil {
		return table{}, fmt.Errorf("corrupt ip data: %w", err)
	}
	return t, nil
}
