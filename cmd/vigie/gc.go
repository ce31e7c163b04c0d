package main

import (
	"os"
	"runtime/debug"
)

// Memory budgets of the long-running commands, for tuneGC.
const (
	campaignMemory = 192 << 20 // the goal is a peak under 256 MiB
	labMemory      = 1 << 30
)

// tuneGC trades memory for CPU in a long-running command (a campaign,
// the lab): the collector runs when the heap has grown to five times
// what is live (GOGC=400) instead of twice, and more often as the heap
// nears limit bytes (a soft limit, see runtime/debug.SetMemoryLimit). A
// campaign keeps little alive, so this saves about a tenth of its CPU at
// no risk to its memory budget. GOGC or GOMEMLIMIT in the environment
// win over these values.
func tuneGC(limit int64) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
}
