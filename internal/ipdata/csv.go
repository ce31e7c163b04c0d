package ipdata

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Kind says which upstream format a CSV file has.
type Kind int

const (
	// ASNKind is start,end,asn,org (@ip-location-db/asn).
	ASNKind Kind = iota
	// CountryKind is start,end,country (@ip-location-db/geo-whois-asn-country).
	CountryKind
)

// maxOrg bounds an organisation name read from a file, in bytes.
const maxOrg = 256

// builder gathers the ranges of one table before they are sorted.
type builder struct {
	vals  []value
	index map[value]uint32
	r4    []span
	r6    []span
}

// span is one range as read, IPv4 addresses in the low half.
type span struct {
	start, end u128
	idx        uint32
}

func newBuilder() *builder { return &builder{index: map[value]uint32{}} }

func (b *builder) value(v value) uint32 {
	if i, ok := b.index[v]; ok {
		return i
	}
	i := uint32(len(b.vals))
	b.vals = append(b.vals, v)
	b.index[v] = i
	return i
}

// add records the range [start, end] (one family) mapped to v; where
// names its line for errors.
func (b *builder) add(start, end netip.Addr, v value, where string) error {
	if start.Is4() != end.Is4() {
		return fmt.Errorf("%s: %s and %s are not of the same family", where, start, end)
	}
	if end.Less(start) {
		return fmt.Errorf("%s: range ends (%s) before it starts (%s)", where, end, start)
	}
	i := b.value(v)
	if start.Is4() {
		b.r4 = append(b.r4, span{u128{0, uint64(u32Of(start))}, u128{0, uint64(u32Of(end))}, i})
	} else {
		b.r6 = append(b.r6, span{u128Of(start), u128Of(end), i})
	}
	return nil
}

// table sorts the ranges and makes them disjoint: where ranges overlap,
// the one that starts later wins, and of two that start together the
// shorter (the more specific, as in a prefix table), then the later read.
func (b *builder) table() table {
	t := table{vals: b.vals}
	for _, s := range flatten(b.r4) {
		t.start4 = append(t.start4, uint32(s.start.lo))
		t.end4 = append(t.end4, uint32(s.end.lo))
		t.idx4 = append(t.idx4, s.idx)
	}
	for _, s := range flatten(b.r6) {
		t.start6 = append(t.start6, s.start)
		t.end6 = append(t.end6, s.end)
		t.idx6 = append(t.idx6, s.idx)
	}
	return t
}

// flatten returns the disjoint spans that rs paint (see table), sorted,
// with adjacent spans of the same value merged.
func flatten(rs []span) []span {
	slices.SortStableFunc(rs, func(x, y span) int {
		if c := x.start.cmp(y.start); c != 0 {
			return c
		}
		return y.end.cmp(x.end)
	})
	var out []span
	emit := func(s, e u128, idx uint32) {
		if e.less(s) {
			return
		}
		if n := len(out); n > 0 && out[n-1].idx == idx && out[n-1].end.next() == s {
			out[n-1].end = e
			return
		}
		out = append(out, span{s, e, idx})
	}
	// The stack holds the open ranges, the innermost on top; its ends
	// do not increase towards the top. cur is the first address not yet
	// painted; done is set once the last address is.
	var stack []span
	var cur u128
	done := false
	closeTop := func() {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !done && !top.end.less(cur) {
			emit(cur, top.end, top.idx)
			cur = top.end.next()
			done = top.end == maxU128
		}
	}
	for _, r := range rs {
		for len(stack) > 0 && stack[len(stack)-1].end.less(r.start) {
			closeTop()
		}
		if len(stack) > 0 && !done && cur.less(r.start) {
			top := stack[len(stack)-1]
			emit(cur, r.start.prev(), top.idx)
		}
		if done || cur.less(r.start) {
			cur, done = r.start, false
		}
		// The open ranges that end within r have nothing left after it.
		for len(stack) > 0 && !r.end.less(stack[len(stack)-1].end) {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, r)
	}
	for len(stack) > 0 {
		closeTop()
	}
	return out
}

// readCSV adds the rows of one upstream CSV file (name is for errors).
func (b *builder) readCSV(r io.Reader, name string, kind Kind) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	want := 4
	if kind == CountryKind {
		want = 3
	}
	cr.FieldsPerRecord = want
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("%s:%d:%d: %v", name, pe.Line, pe.Column, pe.Err)
			}
			return fmt.Errorf("%s: %v", name, err)
		}
		line, _ := cr.FieldPos(0)
		at := func(field int) string {
			l, c := cr.FieldPos(field)
			return fmt.Sprintf("%s:%d:%d", name, l, c)
		}
		start, err := netip.ParseAddr(rec[0])
		if err != nil {
			return fmt.Errorf("%s: start address: %v", at(0), err)
		}
		end, err := netip.ParseAddr(rec[1])
		if err != nil {
			return fmt.Errorf("%s: end address: %v", at(1), err)
		}
		var v value
		switch kind {
		case ASNKind:
			n, err := strconv.ParseUint(rec[2], 10, 32)
			if err != nil {
				return fmt.Errorf("%s: AS number %q: not a number from 0 to 4294967295", at(2), rec[2])
			}
			org := rec[3]
			if len(org) > maxOrg {
				return fmt.Errorf("%s: organisation name longer than %d bytes", at(3), maxOrg)
			}
			v = value{uint32(n), org}
		case CountryKind:
			c := strings.ToUpper(rec[2])
			if !validCountry(c) {
				return fmt.Errorf("%s: country %q: not two letters (ISO 3166-1 alpha-2)", at(2), rec[2])
			}
			v = value{text: c}
		}
		if err := b.add(start.Unmap(), end.Unmap(), v, fmt.Sprintf("%s:%d", name, line)); err != nil {
			return err
		}
	}
}

func validCountry(c string) bool {
	return len(c) == 2 && 'A' <= c[0] && c[0] <= 'Z' && 'A' <= c[1] && c[1] <= 'Z'
}
