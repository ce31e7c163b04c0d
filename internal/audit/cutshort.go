package audit

import (
	"strings"
)

// Text says, in lang, that the audit's deadline ended probes and which
// ones: what the result lacks, and that its grade counts only the rest.
func (c *CutShort) Text(lang string) string {
	if c == nil {
		return ""
	}
	fr := lang != "en"
	var names []string
	for _, p := range c.Probes {
		names = append(names, cutProbeName(p, fr))
	}
	secs := Decimal(float64(c.DeadlineMS)/1000, 0, lang)
	if c.DeadlineMS%1000 != 0 {
		secs = Decimal(float64(c.DeadlineMS)/1000, 1, lang)
	}
	if fr {
		return "le délai de l'audit (" + secs + "\u00a0s) a pris fin avant " + strings.Join(names, ", ") +
			"\u202f; ce qu'ils n'ont pas vu manque au résultat, et la note ne porte que sur le reste. Relancer l'audit avec un délai plus long (--timeout) ou quand les serveurs répondent plus vite."
	}
	return "the audit's deadline (" + secs + " s) ended " + strings.Join(names, ", ") +
		" before they were done; what they did not see is missing from the result, and the grade counts only the rest. Run the audit again with a longer deadline (--timeout) or when the servers answer faster."
}

// cutProbeName names a probe of CutShort.Probes for a reader.
func cutProbeName(p string, fr bool) string {
	kind, host, _ := strings.Cut(p, " ")
	switch {
	case p == "dns":
		return pick(fr, "l'interrogation DNS du domaine", "the domain's DNS queries")
	case p == "mail":
		return pick(fr, "l'examen de la messagerie", "the mail probe")
	case p == "services":
		return pick(fr, "l'examen des services exposés", "the services probe")
	case p == "security.txt":
		return pick(fr, "la lecture de security.txt", "the security.txt fetch")
	case kind == "dns":
		return pick(fr, "la résolution de ", "the lookup of ") + host
	case kind == "tls":
		return pick(fr, "l'examen TLS de ", "the TLS probe of ") + host
	case strings.Contains(p, "://"):
		return pick(fr, "la page ", "the page ") + p
	}
	return p
}

func pick(fr bool, a, b string) string {
	if fr {
		return a
	}
	return b
}
