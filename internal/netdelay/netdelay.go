// Package netdelay makes loopback connections behave as if they crossed a
// network with a round-trip time: what one side writes reaches the other
// half a round trip later, and a new connection costs one round trip
// before its first byte, as TCP's handshake does. The lab uses it so that
// tests, benchmarks and newcomers see vigie's audits on a realistic
// network without a packet leaving the machine.
//
// Only the server's side is wrapped: Listener delays the connections it
// accepts, in both directions. Order is kept (a later byte never overtakes
// an earlier one, whatever the jitter), writes are buffered (up to
// maxQueued bytes, then Write blocks) and Close delivers what was written
// before closing, as a kernel does. Bandwidth, loss and reordering are not
// simulated.
package netdelay

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Delay is a network's round-trip time, and its jitter: each one-way
// trip takes RTT/2 plus a random share of Jitter/2.
type Delay struct {
	RTT, Jitter time.Duration
}

// Zero reports whether d delays nothing.
func (d Delay) Zero() bool { return d.RTT <= 0 && d.Jitter <= 0 }

// oneWay draws the duration of one trip.
func (d Delay) oneWay() time.Duration {
	t := d.RTT / 2
	if d.Jitter > 0 {
		t += rand.N(d.Jitter/2 + 1)
	}
	return t
}

// Sleep waits one round trip (two one-way trips, with their jitter): the
// cost of one exchange of datagrams, as a DNS query over UDP.
func (d Delay) Sleep() {
	if !d.Zero() {
		time.Sleep(d.oneWay() + d.oneWay())
	}
}

// Listener returns ln whose accepted connections are delayed by d (not
// at all when d is zero); Accepted counts them.
func Listener(ln net.Listener, d Delay) *DelayedListener {
	return &DelayedListener{Listener: ln, d: d}
}

// DelayedListener is a listener whose connections are delayed.
type DelayedListener struct {
	net.Listener
	d        Delay
	accepted atomic.Int64

	mu     sync.Mutex
	byAddr map[netip.AddrPort]int64
	// open are the connections open now per local address, peak the
	// most that were open at once since the last Peaks that reset it;
	// kept only once TrackPeaks was called.
	tracked    bool
	open, peak map[netip.Addr]int64
}

// TrackPeaks makes the listener count the connections open at once per
// local address (see Peaks), from the next one accepted: they are then
// wrapped, delayed or not.
func (l *DelayedListener) TrackPeaks() {
	l.mu.Lock()
	l.tracked = true
	l.mu.Unlock()
}

// Accept waits for a connection and returns it delayed.
func (l *DelayedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	if ta, ok := c.LocalAddr().(*net.TCPAddr); ok {
		l.mu.Lock()
		if l.byAddr == nil {
			l.byAddr = map[netip.AddrPort]int64{}
		}
		l.byAddr[ta.AddrPort()]++
		if !l.tracked {
			l.mu.Unlock()
			if l.d.Zero() {
				return c, nil
			}
			return newConn(c, l.d), nil
		}
		a := ta.AddrPort().Addr().Unmap()
		if l.open == nil {
			l.open, l.peak = map[netip.Addr]int64{}, map[netip.Addr]int64{}
		}
		l.open[a]++
		l.peak[a] = max(l.peak[a], l.open[a])
		l.mu.Unlock()
		if !l.d.Zero() {
			c = newConn(c, l.d)
		}
		return &counted{Conn: c, l: l, addr: a}, nil
	}
	if l.d.Zero() {
		return c, nil
	}
	return newConn(c, l.d), nil
}

// counted is a connection counted open until it is closed.
type counted struct {
	net.Conn
	l    *DelayedListener
	addr netip.Addr
	once sync.Once
}

func (c *counted) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.open[c.addr]--
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// Peaks adds to m, per local address, the most connections that were
// open at once since the listener started or since the last call with
// reset set; reset starts the count again from those open now.
func (l *DelayedListener) Peaks(m map[netip.Addr]int64, reset bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for a, n := range l.peak {
		m[a] = max(m[a], n)
	}
	if reset {
		for a := range l.peak {
			l.peak[a] = l.open[a]
		}
	}
}

// Accepted is the number of connections accepted so far.
func (l *DelayedListener) Accepted() int64 { return l.accepted.Load() }

// Counts adds to m the connections accepted so far per local address and
// port (a listener bound to 0.0.0.0 serves many).
func (l *DelayedListener) Counts(m map[netip.AddrPort]int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for a, n := range l.byAddr {
		m[netip.AddrPortFrom(a.Addr().Unmap(), a.Port())] += n
	}
}

const (
	// maxQueued is how many written bytes wait for delivery before
	// Write blocks.
	maxQueued = 4 << 20
	// flushTimeout bounds the delivery of what was written before
	// Close to a peer that reads nothing.
	flushTimeout = 10 * time.Second
	readChunk    = 32 << 10
)

type chunk struct {
	b   []byte
	at  time.Time // when it reaches the other side
	err error     // the read error that ends the stream
}

// conn delays a server-side connection. The client's bytes arrive at
// max(sent, accepted+RTT) + one way: its connect returned at once on
// loopback, but on a network it could send only after a round trip. The
// server's bytes arrive at max(written, accepted+RTT+one way) + one way.
type conn struct {
	net.Conn
	d          Delay
	openRead   time.Time
	openWrite  time.Time
	in         chan chunk
	cur        chunk
	curSet     bool
	lastReadAt time.Time // the reader goroutine's, for order

	dmu      sync.Mutex
	deadline time.Time
	changed  chan struct{} // closed when the read deadline changes

	wmu       sync.Mutex
	wcond     *sync.Cond
	queue     []chunk
	queued    int
	lastWrite time.Time
	closed    bool
	writeErr  error
	done      chan struct{} // closed by Close
	closeOnce sync.Once
}

