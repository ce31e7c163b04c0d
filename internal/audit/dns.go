package audit

import "strings"

// DNSObservation is what the DNS probe saw of the audited domain.
type DNSObservation struct {
	// Resolver is the server that answered ("127.0.0.1:53"), or
	// "system" when the system's resolver configuration was used.
	Resolver string `json:"resolver"`
	// Exists is false when the domain does not exist (NXDOMAIN).
	Exists bool `json:"exists"`
	// Queries records every query made, its response code and error: a
	// record set that is empty because of an error is not the same as
	// one that does not exist.
	Queries []DNSQuery `json:"queries,omitempty"`

	A      []string       `json:"a,omitempty"`    // IPv4 addresses of the domain
	AAAA   []string       `json:"aaaa,omitempty"` // IPv6 addresses of the domain
	NS     []NameServer   `json:"ns,omitempty"`
	SOA    *SOARecord     `json:"soa,omitempty"`
	CAA    []CAARecord    `json:"caa,omitempty"`
	TXT    []string       `json:"txt,omitempty"` // each TXT record, its strings joined
	DS     []DSRecord     `json:"ds,omitempty"`
	DNSKEY []DNSKEYRecord `json:"dnskey,omitempty"`
	// HTTPS holds the HTTPS (SVCB) records, in presentation format.
	HTTPS []string `json:"https,omitempty"`
	// CAADomain is the name where the relevant CAA set was found, after
	// climbing the tree as RFC 8659 section 3 says; empty if none.
	CAADomain string `json:"caa_domain,omitempty"`
	// WWW holds the addresses of www.DOMAIN.
	WWW *HostAddresses `json:"www,omitempty"`
	// CNAME is the end of the domain's alias chain when its A or AAAA
	// query met a CNAME (rare at a zone's apex).
	CNAME string `json:"cname,omitempty"`

	// DNSSEC is the result of vigie's own validation of the domain's
	// records, from the trust anchor down.
	DNSSEC *DNSSECObservation `json:"dnssec,omitempty"`
	// DNSSECVerifications is the number of signature verifications
	// vigie's validator made for the audit, bounded by a budget (see
	// DNSSECLimitVerifications); what was verified once is not verified
	// again. The DNS probe counts those made when it ends, the other
	// probes' validated queries included.
	DNSSECVerifications int `json:"dnssec_verifications,omitempty"`

	// Error says why the probe could not run at all (an invalid domain
	// name); failures of single queries are in Queries.
	Error string `json:"error,omitempty"`
}

// DNSQuery is one question asked and how it went.
type DNSQuery struct {
	Name  string `json:"name"`
	Type  string `json:"type"`            // "A", "DNSKEY"...
	Rcode string `json:"rcode,omitempty"` // "NOERROR", "NXDOMAIN", "SERVFAIL"...
	// Answers is the number of records of the asked type in the answer.
	Answers int `json:"answers"`
	// TCP is true when the query was retried over TCP after a truncated
	// UDP answer.
	TCP bool `json:"tcp,omitempty"`
	// Error says why no answer came ("i/o timeout"), empty on success.
	Error string `json:"error,omitempty"`
	RTTMS int64  `json:"rtt_ms"`
}

// HostAddresses are the addresses of a host name.
type HostAddresses struct {
	Name  string   `json:"name"`
	IPv4  []string `json:"ipv4,omitempty"`
	IPv6  []string `json:"ipv6,omitempty"`
	Error string   `json:"error,omitempty"`
	// CNAME is the end of the name's alias chain, when it is an alias.
	CNAME string `json:"cname,omitempty"`
}

// NameServer is one name server of the zone and its addresses.
type NameServer struct {
	Name  string   `json:"name"`
	IPv4  []string `json:"ipv4,omitempty"`
	IPv6  []string `json:"ipv6,omitempty"`
	Error string   `json:"error,omitempty"`
}

// SOARecord is the start of authority of the zone.
type SOARecord struct {
	Zone    string `json:"zone"`
	MName   string `json:"mname"`
	RName   string `json:"rname"`
	Serial  uint32 `json:"serial"`
	Refresh uint32 `json:"refresh"`
	Retry   uint32 `json:"retry"`
	Expire  uint32 `json:"expire"`
	Minimum uint32 `json:"minimum"`
}

// CAARecord is a Certification Authority Authorization record (RFC 8659).
type CAARecord struct {
	Flag  uint8  `json:"flag"`
	Tag   string `json:"tag"`
	Value string `json:"value"`
}

// DSRecord is a delegation signer record (RFC 4034 section 5).
type DSRecord struct {
	KeyTag     uint16 `json:"key_tag"`
	Algorithm  uint8  `json:"algorithm"`
	DigestType uint8  `json:"digest_type"`
	Digest     string `json:"digest"`
}

