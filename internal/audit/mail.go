package audit

// MailObservation is what the mail probe saw of the audited domain: its MX
// hosts and what each one speaks on port 25, and the DNS records that
// protect mail sent from the domain (SPF, DMARC, DKIM) or to it (MTA-STS,
// TLS-RPT, DANE).
type MailObservation struct {
	MX     *MXObservation     `json:"mx,omitempty"`
	SPF    *SPFObservation    `json:"spf,omitempty"`
	DMARC  *DMARCObservation  `json:"dmarc,omitempty"`
	DKIM   *DKIMObservation   `json:"dkim,omitempty"`
	MTASTS *MTASTSObservation `json:"mta_sts,omitempty"`
	TLSRPT *TLSRPTObservation `json:"tls_rpt,omitempty"`
	// Error says why the probe could not run at all (an invalid
	// domain name).
	Error string `json:"error,omitempty"`
}

// Tag is one tag=value pair of a DMARC, DKIM, MTA-STS or TLS-RPT record,
// as written (value trimmed of surrounding white space).
type Tag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MXObservation is the MX set of the domain and what each host answered.
type MXObservation struct {
	// Rcode is the response code of the MX query ("NOERROR",
	// "NXDOMAIN"); Error says why no answer came.
	Rcode string `json:"rcode,omitempty"`
	Error string `json:"error,omitempty"`
	// Records are the MX records, by preference then name.
	Records []MXRecord `json:"records,omitempty"`
	// Null is true when the domain publishes the null MX of RFC 7505
	// ("0 ."): it accepts no mail.
	Null bool `json:"null,omitempty"`
	// Implicit is true when there is no MX record and the domain's own
	// address is used instead (RFC 5321 section 5.1).
	Implicit bool `json:"implicit,omitempty"`
	// Hosts has one entry per mail host (the MX targets, or the domain
	// itself when Implicit), by preference.
	Hosts []*MXHost `json:"hosts,omitempty"`
}

// MXRecord is one MX record (RFC 5321 section 5.1).
type MXRecord struct {
	Preference uint16 `json:"preference"`
	Host       string `json:"host"`
}

// MXHost is one mail host: its addresses, its SMTP service on each
// address, and its TLSA records.
type MXHost struct {
	Name       string `json:"name"`
	Preference uint16 `json:"preference"`
	// CNAME is the canonical name when Name is an alias, which RFC
	// 5321 section 5.1 and RFC 2181 section 10.3 forbid for an MX
	// target.
	CNAME string `json:"cname,omitempty"`
	// AddressLiteral is true when the MX target is an IP address
	// written as a name ("192.0.2.1"), which RFC 7505 section 3 and
	// RFC 5321 section 5.1 do not allow.
	AddressLiteral bool     `json:"address_literal,omitempty"`
	IPv4           []string `json:"ipv4,omitempty"`
	IPv6           []string `json:"ipv6,omitempty"`
	// Error says why the addresses could not be found.
	Error string `json:"error,omitempty"`
	// SMTP has one entry per address probed on the SMTP port.
	SMTP []*SMTPObservation `json:"smtp,omitempty"`
	// TLSA is what was found at _25._tcp.NAME (RFC 7672 section 2.2).
	TLSA *TLSAObservation `json:"tlsa,omitempty"`
}

// SMTPObservation is one SMTP session with one address of a mail host
// (RFC 5321), up to STARTTLS (RFC 3207) and the TLS handshake.
type SMTPObservation struct {
	// Address is the IP address and port probed ("192.0.2.1:25").
	Address string `json:"address"`
	// Error says why the session stopped before STARTTLS was known
	// (refused, timeout, a banner that is not SMTP); the fields before
	// the failure are kept.
	Error string `json:"error,omitempty"`
	// BannerCode is the reply code of the greeting (220 normally,
	// 554 for a server that refuses service).
	BannerCode int `json:"banner_code,omitempty"`
	// Banner is the text of the greeting, its lines joined with "\n",
	// at most 512 bytes.
	Banner string `json:"banner,omitempty"`
	// EHLOCode is the reply code to EHLO; EHLO lists the keywords of
	// its reply (RFC 5321 section 4.1.1.1), upper-cased, with their
	// parameters ("SIZE 10240000").
	EHLOCode int      `json:"ehlo_code,omitempty"`
	EHLO     []string `json:"ehlo,omitempty"`
	// STARTTLS is true when EHLO offered the STARTTLS keyword.
	STARTTLS bool `json:"starttls"`
	// STARTTLSCode is the reply to the STARTTLS command (220 to go
	// ahead); 0 when the command was not sent.
	STARTTLSCode int `json:"starttls_code,omitempty"`
	// TLSError says why the TLS session after STARTTLS failed.
	TLSError string `json:"tls_error,omitempty"`
	// Chain has the digests of each certificate the server sent in the
	// STARTTLS handshake, leaf first, as TLSA records match them.
	Chain []DANEDigests `json:"chain,omitempty"`
	// TLS is the full TLS probe through STARTTLS (versions, suites,
	// certificate verified against the MX host name); nil when
	// STARTTLS was not offered.
	TLS *TLSObservation `json:"tls,omitempty"`
}

