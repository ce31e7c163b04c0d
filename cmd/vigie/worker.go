package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/queue"
	"vigie.eu/vigie/internal/store"
)

// workerAbout and workerNotes are the help of "vigie worker".
var (
	workerAbout = text{`worker audite les tâches des campagnes soumises (vigie campaign submit) à
la base PostgreSQL BASE, sur cette machine, aux côtés des travailleurs des
autres machines, jusqu'à son arrêt : chaque tâche est auditée avec les
options enregistrées de sa campagne et son résultat enregistré dans BASE.
Les tâches sont des tâches River (github.com/riverqueue/river) de la même
base ; leurs tables sont créées par worker et submit.
`, `worker audits the jobs of the campaigns submitted (vigie campaign submit)
to the PostgreSQL database DB, on this machine, beside the workers of the
other machines, until it is stopped: each job is audited with its
campaign's stored options and its result stored in DB. The jobs are River
jobs (github.com/riverqueue/river) in the same database; their tables are
created by worker and submit.
`}
	workerNotes = text{`Garanties : une tâche n'est enregistrée qu'une fois ; un travailleur tué
(kill -9, machine perdue) laisse ses tâches « en cours » jusqu'à la fin de
leur bail (--lease), puis un autre les reprend ; la politesse (--per-ip de
la campagne) vaut pour tous les travailleurs ensemble : un audit prend une
place de l'adresse web de sa tâche, verrou consultatif de PostgreSQL sur une
connexion du travailleur, libérée s'il meurt ; une tâche sans place libre
attend 2 s (sans compter de tentative). Le résolveur de la campagne est
vérifié à sa première tâche, puis chaque minute (--canary de la campagne) :
un travailleur dont le résolveur ne répond pas ou ment rend ses tâches,
s'arrête et dit pourquoi (code 5).

SIGTERM ou Ctrl-C : plus de nouvelle tâche, les audits en cours finissent ;
un second signal les annule et rend leurs tâches à la file.

Codes de sortie :
  0    arrêté par un signal, audits en cours finis ou rendus
  1    erreur de la base
  2    erreur d'utilisation
  5    le résolveur d'une campagne ment ou ne répond pas, ou la connexion
       des places de politesse est perdue : le travailleur s'est arrêté
`, `Guarantees: a job is stored once; a worker killed (kill -9, a machine
lost) leaves its jobs "running" until their lease ends (--lease), then
another worker takes them; the politeness (the campaign's --per-ip) holds
for all workers together: an audit takes a slot of its job's web address,
a PostgreSQL advisory lock on a connection of the worker's own, freed if
it dies; a job without a free slot waits 2 s (no attempt counted). The
campaign's resolver is checked at its first job, then every minute (the
campaign's --canary): a worker whose resolver does not answer or lies
hands its jobs back, stops and says why (code 5).

SIGTERM or Ctrl-C: no new job, the audits under way finish; a second
signal cancels them and hands their jobs back to the queue.

Exit codes:
  0    stopped by a signal, the audits under way finished or handed back
  1    database error
  2    usage error
  5    a campaign's resolver lies or does not answer, or the connection of
       the politeness slots was lost: the worker stopped
`}
)

func campaignSubmit(ctx context.Context, e *env, args []string) int {
	c, code, ok := createCampaign(ctx, e, "submit", args)
	if !ok {
		return code
	}
	defer c.st.Close()
	var jobs []store.Job
	if err := c.st.PendingJobs(ctx, c.id, func(j store.Job) error {
		jobs = append(jobs, j)
		return nil
	}); err != nil {
		e.errorf("campaign submit: %v", err)
		return exitFailed
	}
	q, err := queue.Open(ctx, c.db)
	if err != nil {
		e.errorf("campaign submit: %v", err)
		return exitFailed
	}
	defer q.Close()
	if err := q.Submit(ctx, c.id, jobs); err != nil {
		e.errorf("campaign submit: %v", err)
		return exitFailed
	}
	fmt.Fprintf(e.stderr, e.t(text{"vigie: campagne %d : %d tâches dans la file ; « vigie worker --db BASE » les audite, sur une machine ou plusieurs\n",
		"vigie: campaign %d: %d jobs queued; \"vigie worker --db DB\" audits them, on one machine or several\n"}), c.id, len(jobs))
	fmt.Fprintln(e.stdout, c.id)
	return exitOK
}