// DNSKEYRecord is a zone key (RFC 4034 section 2).
type DNSKEYRecord struct {
	Flags     uint16 `json:"flags"`
	Protocol  uint8  `json:"protocol"`
	Algorithm uint8  `json:"algorithm"`
	KeyTag    uint16 `json:"key_tag"`
	// Bits is the size of the public key (RSA modulus, curve size).
	Bits int `json:"bits,omitempty"`
}

// DNSSEC validation statuses (RFC 4033 section 5).
const (
	DNSSECSecure        = "secure"
	DNSSECInsecure      = "insecure"
	DNSSECBogus         = "bogus"
	DNSSECIndeterminate = "indeterminate"
)

// DNSSECObservation is the result of validating the domain's answers from
// the trust anchor down, one zone cut at a time.
type DNSSECObservation struct {
	// Status is secure, insecure, bogus or indeterminate.
	Status string `json:"status"`
	// Reason explains the status in one line: for insecure, where the
	// chain of trust stops ("no DS for example.test in test"); for
	// bogus, what failed ("RRSIG over example.test/A expired").
	Reason string `json:"reason,omitempty"`
	// Anchor names the trust anchor used ("IANA root KSK 20326").
	Anchor string `json:"anchor,omitempty"`
	// Chain lists each zone from the root to the domain's zone.
	Chain []DNSSECZone `json:"chain,omitempty"`
	// Algorithms lists the DNSKEY algorithms of the domain's zone,
	// by number (RFC 8624).
	Algorithms []uint8 `json:"algorithms,omitempty"`
	// Limit names the limit that cut the validation short when it is
	// why the status is indeterminate (one of the DNSSECLimit values):
	// a budget spent or a record set too large to be verified.
	Limit string `json:"limit,omitempty"`
	// Unsupported says, when the status is insecure because of it,
	// which algorithms or digest types of the chain vigie cannot verify
	// ("DS algorithm 16 (ED448)"): RFC 4035 section 5.2 and RFC 8624
	// section 3 make such a zone insecure for the validator. It is
	// vigie's limit, not a fault of the domain.
	Unsupported []string `json:"unsupported,omitempty"`
}

// Limits of DNSSEC validation (DNSSECObservation.Limit): the validator
// bounds its work against zones built to exhaust it (CVE-2023-50387,
// "KeyTrap"), and says which bound stopped it.
const (
	// DNSSECLimitVerifications: the audit's budget of signature
	// verifications was spent.
	DNSSECLimitVerifications = "verifications"
	// DNSSECLimitKeysPerTag: more keys share the key tag and algorithm
	// of an RRSIG than the validator tries.
	DNSSECLimitKeysPerTag = "keys_per_tag"
	// DNSSECLimitSignatures: more RRSIGs cover one RRset than the
	// validator tries or accepts.
	DNSSECLimitSignatures = "signatures"
	// DNSSECLimitRecords: a DNSKEY, DS or NSEC3 set holds more records
	// than the validator accepts.
	DNSSECLimitRecords = "records"
	// DNSSECLimitDeadline: the audit's deadline came between two
	// verifications.
	DNSSECLimitDeadline = "deadline"
	// DNSSECLimitKeyCost: a key would cost more CPU per verification
	// than the validator spends (an RSA exponent over 65537).
	DNSSECLimitKeyCost = "key_cost"
)

// DNSSECZone is one link of the chain of trust.
type DNSSECZone struct {
	Zone   string `json:"zone"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// DS and DNSKEY say whether the zone has a DS in its parent and
	// a DNSKEY set.
	DS     bool `json:"ds"`
	DNSKEY bool `json:"dnskey"`
}

// Answered reports whether the DNS server answered (NOERROR or NXDOMAIN)
// at least one question about domain itself. When it did not (every
// query timed out, was refused or got SERVFAIL), nothing about the
// domain can be known.
func (d *DNSObservation) Answered(domain string) bool {
	if d == nil || d.Error != "" {
		return false
	}
	for _, q := range d.Queries {
		if q.Error == "" && (q.Rcode == "NOERROR" || q.Rcode == "NXDOMAIN") && sameName(q.Name, domain) {
			return true
		}
	}
	return false
}

// Failure says what came instead of an answer about domain: the
// probe's error, the response code of a failed query ("SERVFAIL") or
// its error ("i/o timeout"), the first found in that order.
func (d *DNSObservation) Failure(domain string) string {
	if d == nil {
		return "no DNS observation"
	}
	if d.Error != "" {
		return d.Error
	}
	var failure string
	for _, q := range d.Queries {
		if !sameName(q.Name, domain) {
			continue
		}
		if q.Rcode != "" && q.Rcode != "NOERROR" && q.Rcode != "NXDOMAIN" {
			return q.Rcode
		}
		if failure == "" {
			failure = q.Error
		}
	}
	if failure == "" {
		failure = "no query about the domain"
	}
	return failure
}

// sameName compares two domain names, in any case, with or without a
// final dot.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}
