package ondemand

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/target"
)

// clientKey is whom a rate limit counts: an IPv4 address, or the /64 of
// an IPv6 address (one subscriber's network gets a /64 or more, and
// picking a new address in it is free).
type clientKey netip.Prefix

func keyOf(a netip.Addr) clientKey {
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return clientKey(p)
}

// bucket is a token bucket: tokens left, as of at.
type bucket struct {
	tokens float64
	at     time.Time
}

// maxClients bounds the buckets kept: beyond it, the full ones (of
// clients that did not ask lately) are dropped.
const maxClients = 10000

// allow takes a token from client's bucket: Rate tokens at most,
// refilled at Rate per RateWindow. It returns false and how long until
// the next token when the bucket is empty; q.mu is held.
func (q *Queue) allow(client netip.Addr, now time.Time) (time.Duration, bool) {
	k := keyOf(client)
	capacity := float64(q.cfg.Rate)
	perToken := q.cfg.RateWindow / time.Duration(q.cfg.Rate)
	b, ok := q.clients[k]
	if !ok {
		if len(q.clients) >= maxClients {
			for k, b := range q.clients {
				if b.tokens+float64(now.Sub(b.at))/float64(perToken) >= capacity {
					delete(q.clients, k)
				}
			}
		}
		b = &bucket{tokens: capacity, at: now}
		q.clients[k] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(capacity, b.tokens+float64(d)/float64(perToken))
		b.at = now
	}
	if b.tokens < 1 {
		wait := time.Duration((1 - b.tokens) * float64(perToken))
		return wait.Round(time.Second) + time.Second, false
	}
	b.tokens--
	return 0, true
}

// targetTexts say in French and English why a name cannot be audited.
var targetTexts = []struct {
	err error
	why audit.Text
}{
	{target.ErrEmpty, audit.Text{FR: "nom vide", EN: "empty name"}},
	{target.ErrIPLiteral, audit.Text{FR: "adresse IP, pas un nom de domaine", EN: "IP address, not a domain name"}},
	{target.ErrScheme, audit.Text{FR: "seules les URL http:// et https:// sont acceptées", EN: "only http:// and https:// URLs are accepted"}},
	{target.ErrSyntax, audit.Text{FR: "ce n'est pas un nom de domaine", EN: "not a domain name"}},
	{target.ErrInvalidChar, audit.Text{FR: "caractère interdit dans un nom de domaine", EN: "character not allowed in a domain name"}},
	{target.ErrEmptyLabel, audit.Text{FR: "étiquette vide (deux points de suite, ou un point au début)", EN: "empty label (two dots in a row, or a leading dot)"}},
	{target.ErrLabelTooLong, audit.Text{FR: "une étiquette dépasse 63 octets", EN: "a label is longer than 63 octets"}},
	{target.ErrNameTooLong, audit.Text{FR: "le nom dépasse 253 octets", EN: "the name is longer than 253 octets"}},
	{target.ErrIDNA, audit.Text{FR: "nom internationalisé invalide", EN: "invalid internationalised name"}},
	{target.ErrSingleLabel, audit.Text{FR: "nom d'une seule étiquette : donnez un domaine complet (exemple.fr)", EN: "single-label name: give a full domain (example.fr)"}},
	{target.ErrPublicSuffix, audit.Text{FR: "suffixe public (comme fr ou gouv.fr), pas un domaine qu'on enregistre", EN: "public suffix (like fr or gouv.fr), not a registrable domain"}},
}

// targetText says why target.Parse refused a name.
func targetText(err error) audit.Text {
	for _, t := range targetTexts {
		if errors.Is(err, t.err) {
			return audit.Text{FR: "Ce nom ne peut pas être audité : " + t.why.FR + ".", EN: "This name cannot be audited: " + t.why.EN + "."}
		}
	}
	return audit.Text{FR: "Ce nom ne peut pas être audité.", EN: "This name cannot be audited."}
}

// readable writes a duration for a reader, the same in French and
// English: "45 s", "3 min", "1 h".
func readable(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%d min", (d+30*time.Second)/time.Minute)
	}
	return fmt.Sprintf("%d s", max(1, (d+time.Second/2)/time.Second))
}

// window writes a rate window: "heure" and "hour" for an hour.
func window(d time.Duration) audit.Text {
	if d == time.Hour {
		return audit.Text{FR: "heure", EN: "hour"}
	}
	return audit.Text{FR: readable(d), EN: readable(d)}
}