func runWorker(ctx context.Context, e *env, args []string) int {
	tuneGC(campaignMemory)
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var db, lang string
	var parallel int
	var jobTimeout, lease time.Duration
	fs.StringVar(&db, "db", "", bi("`URL` la base PostgreSQL des campagnes soumises (obligatoire)", "`URL` the PostgreSQL database of the submitted campaigns (required)"))
	fs.IntVar(&parallel, "parallel", campaign.DefaultParallel, bi("`N` audits simultanés dans ce travailleur", "`N` audits at once in this worker"))
	fs.DurationVar(&jobTimeout, "job-timeout", queue.DefaultJobTimeout, bi("`DURÉE` au plus pour une tâche : audit, attente du DNS, enregistrement", "`DURATION` at most for one job: audit, wait for DNS, storing"))
	fs.DurationVar(&lease, "lease", 0, bi("`DURÉE` bail d'une tâche : un travailleur tué la garde « en cours » aussi longtemps, puis un autre la reprend (par défaut --job-timeout plus une minute ; plus long que --job-timeout)",
		"`DURATION` lease of a job: a killed worker keeps it \"running\" that long, then another takes it (default --job-timeout plus a minute; longer than --job-timeout)"))
	fs.StringVar(&lang, "lang", defaultLang, langUsage)
	if code, ok := parseCampaignFlags(e, "worker", fs, args); !ok {
		return code
	}
	switch {
	case db == "":
		e.errorf(e.t(text{"worker : --db URL est obligatoire", "worker: --db URL is required"}))
		return exitUsage
	case !store.IsPostgres(db):
		e.errorf(e.t(text{"worker : --db %s : les travailleurs partagent une base PostgreSQL (une URL postgres://)", "worker: --db %s: workers share a PostgreSQL database (a postgres:// URL)"}), db)
		return exitUsage
	case parallel < 1:
		e.errorf(e.t(text{"worker : --parallel %d : au moins 1", "worker: --parallel %d: want at least 1"}), parallel)
		return exitUsage
	case jobTimeout <= 0:
		e.errorf(e.t(text{"worker : --job-timeout %v : une durée positive", "worker: --job-timeout %v: want a positive duration"}), jobTimeout)
		return exitUsage
	case flagGiven(fs, "lease") && lease <= jobTimeout:
		e.errorf(e.t(text{"worker : --lease %v : plus long que --job-timeout (%v), sinon une tâche en cours serait reprise", "worker: --lease %v: must exceed --job-timeout (%v), else a running job would be taken again"}), lease, jobTimeout)
		return exitUsage
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		e.errorf("worker: %v", err)
		return exitFailed
	}
	defer st.Close()
	q, err := queue.Open(ctx, db)
	if err != nil {
		e.errorf("worker: %v", err)
		return exitFailed
	}
	defer q.Close()
	host, _ := os.Hostname()
	pid := os.Getpid()

	// A second signal, once the first has cancelled ctx, cancels the
	// audits under way.
	hard, cancelHard := context.WithCancel(context.Background())
	defer cancelHard()
	go func() {
		select {
		case <-ctx.Done():
		case <-hard.Done():
			return
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(sig)
		fmt.Fprint(e.stderr, e.t(text{"vigie: arrêt : les audits en cours finissent (un second signal les rend à la file)\n", "vigie: stopping: the audits under way finish (a second signal hands them back to the queue)\n"}))
		select {
		case <-sig:
			cancelHard()
		case <-hard.Done():
		}
	}()

	fmt.Fprintf(e.stderr, e.t(text{"vigie: travailleur %s/%d : %d audits simultanés\n", "vigie: worker %s/%d: %d audits at once\n"}), host, pid, parallel)
	var saved int
	err = q.Work(ctx, hard, queue.WorkerConfig{
		Store: st, Version: vigieVersion(), Parallel: parallel,
		JobTimeout: jobTimeout, Lease: lease, Host: host, PID: pid,
		Log:   slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Saved: func(store.Job, *audit.Result) { saved++ },
	})
	cancelHard()
	var se *queue.StopError
	switch {
	case errors.As(err, &se):
		code, ok := campaignError(e, db, se.Campaign, se.Err)
		if !ok {
			e.errorf("%v", err)
			code = exitResolver
		}
		e.errorf(e.t(text{"le travailleur s'arrête et rend ses tâches à la file ; les autres travailleurs continuent", "the worker stops and hands its jobs back to the queue; the other workers go on"}))
		return code
	case err != nil:
		e.errorf("%v", err)
		return exitFailed
	}
	fmt.Fprint(e.stderr, e.t(text{"vigie: travailleur arrêté\n", "vigie: worker stopped\n"}))
	return exitOK
}

// queueStatusJSON is the output of "vigie campaign status --campaign ID
// --json". Field names are published: never renamed nor reused.
type queueStatusJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Status is the campaign's (store.StatusFinished...).
	Status string `json:"status"`
	// Jobs, Done, Pending, Running and Failed count the campaign's
	// jobs: all, with a stored audit, waiting for a worker, held by
	// one, given up. A campaign run in one process has no jobs in the
	// queue: its pending are the jobs without audit.
	Jobs    int `json:"jobs"`
	Done    int `json:"done"`
	Pending int `json:"pending"`
	Running int `json:"running"`
	Failed  int `json:"failed"`
	// Queued says whether the campaign was submitted to the workers.
	Queued  bool         `json:"queued"`
	Workers []workerJSON `json:"workers"`
}

