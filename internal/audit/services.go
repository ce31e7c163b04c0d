package audit

// ServicesObservation is what the services probe (--services, for
// operators) saw: which of a short list of risky TCP ports answer on the
// addresses the audit met, and what answers there, identified lightly
// from what the server says first or to one harmless question. It never
// logs in, never sends an exploit, never guesses a password.
type ServicesObservation struct {
	// Ports are the ports tried on every address, in order.
	Ports []int `json:"ports"`
	// Addresses has one entry per address probed, sorted.
	Addresses []*ServiceAddress `json:"addresses,omitempty"`
	// Connections is the number of TCP connections opened, in all.
	Connections int `json:"connections"`
	// DurationMS is the wall time of the probe, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// Error says why the probe could not run at all.
	Error string `json:"error,omitempty"`
}

// ServiceAddress is one address and what answered on it.
type ServiceAddress struct {
	// Address is the IP address.
	Address string `json:"address"`
	// Names are the host names that led to it (the domain, www, MX
	// hosts, usual names such as vpn.), sorted.
	Names []string `json:"names"`
	// Open are the ports that accepted a connection, by port.
	Open []*Service `json:"open,omitempty"`
	// Closed counts the ports that refused the connection; Filtered
	// those that did not answer in time; Refused those the address
	// guard did not dial.
	Closed   int `json:"closed"`
	Filtered int `json:"filtered"`
	Refused  int `json:"refused,omitempty"`
}

// Service is one open port and what was identified there.
type Service struct {
	Port int `json:"port"`
	// Name is what answers, as vigie names it: "ssh", "ftp", "telnet",
	// "rdp", "smb", "vnc", "redis", "memcached", "elasticsearch",
	// "mongodb", "mysql", "postgresql", "mssql", "docker",
	// "kubernetes", "http", "https", or "unknown".
	Name string `json:"name"`
	// Expected is the service the port is known for, whether or not
	// it was confirmed.
	Expected string `json:"expected"`
	// Identified is true when the answer confirmed Name; false when
	// the port is open but said nothing that vigie recognises (Name
	// is then Expected, or "unknown").
	Identified bool `json:"identified"`
	// Banner is the first line the server sent or what identifies it,
	// bounded (see Quote when rendering it).
	Banner string `json:"banner,omitempty"`
	// Product and Version are the software and its version as the
	// server states them ("OpenSSH", "9.2p1"); empty when unknown.
	Product string `json:"product,omitempty"`
	Version string `json:"version,omitempty"`
	// NoAuth is true when the service answered a question that needs
	// no password but should need one (a Redis INFO, the databases of
	// a MongoDB, an Elasticsearch cluster, memcached stats).
	NoAuth bool `json:"no_auth,omitempty"`
	// RDP is what the RDP connection confirm said; nil for other
	// services.
	RDP *RDPInfo `json:"rdp,omitempty"`
	// SMB is what the SMB negotiations said; nil for other services.
	SMB *SMBInfo `json:"smb,omitempty"`
	// VNC is what the RFB handshake said; nil for other services.
	VNC *VNCInfo `json:"vnc,omitempty"`
	// Web is what an admin or VPN web page said; nil for other
	// services.
	Web *WebInfo `json:"web,omitempty"`
	// Error says what went wrong in the identification (a timeout, a
	// protocol error); the port is open all the same.
	Error string `json:"error,omitempty"`
}

// RDPInfo is the answer to an X.224 connection request with an RDP
// negotiation request offering standard RDP security, TLS and CredSSP
// ([MS-RDPBCGR] 2.2.1.1 and 2.2.1.2).
type RDPInfo struct {
	// Selected is the protocol the server chose: "rdp", "tls",
	// "credssp", "credssp-early", "rdstls", or "" when it sent no
	// negotiation response.
	Selected string `json:"selected,omitempty"`
	// NLARequired is true when the server requires network level
	// authentication (it chose CredSSP, or refused the connection
	// with HYBRID_REQUIRED_BY_SERVER).
	NLARequired bool `json:"nla_required"`
	// Failure is the code of a negotiation failure
	// ([MS-RDPBCGR] 2.2.1.2.2), 0 when none.
	Failure int `json:"failure,omitempty"`
}

// SMBInfo is what two SMB negotiations said: one offering only the SMB1
// dialect "NT LM 0.12" ([MS-CIFS] 2.2.4.52), one offering the SMB 2 and
// 3 dialects ([MS-SMB2] 2.2.3).
type SMBInfo struct {
	// SMB1 is true when the server accepted the SMB1 dialect.
	SMB1 bool `json:"smb1"`
	// Dialect is the SMB 2 or 3 dialect the server chose ("2.0.2",
	// "2.1", "3.0", "3.0.2", "3.1.1"), "" when none.
	Dialect string `json:"dialect,omitempty"`
	// SigningRequired is true when the SMB 2 answer says that
	// messages must be signed.
	SigningRequired bool `json:"signing_required"`
}

// VNCInfo is the start of the RFB handshake (RFC 6143 section 7.1).
type VNCInfo struct {
	// Version is the protocol version the server announced ("3.8").
	Version string `json:"version"`
	// SecurityTypes are the security types it offered (1 is None:
	// no password at all).
	SecurityTypes []int `json:"security_types,omitempty"`
}

// WebInfo is what an admin or VPN web page said in answer to GET /.
type WebInfo struct {
	Status int `json:"status"`
	// Server and PoweredBy are the Server and X-Powered-By headers;
	// OWAVersion is the Exchange build of Outlook on the web: its
	// X-OWA-Version header, else the build in its login page's paths.
	Server     string `json:"server,omitempty"`
	PoweredBy  string `json:"powered_by,omitempty"`
	OWAVersion string `json:"owa_version,omitempty"`
	// Title is the page's title, bounded.
	Title string `json:"title,omitempty"`
	// Admin is true when the page is the login of a known admin or
	// VPN product (Product names it).
	Admin bool `json:"admin,omitempty"`
	// Product is the admin or VPN product recognised on the page
	// ("Fortinet FortiGate SSL VPN"); its version is OWAVersion for
	// Exchange, else unknown: the login pages of FortiGate, Ivanti and
	// the other appliances do not show their version in words, and
	// vigie keeps no fingerprint table of their files.
	Product string `json:"product,omitempty"`
}
