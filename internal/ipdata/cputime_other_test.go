//go:build !unix

package ipdata

import (
	"testing"
	"time"
)

// cpuTime is unknown here: cpu-ms/op reads 0.
func cpuTime(*testing.B) time.Duration { return 0 }
