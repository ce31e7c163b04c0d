package tlsprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"slices"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/probe"
)

// ProbeLike probes host on port as Probe does, but spares the server the
// enumeration when another name's probe on the same address already did
// it and the server answers host the same: it makes the normal handshake
// and one hello per protocol version (six connections instead of about
// twenty-five), and waits for like, the other name's observation. When
// that observation is of the same address, the certificate, the
// negotiated version and suite, the versions accepted, the suite each
// version's first hello gets and the renegotiation and extended master
// secret answers are the same, host's observation takes the other
// name's protocols, suites and groups, and says so in EnumeratedFrom;
// otherwise host is probed whole. like may block; it returns nil when
// the other probe gave nothing.
func ProbeLike(ctx context.Context, cfg Config, host string, port int, like func() *audit.TLSObservation) *audit.TLSObservation {
	obs := &audit.TLSObservation{Host: host, Port: port}
	p := newProber(ctx, cfg, host, port, obs)
	if p == nil {
		return obs
	}
	defer p.stopWarming()
	var (
		wg     probe.Group
		firsts = make([]*response, len(versions))
		errs   = make([]error, len(versions))
	)
	for i, v := range versions {
		wg.Go(func() {
			if v.v == versionTLS13 {
				firsts[i], errs[i] = p.suiteHello(ctx, v.v, offered(v.v))
			} else {
				firsts[i], errs[i] = p.exchange(ctx, p.hello(v.v, offered(v.v)), true)
			}
		})
	}
	var hs *handshakeResult
	wg.Go(func() {
		st, err := p.handshake(ctx)
		hs = &handshakeResult{state: st, err: err}
	})
	wg.Wait()
	other := like()
	if other == nil || ctx.Err() != nil || !sameServer(p, other, firsts, errs, hs) {
		p.run(ctx, obs)
		return obs
	}
	obs.Protocols = slices.Clone(other.Protocols)
	obs.Groups, obs.GroupsError = slices.Clone(other.Groups), other.GroupsError
	obs.SecureRenegotiation, obs.ExtendedMasterSecret = other.SecureRenegotiation, other.ExtendedMasterSecret
	obs.EnumeratedFrom = other.Host
	p.describeHandshake(obs, hs.state)
	return obs
}

type handshakeResult struct {
	state *tls.ConnectionState
	err   error
}

// sameServer says whether the answers to host's hellos and handshake
// are those other's observation records, on the same address: the
// evidence that one TLS configuration serves both names.
func sameServer(p *prober, other *audit.TLSObservation, firsts []*response, errs []error, hs *handshakeResult) bool {
	if other.Error != "" || other.EnumeratedFrom != "" || other.Address != p.addr || other.Handshake == nil ||
		hs.err != nil || hs.state == nil || len(other.Protocols) != len(versions) || len(other.Certificates) == 0 {
		return false
	}
	st := hs.state
	if len(st.PeerCertificates) == 0 || describeCertificate(st.PeerCertificates[0]).SHA256 != other.Certificates[0].SHA256 ||
		versionName(st.Version) != other.Handshake.Version || tls.CipherSuiteName(st.CipherSuite) != other.Handshake.CipherSuite {
		return false
	}
	var legacy *response
	for i, v := range versions {
		op := other.Protocols[i]
		if op.Version != v.name || op.Error != "" {
			return false
		}
		if errs[i] != nil && !errors.Is(errs[i], errClosed) {
			return false // cannot tell
		}
		ok := errs[i] == nil && accepted(firsts[i], v.v)
		if ok != op.Accepted {
			return false
		}
		if !ok {
			continue
		}
		if firsts[i].hello.suite != firstChoice(v.v, op) {
			return false
		}
		if v.v != versionTLS13 {
			legacy = firsts[i]
		}
	}
	if legacy != nil {
		reneg, ems := legacy.hello.renegotiationInfo, legacy.hello.extendedMasterSecret
		if other.SecureRenegotiation == nil || other.ExtendedMasterSecret == nil ||
			*other.SecureRenegotiation != reneg || *other.ExtendedMasterSecret != ems {
			return false
		}
	}
	return true
}

// firstChoice is the suite a server whose version v accepts op's suites
// chooses from a hello offering all of them in vigie's order: its own
// first when it imposes its order (or has one suite), else the first
// offered that it accepts.
func firstChoice(v uint16, op audit.TLSProtocol) uint16 {
	if len(op.Suites) == 0 {
		return 0
	}
	if op.ServerOrder == nil || *op.ServerOrder {
		return op.Suites[0].ID
	}
	for _, id := range offered(v) {
		if slices.ContainsFunc(op.Suites, func(s audit.CipherSuite) bool { return s.ID == id }) {
			return id
		}
	}
	return 0
}