// DANEDigests are the digests of one certificate that TLSA records can
// name (RFC 6698 section 2.1): of the whole certificate or of its
// SubjectPublicKeyInfo, with SHA-256 or SHA-512, hex in lower case.
type DANEDigests struct {
	CertSHA256 string `json:"cert_sha256"`
	CertSHA512 string `json:"cert_sha512"`
	SPKISHA256 string `json:"spki_sha256"`
	SPKISHA512 string `json:"spki_sha512"`
}

// TLSAObservation is the TLSA set of one MX host (RFC 7672 section 2.2).
type TLSAObservation struct {
	Name    string       `json:"name"` // "_25._tcp.mx.example.test"
	Rcode   string       `json:"rcode,omitempty"`
	Error   string       `json:"error,omitempty"`
	Records []TLSARecord `json:"records,omitempty"`
	// DNSSEC is the status of vigie's own validation of the answer
	// (secure, insecure, bogus, indeterminate), with its reason. It is
	// not the AD bit of a resolver.
	DNSSEC       string `json:"dnssec,omitempty"`
	DNSSECReason string `json:"dnssec_reason,omitempty"`
}

// TLSARecord is one TLSA record (RFC 6698 section 2.1).
type TLSARecord struct {
	Usage        uint8  `json:"usage"`
	Selector     uint8  `json:"selector"`
	MatchingType uint8  `json:"matching_type"`
	Data         string `json:"data"` // hex, lower case
}

// SPFObservation is the SPF policy of the domain (RFC 7208), evaluated as
// a receiver would for a sender address that matches no mechanism, so that
// every term is looked at: each include and redirect is followed, and the
// DNS lookups counted.
type SPFObservation struct {
	// Records are the TXT records of the domain that start with
	// "v=spf1" (RFC 7208 section 4.5); more than one is a permerror.
	Records []string `json:"records,omitempty"`
	// Error says why the TXT records could not be read.
	Error string `json:"error,omitempty"`
	// Tree is the evaluation of the record, with its includes and
	// redirect; nil unless there is exactly one record.
	Tree *SPFNode `json:"tree,omitempty"`
	// Lookups counts the terms that cause DNS lookups (include, a, mx,
	// ptr, exists, redirect) over the whole evaluation; RFC 7208
	// section 4.6.4 allows 10.
	Lookups int `json:"lookups"`
	// VoidLookups counts the lookups that returned no record
	// (NOERROR with no answer, or NXDOMAIN); section 4.6.4 allows 2.
	VoidLookups int `json:"void_lookups"`
	// Errors lists what makes the evaluation fail (a permerror, or a
	// temperror for DNS failures), in the order met.
	Errors []SPFError `json:"errors,omitempty"`
}

// Kinds of SPF evaluation errors (SPFError.Kind).
const (
	SPFErrSyntax      = "syntax"       // a term or record that does not parse (RFC 7208 section 4.6)
	SPFErrLookups     = "lookups"      // more than 10 lookup terms (section 4.6.4)
	SPFErrVoidLookups = "void_lookups" // more than 2 void lookups (section 4.6.4)
	SPFErrMXNames     = "mx_names"     // an mx mechanism with more than 10 MX names (section 4.6.4)
	SPFErrLoop        = "loop"         // an include or redirect back to a domain being evaluated
	SPFErrNoRecord    = "no_record"    // an include or redirect to a domain without an SPF record (sections 5.2, 6.1)
	SPFErrMultiple    = "multiple"     // several SPF records at one domain (section 4.5)
	SPFErrDNS         = "dns"          // a DNS failure (a temperror, section 2.6.6)
	SPFErrQueries     = "queries"      // vigie's own bound on the queries of one evaluation
)

