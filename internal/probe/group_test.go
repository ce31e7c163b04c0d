package probe

import (
	"sync/atomic"
	"testing"
)

func TestGroupCarriesPanic(t *testing.T) {
	var ran atomic.Int32
	got := func() (r any) {
		defer func() { r = recover() }()
		var g Group
		g.Go(func() { ran.Add(1) })
		g.Go(func() {
			// A nested group: its panic goes up through the outer one.
			var inner Group
			inner.Go(func() { panic("boom") })
			inner.Wait()
		})
		g.Go(func() { ran.Add(1) })
		g.Wait()
		return nil
	}()
	pe, ok := got.(*PanicError)
	if !ok || pe.Value != "boom" {
		t.Fatalf("Wait panicked with %#v, want a *PanicError of \"boom\"", got)
	}
	if ran.Load() != 2 {
		t.Errorf("%d other goroutines ran, want 2: a panic must not stop the others", ran.Load())
	}
}

func TestGroupNoPanic(t *testing.T) {
	var g Group
	var n atomic.Int32
	for range 10 {
		g.Go(func() { n.Add(1) })
	}
	g.Wait()
	if n.Load() != 10 {
		t.Errorf("ran %d, want 10", n.Load())
	}
}