func newConn(c net.Conn, d Delay) *conn {
	now := time.Now()
	dc := &conn{
		Conn:      c,
		d:         d,
		openRead:  now.Add(d.RTT),
		openWrite: now.Add(d.RTT + d.RTT/2),
		in:        make(chan chunk, 64),
		changed:   make(chan struct{}),
		done:      make(chan struct{}),
	}
	dc.wcond = sync.NewCond(&dc.wmu)
	go dc.reader()
	go dc.writer()
	return dc
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// reader reads the client's bytes as they come and stamps each chunk with
// the time it would arrive.
func (c *conn) reader() {
	for {
		buf := make([]byte, readChunk)
		n, err := c.Conn.Read(buf)
		at := later(time.Now(), c.openRead).Add(c.d.oneWay())
		at = later(at, c.lastReadAt)
		c.lastReadAt = at
		select {
		case c.in <- chunk{b: buf[:n], at: at, err: err}:
		case <-c.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read returns the client's bytes once they have arrived, or an error at
// the read deadline or after Close.
func (c *conn) Read(p []byte) (int, error) {
	for {
		n, again, err := c.readOnce(p)
		if !again {
			return n, err
		}
	}
}

// readOnce is one step of Read: it returns the current chunk's bytes if
// they have arrived, or else waits for the next chunk or for the current
// one's arrival; again is true when Read must take another step.
func (c *conn) readOnce(p []byte) (n int, again bool, err error) {
	select {
	case <-c.done:
		return 0, false, net.ErrClosed
	default:
	}
	c.dmu.Lock()
	deadline, changed := c.deadline, c.changed
	c.dmu.Unlock()
	if c.curSet && !time.Now().Before(c.cur.at) {
		switch {
		case len(c.cur.b) > 0:
			n = copy(p, c.cur.b)
			c.cur.b = c.cur.b[n:]
			if len(c.cur.b) == 0 && c.cur.err == nil {
				c.curSet = false
			}
			return n, false, nil
		case c.cur.err != nil:
			return 0, false, c.cur.err
		}
		c.curSet = false
	}
	var timeout, arrived <-chan time.Time
	if !deadline.IsZero() {
		wait := time.Until(deadline)
		if wait <= 0 {
			return 0, false, os.ErrDeadlineExceeded
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	var in <-chan chunk
	if c.curSet {
		t := time.NewTimer(time.Until(c.cur.at))
		defer t.Stop()
		arrived = t.C
	} else {
		in = c.in
	}
	select {
	case c.cur = <-in:
		c.curSet = true
	case <-arrived:
	case <-changed:
	case <-timeout:
		return 0, false, os.ErrDeadlineExceeded
	case <-c.done:
		return 0, false, net.ErrClosed
	}
	return 0, true, nil
}

// SetReadDeadline sets the deadline of Read, waking a Read that waits
// (net/http moves it to the past to stop a background read).
func (c *conn) SetReadDeadline(t time.Time) error {
	c.dmu.Lock()
	c.deadline = t
	close(c.changed)
	c.changed = make(chan struct{})
	c.dmu.Unlock()
	return nil
}

// SetDeadline sets the read deadline; writes are buffered and do not wait
// but for a full queue.
func (c *conn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

// SetWriteDeadline is accepted and ignored: Write returns at once unless
// maxQueued bytes wait.
func (c *conn) SetWriteDeadline(time.Time) error { return nil }

// Write queues p for delivery one way later.
func (c *conn) Write(p []byte) (int, error) {
	at := later(time.Now(), c.openWrite).Add(c.d.oneWay())
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for c.queued >= maxQueued && !c.closed && c.writeErr == nil {
		c.wcond.Wait()
	}
	switch {
	case c.closed:
		return 0, net.ErrClosed
	case c.writeErr != nil:
		return 0, c.writeErr
	}
	at = later(at, c.lastWrite)
	c.lastWrite = at
	c.queue = append(c.queue, chunk{b: append([]byte(nil), p...), at: at})
	c.queued += len(p)
	c.wcond.Broadcast()
	return len(p), nil
}

// writer delivers the queued bytes at their time, then, after Close and
// the last of them, closes the connection.
func (c *conn) writer() {
	defer c.Conn.Close()
	for {
		c.wmu.Lock()
		for len(c.queue) == 0 && !c.closed {
			c.wcond.Wait()
		}
		if len(c.queue) == 0 {
			c.wmu.Unlock()
			return
		}
		ch := c.queue[0]
		c.queue = c.queue[1:]
		closing := c.closed
		c.wmu.Unlock()

		time.Sleep(time.Until(ch.at))
		if closing {
			c.Conn.SetWriteDeadline(time.Now().Add(flushTimeout))
		}
		_, err := c.Conn.Write(ch.b)

		c.wmu.Lock()
		c.queued -= len(ch.b)
		if err != nil {
			c.writeErr, c.queue, c.queued = err, nil, 0
		}
		c.wcond.Broadcast()
		c.wmu.Unlock()
		if err != nil {
			return
		}
	}
}

// Close stops reads at once and closes the connection once what was
// written has been delivered.
func (c *conn) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		// A peer that reads nothing cannot hold the flush for ever.
		c.Conn.SetWriteDeadline(time.Now().Add(flushTimeout + c.d.RTT + c.d.Jitter))
		c.wmu.Lock()
		c.closed = true
		c.wcond.Broadcast()
		c.wmu.Unlock()
	})
	return nil
}
