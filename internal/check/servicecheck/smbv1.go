package servicecheck

import "vigie.eu/vigie/internal/audit"

var defSMBv1 = &audit.Definition{
	ID:       "services.smb.smbv1",
	Severity: audit.High,
	Title:    audit.Text{FR: "SMBv1 activé : le protocole de WannaCry et NotPetya", EN: "SMBv1 enabled: the protocol of WannaCry and NotPetya"},
	Remediation: audit.Text{
		FR: "Désactiver SMBv1 (Windows : « Set-SmbServerConfiguration -EnableSMB1Protocol $false » et retirer la fonctionnalité ; Samba : « server min protocol = SMB2_10 ») et fermer le port 445 au pare-feu.",
		EN: "Disable SMBv1 (Windows: \"Set-SmbServerConfiguration -EnableSMB1Protocol $false\" and remove the feature; Samba: \"server min protocol = SMB2_10\") and close port 445 at the firewall.",
	},
	Standard: stdSMB1,
}

// SMBv1 reports SMB servers that accept the SMB1 dialect "NT LM 0.12"
// ([MS-CIFS] 2.2.4.52).
var SMBv1 = audit.CheckFunc("services.smb.smbv1", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	each(o, func(a *audit.ServiceAddress, s *audit.Service) {
		if s.SMB != nil && s.SMB.SMB1 {
			out = append(out, defSMBv1.New(endpoint(a, s), audit.M("services.smbv1", "endpoint", endpoint(a, s))))
		}
	})
	return out
}, defSMBv1)
