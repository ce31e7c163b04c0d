package campaign

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"vigie.eu/vigie/internal/engine"
)

// DefaultCanary is the name that must exist, asked of the resolver before
// and during a campaign (Config.Canary, vigie campaign run --canary).
// iana.org is run by IANA, the operator of the root zone's contents: it
// has resolved for decades, it is no commercial site that a filtering
// resolver would block or a CDN would move, and it is outside every
// country's administrations, so no campaign audits it. A lab or a closed
// network passes a name of its own.
const DefaultCanary = "iana.org"

// Defaults of the resolver truth checks: one every DefaultTruthEvery
// audits or DefaultTruthInterval, whichever comes first.
const (
	DefaultTruthEvery    = 100
	DefaultTruthInterval = time.Minute
)

// ErrResolverLies is returned by Run, in a *TruthError, when the resolver
// says that the canary does not exist or that a name that cannot exist
// does: the audits since the last check that passed are not stored, and
// the campaign stops, to be resumed through a resolver that tells the
// truth.
var ErrResolverLies = errors.New("the resolver does not tell the truth")

// TruthError says which check of the resolver failed.
type TruthError struct {
	Resolver string
	// Name is the name asked; MustExist says whether it must exist
	// (the canary) or must not (a random label under it).
	Name      string
	MustExist bool
	// Answer is what the resolver said.
	Answer engine.NameAnswer
}

func (e *TruthError) Error() string {
	if e.MustExist {
		return fmt.Sprintf("campaign: %v (%s): %s, which exists, got %s with %d address(es)",
			ErrResolverLies, e.Resolver, e.Name, e.Answer.Rcode, e.Answer.Addresses)
	}
	return fmt.Sprintf("campaign: %v (%s): %s, which cannot exist, got %d address(es)",
		ErrResolverLies, e.Resolver, e.Name, e.Answer.Addresses)
}

func (e *TruthError) Unwrap() error { return ErrResolverLies }

// checkTruth asks the resolver for canary, which must have an address,
// and for a random name under it, which must have none. A resolver that
// does not answer, or answers SERVFAIL or REFUSED, is down
// (ErrResolverDown), not lying.
func checkTruth(ctx context.Context, hosts *engine.HostCache, resolver, canary string) error {
	if resolver == "" {
		resolver = "system"
	}
	a := hosts.Ask(ctx, canary)
	switch {
	case a.Err != nil:
		return resolverDown(resolver, fmt.Errorf("%s: %v", canary, a.Err))
	case a.Rcode == "NXDOMAIN" || (a.Rcode == "NOERROR" && a.Addresses == 0):
		return &TruthError{Resolver: resolver, Name: canary, MustExist: true, Answer: a}
	case a.Rcode != "NOERROR":
		return resolverDown(resolver, fmt.Errorf("%s: %s", canary, a.Rcode))
	}
	b := make([]byte, 6)
	rand.Read(b)
	absent := "vigie-check-" + hex.EncodeToString(b) + "." + canary
	a = hosts.Ask(ctx, absent)
	switch {
	case a.Err != nil:
		return resolverDown(resolver, fmt.Errorf("%s: %v", absent, a.Err))
	case a.Addresses > 0:
		return &TruthError{Resolver: resolver, Name: absent, Answer: a}
	case a.Rcode != "NOERROR" && a.Rcode != "NXDOMAIN":
		return resolverDown(resolver, fmt.Errorf("%s: %s", absent, a.Rcode))
	}
	return nil
}
