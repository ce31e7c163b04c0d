package servicecheck

import "vigie.eu/vigie/internal/audit"

// exposure is how each kind of service open to the internet is judged.
var exposure = map[string]*audit.Definition{
	"rdp": {
		ID:       "services.rdp.exposed",
		Severity: audit.High,
		Title:    audit.Text{FR: "Bureau à distance (RDP) ouvert sur internet", EN: "Remote desktop (RDP) open to the internet"},
		Remediation: audit.Text{
			FR: "Fermer le port 3389 au pare-feu et passer par un VPN à jour avec authentification forte ; à défaut, une passerelle RD Gateway avec authentification multifacteur. Le bureau à distance exposé est la première porte d'entrée des rançongiciels.",
			EN: "Close port 3389 at the firewall and go through an up-to-date VPN with strong authentication; failing that, an RD Gateway with multi-factor authentication. Exposed remote desktop is ransomware's first way in.",
		},
		Standard: stdRDP,
	},
	"smb": {
		ID:       "services.smb.exposed",
		Severity: audit.Critical,
		Title:    audit.Text{FR: "Partage de fichiers Windows (SMB) ouvert sur internet", EN: "Windows file sharing (SMB) open to the internet"},
		Remediation: audit.Text{
			FR: "Fermer le port 445 (et 139) au pare-feu, en entrée comme en sortie : SMB n'a pas sa place sur internet ; donner accès aux fichiers par un VPN à jour.",
			EN: "Close port 445 (and 139) at the firewall, inbound and outbound: SMB does not belong on the internet; give access to files through an up-to-date VPN.",
		},
		Standard: stdANSSI,
	},
	"telnet": {
		ID:       "services.telnet.exposed",
		Severity: audit.High,
		Title:    audit.Text{FR: "Telnet ouvert sur internet : administration en clair", EN: "Telnet open to the internet: cleartext administration"},
		Remediation: audit.Text{
			FR: "Désactiver Telnet (port 23) et administrer par SSH, accessible seulement depuis un réseau d'administration ou un VPN.",
			EN: "Disable Telnet (port 23) and administer over SSH, reachable only from an administration network or a VPN.",
		},
		Standard: stdANSSI,
	},
	"vnc": {
		ID:       "services.vnc.exposed",
		Severity: audit.High,
		Title:    audit.Text{FR: "Prise de main à distance VNC ouverte sur internet", EN: "VNC remote control open to the internet"},
		Remediation: audit.Text{
			FR: "Fermer le port 5900 au pare-feu ; passer par un VPN à jour, VNC ne chiffre pas et ses mots de passe sont courts.",
			EN: "Close port 5900 at the firewall; go through an up-to-date VPN: VNC does not encrypt and its passwords are short.",
		},
		Standard: stdANSSI,
	},
	"database": {
		ID:       "services.database.exposed",
		Severity: audit.High,
		Title:    audit.Text{FR: "Base de données ou cache ouvert sur internet", EN: "Database or cache open to the internet"},
		Remediation: audit.Text{
			FR: "Fermer le port de la base au pare-feu et la lier à une adresse interne (MySQL : « bind-address = 127.0.0.1 » ; PostgreSQL : « listen_addresses » ; Redis : « bind 127.0.0.1 » et « protected-mode yes ») ; seules les applications qui s'en servent doivent la joindre.",
			EN: "Close the database's port at the firewall and bind it to an internal address (MySQL: \"bind-address = 127.0.0.1\"; PostgreSQL: \"listen_addresses\"; Redis: \"bind 127.0.0.1\" and \"protected-mode yes\"); only the applications that use it should reach it.",
		},
		Standard: stdANSSI,
	},
	"container": {
		ID:       "services.container_api.exposed",
		Severity: audit.High,
		Title:    audit.Text{FR: "API de conteneurs ou d'orchestration ouverte sur internet", EN: "Container or orchestration API open to the internet"},
		Remediation: audit.Text{
			FR: "Fermer les ports de Docker (2375) et de Kubernetes (6443) au pare-feu ; ne jamais exposer le démon Docker sans TLS mutuel ; réserver l'API Kubernetes au réseau d'administration.",
			EN: "Close the Docker (2375) and Kubernetes (6443) ports at the firewall; never expose the Docker daemon without mutual TLS; keep the Kubernetes API to the administration network.",
		},
		Standard: stdANSSI,
	},
	"ftp": {
		ID:       "services.ftp.cleartext",
		Severity: audit.Medium,
		Title:    audit.Text{FR: "Serveur FTP ouvert sur internet : mots de passe et fichiers en clair", EN: "FTP server open to the internet: passwords and files in clear text"},
		Remediation: audit.Text{
			FR: "Remplacer FTP par SFTP (SSH) ou par HTTPS ; à défaut, exiger FTPS (« ssl_enable=YES » et « force_local_logins_ssl=YES » pour vsftpd).",
			EN: "Replace FTP with SFTP (SSH) or HTTPS; failing that, require FTPS (\"ssl_enable=YES\" and \"force_local_logins_ssl=YES\" for vsftpd).",
		},
		Standard: stdANSSI,
	},
}

// kind is the exposure kind of a service name, "" when open is not a
// finding by itself (SSH, the web).
func kind(name string) string {
	switch name {
	case "rdp", "smb", "telnet", "vnc", "ftp":
		return name
	case "mysql", "postgresql", "mssql", "mongodb", "redis", "memcached", "elasticsearch":
		return "database"
	case "docker", "kubernetes":
		return "container"
	}
	return ""
}

// Exposed reports remote desktop, SMB, Telnet, VNC, FTP, databases and
// container APIs that accept connections from the internet.
var Exposed = audit.CheckFunc("services.exposed", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	each(o, func(a *audit.ServiceAddress, s *audit.Service) {
		if d := exposure[kind(serviceName(s))]; d != nil {
			out = append(out, d.New(endpoint(a, s), openMessage(a, s)))
		}
	})
	return out
}, exposure["rdp"], exposure["smb"], exposure["telnet"], exposure["vnc"], exposure["database"], exposure["container"], exposure["ftp"])