// SPFError is one error of an SPF evaluation.
type SPFError struct {
	Kind string `json:"kind"`
	// Domain is the domain whose record holds the error.
	Domain  string `json:"domain"`
	Message string `json:"message"`
}

// SPFNode is one SPF record in the evaluation tree.
type SPFNode struct {
	Domain string `json:"domain"`
	// Via is how the node was reached: "" for the audited domain,
	// "include" or "redirect".
	Via    string    `json:"via,omitempty"`
	Record string    `json:"record,omitempty"`
	Terms  []SPFTerm `json:"terms,omitempty"`
	// Error says why this record could not be evaluated (no record,
	// several, a DNS error, a loop); syntax errors are on the terms.
	Error    string     `json:"error,omitempty"`
	Children []*SPFNode `json:"children,omitempty"`
}

// SPFTerm is one mechanism or modifier of an SPF record (RFC 7208
// section 4.6.1).
type SPFTerm struct {
	// Qualifier is "+", "-", "~" or "?" for a mechanism (the default
	// "+" made explicit), empty for a modifier.
	Qualifier string `json:"qualifier,omitempty"`
	// Name is the mechanism ("all", "include", "a", "mx", "ptr",
	// "ip4", "ip6", "exists") or the modifier ("redirect", "exp",
	// another name) in lower case.
	Name     string `json:"name"`
	Modifier bool   `json:"modifier,omitempty"`
	// Value is what follows the name: a domain-spec, a network, a CIDR
	// length, as written.
	Value string `json:"value,omitempty"`
	// Lookup is true when the term counts towards the limit of 10
	// DNS lookups; Void when its lookup returned no record.
	Lookup bool `json:"lookup,omitempty"`
	Void   bool `json:"void,omitempty"`
	// Error is a syntax or evaluation error of this term.
	Error string `json:"error,omitempty"`
}

// DMARCObservation is the DMARC policy that applies to the domain (RFC
// 7489).
type DMARCObservation struct {
	// Name is where the record was looked for last: _dmarc.DOMAIN,
	// or _dmarc.ORGDOMAIN after the fallback of RFC 7489 section 6.6.3.
	Name string `json:"name"`
	// OrgDomain is the organisational domain (RFC 7489 section 3.2);
	// Fallback is true when the policy comes from it.
	OrgDomain string `json:"org_domain,omitempty"`
	Fallback  bool   `json:"fallback,omitempty"`
	// Error says why the TXT records could not be read.
	Error string `json:"error,omitempty"`
	// Records are the TXT records at Name that start with "v=DMARC1";
	// more than one means no policy (RFC 7489 section 6.6.3).
	Records []string `json:"records,omitempty"`
	// Tags are the tags of the record, in order.
	Tags []Tag `json:"tags,omitempty"`
	// Policy (p), SubdomainPolicy (sp), Percent (pct), AlignDKIM
	// (adkim), AlignSPF (aspf): as written, empty or nil when absent.
	Policy          string `json:"p,omitempty"`
	SubdomainPolicy string `json:"sp,omitempty"`
	Percent         *int   `json:"pct,omitempty"`
	AlignDKIM       string `json:"adkim,omitempty"`
	AlignSPF        string `json:"aspf,omitempty"`
	// RUA and RUF are the report addresses, with their authorisation
	// when they lie outside the domain.
	RUA []DMARCReportAddress `json:"rua,omitempty"`
	RUF []DMARCReportAddress `json:"ruf,omitempty"`
	// Errors are the syntax errors of the record.
	Errors []string `json:"errors,omitempty"`
}

// DMARCReportAddress is one rua or ruf URI (RFC 7489 section 6.4).
type DMARCReportAddress struct {
	URI string `json:"uri"`
	// Domain is the domain of the mailto: address.
	Domain string `json:"domain,omitempty"`
	// External is true when Domain's organisational domain differs
	// from the policy's (RFC 7489 section 7.1).
	External bool `json:"external,omitempty"`
	// AuthName is the name of the authorisation record
	// (DOMAIN._report._dmarc.DEST); Authorized says whether a
	// "v=DMARC1" TXT record was found there. Both only when External.
	AuthName   string `json:"auth_name,omitempty"`
	Authorized *bool  `json:"authorized,omitempty"`
	// Error is a syntax error of the URI or why the authorisation
	// record could not be read.
	Error string `json:"error,omitempty"`
}