// workerJSON is one worker of queueStatusJSON.
type workerJSON struct {
	ID        string    `json:"id"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Parallel  int       `json:"parallel"`
	Version   string    `json:"version"`
	Started   time.Time `json:"started"`
	Heartbeat time.Time `json:"heartbeat"`
	Audits    int64     `json:"audits"`
	Stopped   string    `json:"stopped,omitempty"`
	Reason    string    `json:"reason,omitempty"`
}

// campaignQueueStatus is "vigie campaign status --campaign ID".
func campaignQueueStatus(ctx context.Context, e *env, st store.Store, db string, id int64, asJSON bool) int {
	c, err := st.Campaign(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		e.errorf(e.t(text{"campaign status : pas de campagne %d dans %s", "campaign status: no campaign %d in %s"}), id, db)
		return exitFailed
	}
	if err != nil {
		e.errorf("campaign status: %v", err)
		return exitFailed
	}
	done, total, err := st.Progress(ctx, id)
	if err != nil {
		e.errorf("campaign status: %v", err)
		return exitFailed
	}
	out := queueStatusJSON{ID: c.ID, Name: c.Name, Status: store.StatusUnfinished, Jobs: total, Done: done, Pending: total - done, Workers: []workerJSON{}}
	switch {
	case !c.Abandoned.IsZero():
		out.Status = store.StatusAbandoned
	case !c.Finished.IsZero():
		out.Status = store.StatusFinished
	}
	if store.IsPostgres(db) {
		q, err := queue.Connect(ctx, db)
		if err != nil {
			e.errorf("campaign status: %v", err)
			return exitFailed
		}
		defer q.Close()
		n, err := q.Counts(ctx, id)
		if err != nil {
			e.errorf("campaign status: %v", err)
			return exitFailed
		}
		if n.Jobs > 0 {
			out.Queued = true
			out.Pending, out.Running, out.Failed = n.Pending, n.Running, n.Failed
			ws, err := q.Workers(ctx)
			if err != nil {
				e.errorf("campaign status: %v", err)
				return exitFailed
			}
			for _, w := range ws {
				wj := workerJSON{ID: w.ID, Host: w.Host, PID: w.PID, Parallel: w.Parallel, Version: w.Version,
					Started: w.Started, Heartbeat: w.Heartbeat, Audits: w.Audits, Reason: w.Reason}
				if !w.Stopped.IsZero() {
					wj.Stopped = w.Stopped.Format(time.RFC3339)
				}
				out.Workers = append(out.Workers, wj)
			}
		}
	}
	if asJSON {
		return writeJSON(e, "campaign status", out)
	}
	fmt.Fprintf(e.stdout, e.t(text{"campagne %d « %s » (%s) : %d tâches, %d faites, %d en attente, %d en cours, %d abandonnées\n",
		"campaign %d %q (%s): %d jobs, %d done, %d pending, %d running, %d failed\n"}),
		out.ID, shortText(out.Name), out.Status, out.Jobs, out.Done, out.Pending, out.Running, out.Failed)
	now := time.Now()
	for _, w := range out.Workers {
		state := e.t(text{"actif", "running"})
		switch {
		case w.Stopped != "" && w.Reason != "":
			state = e.t(text{"arrêté : ", "stopped: "}) + shortText(w.Reason)
		case w.Stopped != "":
			state = e.t(text{"arrêté", "stopped"})
		case now.Sub(w.Heartbeat) > 4*queue.DefaultHeartbeat:
			state = e.t(text{"silencieux (tué ?)", "silent (killed?)"})
		}
		fmt.Fprintf(e.stdout, "  %s\t%s\t%d audits\t%s %s\t%s\n", shortText(w.ID), shortText(w.Host), w.Audits,
			e.t(text{"battement", "heartbeat"}), w.Heartbeat.Format("2006-01-02 15:04:05Z"), state)
	}
	return exitOK
}
