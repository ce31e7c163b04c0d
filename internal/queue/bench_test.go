package queue

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// nullAuditor audits nothing, at once: what a worker spends on a job
// with it is the queue's cost and the store's. Each domain has its own
// web address, so that every job takes and gives back a politeness slot.
type nullAuditor struct{}

func (nullAuditor) PerIP() int                                         { return 1 }
func (nullAuditor) Retries() int                                       { return 0 }
func (nullAuditor) RetryDelay() time.Duration                          { return 0 }
func (nullAuditor) CheckResolver(ctx context.Context) error            { return nil }
func (nullAuditor) CheckTruth(ctx context.Context) error               { return nil }
func (nullAuditor) Audit(_ context.Context, j store.Job) *audit.Result { return nullResult(j) }
func (nullAuditor) WebAddress(_ context.Context, j store.Job) (netip.Addr, error) {
	h := fnv.New32a()
	h.Write([]byte(j.Domain))
	v := h.Sum32()
	return netip.AddrFrom4([4]byte{127, byte(v >> 16), byte(v >> 8), byte(v)}), nil
}

func nullResult(j store.Job) *audit.Result {
	return &audit.Result{Domain: j.Domain, Time: time.Now().UTC(), Findings: []audit.Finding{}}
}

// cpu is the process's CPU time so far.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCampaign makes a fresh schema with a campaign of n organisations,
// one domain each, and returns the store, the schema's URL, the
// campaign's id and its jobs.
func benchCampaign(b *testing.B, n int) (store.Store, string, int64, []store.Job) {
	b.Helper()
	ctx := context.Background()
	u := schemaURL(b)
	st, err := store.Open(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	orgs := make([]store.Organisation, n)
	for i := range orgs {
		orgs[i] = store.Organisation{ID: fmt.Sprint(i), Domains: []string{fmt.Sprintf("org-%d.test", i)}}
	}
	id, err := st.CreateCampaign(ctx, &store.Campaign{Name: "bench", Created: time.Now().UTC()}, orgs)
	if err != nil {
		b.Fatal(err)
	}
	var jobs []store.Job
	if err := st.PendingJobs(ctx, id, func(j store.Job) error { jobs = append(jobs, j); return nil }); err != nil {
		b.Fatal(err)
	}
	return st, u, id, jobs
}

// server is what the database server has done so far: its write
// transactions, and the CPU time of its processes when it runs on this
// machine (else -1).
type server struct {
	writes int64
	cpu    time.Duration
}

func (a server) sub(b server) server {
	d := server{a.writes - b.writes - 1, a.cpu - b.cpu}
	if a.cpu < 0 || b.cpu < 0 {
		d.cpu = -1
	}
	return d
}

// serverNow reads the database's write transactions and the CPU time of the
// postmaster's children (its backends and background processes), from
// /proc. The CPU of backends that ended in between is lost: the
// worker's connections live through the run.
func serverNow(b *testing.B, u string) server {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	// Every transaction that writes takes the next transaction id,
	// this one too (hence the -1 of sub); pg_stat_database's counts
	// would be late by up to the backends' flush interval.
	var n server
	var pid int
	if err := c.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint, pg_backend_pid()`).Scan(&n.writes, &pid); err != nil {
		b.Fatal(err)
	}
	n.cpu = childrenCPU(parent(pid))
	return n
}

// stat is the fields of /proc/PID/stat after the command's name.
func stat(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(data[i+1:]))
}

func parent(pid int) int {
	f := stat(pid)
	if len(f) < 2 {
		return -1
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// childrenCPU is the user and system time of ppid's children, -1 when
// none can be read (a server on another machine).
func childrenCPU(ppid int) time.Duration {
	if ppid <= 1 {
		return -1
	}
	dirs, _ := os.ReadDir("/proc")
	var ticks int64
	seen := false
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		f := stat(pid)
		if len(f) < 13 || f[1] != strconv.Itoa(ppid) {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
		seen = true
	}
	if !seen {
		return -1
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// BenchmarkQueue measures a worker's own cost per job, with an auditor
// that audits nothing (b.N jobs; run with -benchtime=2000x or more):
// "worker" queues them (campaign submit) and runs them through River
// with their politeness slots, storing each result; "store" only stores the same results, with as
// many at once, as a single-process campaign does. The difference of
// their cpu-ms/job is the queue's cost in the worker. Both count the
// server's write transactions per job (of every client: run it alone,
// on a server of its own) and, when
// the server runs on this machine, its processes' CPU per job
// (db-cpu-ms/job, at the kernel's 10 ms resolution per process).
//
//	VIGIE_TEST_POSTGRES=$(e2e/postgres.sh start /tmp/pg) \
//	go test -run '^$' -bench Queue -benchtime 2000x ./internal/queue/
func BenchmarkQueue(b *testing.B) {
	const parallel = 16
	b.Run("worker", func(b *testing.B) {
		st, u, id, jobs := benchCampaign(b, b.N)
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		q, err := Open(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		var saved atomic.Int64
		all := make(chan struct{})
		cfg := WorkerConfig{Store: st, Parallel: parallel, Host: "bench", PID: os.Getpid(),
			newAuditor: func(context.Context, int64) (jobAuditor, error) { return nullAuditor{}, nil },
			Saved: func(store.Job, *audit.Result) {
				if saved.Add(1) == int64(len(jobs)) {
					close(all)
				}
			}}
		c0, x0 := cpu(), serverNow(b, u)
		b.ResetTimer()
		// Queuing the jobs is the queue's cost too.
		if err := q.Submit(ctx, id, jobs); err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- q.Work(ctx, ctx, cfg) }()
		select {
		case <-all:
		case err := <-done:
			b.Fatalf("worker stopped after %d of %d jobs: %v", saved.Load(), len(jobs), err)
		}
		b.StopTimer()
		c1, x1 := cpu(), serverNow(b, u)
		stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		report(b, c1-c0, x1.sub(x0))
	})
	b.Run("store", func(b *testing.B) {
		st, u, _, jobs := benchCampaign(b, b.N)
		ctx := context.Background()
		next := make(chan store.Job)
		errs := make(chan error, parallel)
		c0, x0 := cpu(), serverNow(b, u)
		b.ResetTimer()
		for range parallel {
			go func() {
				var err error
				for j := range next {
					if err == nil {
						err = st.SaveAudit(ctx, j, nullResult(j))
					}
				}
				errs <- err
			}()
		}
		for _, j := range jobs {
			next <- j
		}
		close(next)
		for range parallel {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		report(b, cpu()-c0, serverNow(b, u).sub(x0))
	})
}

func report(b *testing.B, cpu time.Duration, db server) {
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/job")
	b.ReportMetric(float64(db.writes)/float64(b.N), "writes/job")
	if db.cpu >= 0 {
		b.ReportMetric(float64(db.cpu.Microseconds())/1000/float64(b.N), "db-cpu-ms/job")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}