// DKIMObservation is what was found of the domain's DKIM keys (RFC 6376).
// Selectors cannot be listed from DNS: the probe asks those the user gave
// and a list of common ones.
type DKIMObservation struct {
	// DomainKeyRcode is the response code at _domainkey.DOMAIN:
	// NOERROR hints that selectors exist below it (an empty
	// non-terminal, RFC 8020), NXDOMAIN that none does.
	DomainKeyRcode string `json:"domainkey_rcode,omitempty"`
	// Tried lists the selectors asked, the user's first.
	Tried []string `json:"tried,omitempty"`
	// Selectors has an entry for each selector the user gave, for
	// each common selector where a record was found, and for each whose
	// query failed.
	Selectors []DKIMSelector `json:"selectors,omitempty"`
}

// DKIMSelector is the key record of one selector (RFC 6376 section 3.6.1).
type DKIMSelector struct {
	Selector string `json:"selector"`
	Name     string `json:"name"` // SELECTOR._domainkey.DOMAIN
	// Given is true for a selector named by the user.
	Given bool   `json:"given,omitempty"`
	Rcode string `json:"rcode,omitempty"`
	Error string `json:"error,omitempty"`
	// Found is true when a key record was found (several TXT records
	// at the name: the first is used).
	Found  bool   `json:"found"`
	Record string `json:"record,omitempty"`
	Tags   []Tag  `json:"tags,omitempty"`
	// KeyType is k= ("rsa" by default, "ed25519"); KeyBits the size of
	// the public key (RSA modulus, 256 for Ed25519).
	KeyType string `json:"key_type,omitempty"`
	KeyBits int    `json:"key_bits,omitempty"`
	// Revoked is true for an empty p= (RFC 6376 section 3.6.1).
	Revoked bool `json:"revoked,omitempty"`
	// Flags are the t= flags ("y" testing, "s" strict).
	Flags []string `json:"flags,omitempty"`
	// HashAlgorithms is h= ("sha256", "sha1"); empty means any.
	HashAlgorithms []string `json:"hash_algorithms,omitempty"`
	// Errors are syntax errors of the record or its key.
	Errors []string `json:"errors,omitempty"`
}

// MTASTSObservation is the domain's MTA-STS record and policy (RFC 8461).
type MTASTSObservation struct {
	// Records are the TXT records at _mta-sts.DOMAIN that start with
	// "v=STSv1"; Error says why they could not be read.
	Records []string `json:"records,omitempty"`
	Error   string   `json:"error,omitempty"`
	// ID is the id= of the record; RecordErrors its syntax errors.
	ID           string   `json:"id,omitempty"`
	RecordErrors []string `json:"record_errors,omitempty"`
	// PolicyURL is where the policy was fetched, over HTTPS with the
	// certificate verified, no redirect followed (RFC 8461 section 3.3).
	PolicyURL string `json:"policy_url,omitempty"`
	// FetchError says why no policy could be read (connection,
	// certificate, status, too large).
	FetchError  string `json:"fetch_error,omitempty"`
	HTTPStatus  int    `json:"http_status,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	// Policy is the text of the policy, at most 64 KiB.
	Policy string `json:"policy,omitempty"`
	// Version, Mode, MX and MaxAge are the parsed fields of the policy
	// (RFC 8461 section 3.2); MaxAge is nil when absent or invalid.
	Version string   `json:"version,omitempty"`
	Mode    string   `json:"mode,omitempty"`
	MX      []string `json:"mx,omitempty"`
	MaxAge  *int64   `json:"max_age,omitempty"`
	// PolicyErrors are the syntax errors of the policy.
	PolicyErrors []string `json:"policy_errors,omitempty"`
}

// TLSRPTObservation is the domain's SMTP TLS reporting record (RFC 8460).
type TLSRPTObservation struct {
	Name    string   `json:"name"` // _smtp._tls.DOMAIN
	Error   string   `json:"error,omitempty"`
	Records []string `json:"records,omitempty"`
	Tags    []Tag    `json:"tags,omitempty"`
	// RUA are the report URIs (mailto: or https:).
	RUA    []string `json:"rua,omitempty"`
	Errors []string `json:"errors,omitempty"`
}
