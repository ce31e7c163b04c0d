package probe

import (
	"fmt"
	"sync"
)

// Group runs the goroutines of a probe, like sync.WaitGroup, and carries
// their panics to the goroutine that waits: a panic in a goroutine that a
// probe started would otherwise end the whole program (a campaign of
// thousands of audits) where no recover can catch it. With Group, it goes
// up to the probe's caller like a panic of the probe itself, where the
// engine turns it into the error observation of that probe.
//
// The zero value is ready to use. Go and Wait have sync.WaitGroup's
// contract.
type Group struct {
	wg sync.WaitGroup

	mu    sync.Mutex
	panic any // the first panic of a goroutine, or nil
}

// PanicError is what Wait panics with when a goroutine of the group
// panicked: the value of that panic.
type PanicError struct {
	Value any
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic in a probe goroutine: %v", e.Value)
}

// Go runs f in a new goroutine of the group.
func (g *Group) Go(f func()) {
	g.wg.Go(func() {
		defer func() {
			if r := recover(); r != nil {
				g.mu.Lock()
				if g.panic == nil {
					g.panic = r
				}
				g.mu.Unlock()
			}
		}()
		f()
	})
}

// Wait waits for every goroutine of the group; if one of them panicked, it
// panics with a *PanicError holding the first panic's value, in the
// caller's goroutine, once all of them have ended.
func (g *Group) Wait() {
	g.wg.Wait()
	g.mu.Lock()
	r := g.panic
	g.mu.Unlock()
	if r != nil {
		if pe, ok := r.(*PanicError); ok {
			panic(pe)
		}
		panic(&PanicError{Value: r})
	}
}
