package export

import (
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
)

// The catalogue follows DCAT-AP 3 (https://semiceu.github.io/DCAT-AP/):
// a dcat:Catalog holding one dcat:Dataset, with one dcat:Distribution per
// file of the export, each with its format (EU file-type authority
// table), media type (IANA), size and SHA-256 checksum (spdx:checksum).

// jsonldContext is the JSON-LD context of catalog.jsonld.
var jsonldContext = map[string]string{
	"dcat":  "http://www.w3.org/ns/dcat#",
	"dct":   "http://purl.org/dc/terms/",
	"foaf":  "http://xmlns.com/foaf/0.1/",
	"spdx":  "http://spdx.org/rdf/terms#",
	"xsd":   "http://www.w3.org/2001/XMLSchema#",
	"vcard": "http://www.w3.org/2006/vcard/ns#",
	"rdfs":  "http://www.w3.org/2000/01/rdf-schema#",
}

const (
	fileTypeBase  = "http://publications.europa.eu/resource/authority/file-type/"
	mediaTypeBase = "https://www.iana.org/assignments/media-types/"
)

type node = map[string]any

func iri(s string) node { return node{"@id": s} }

func texts(t audit.Text) []node {
	return []node{{"@value": t.FR, "@language": "fr"}, {"@value": t.EN, "@language": "en"}}
}

func dateTime(t time.Time) node {
	return node{"@value": t.UTC().Format("2006-01-02T15:04:05Z"), "@type": "xsd:dateTime"}
}

// writeCatalog writes catalog.jsonld describing every file written so
// far. They must all be closed.
func (e *exporter) writeCatalog() error {
	m := e.meta
	publisher := node{"@id": "#publisher", "@type": "foaf:Agent", "foaf:name": m.Publisher}
	license := node{"@id": m.License, "@type": "dct:LicenseDocument"}
	if m.License == Etalab20 {
		license["rdfs:label"] = "Licence Ouverte / Open Licence version 2.0 (etalab-2.0)"
	}
	var dists []node
	for _, o := range e.outputs {
		url := m.BaseURL + o.name
		d := node{
			"@id":              "#" + o.name,
			"@type":            "dcat:Distribution",
			"dct:title":        o.name,
			"dct:description":  texts(o.describes),
			"dcat:accessURL":   iri(url),
			"dcat:downloadURL": iri(url),
			"dct:format":       iri(fileTypeBase + o.format),
			"dcat:byteSize":    node{"@value": strconv.FormatInt(o.size, 10), "@type": "xsd:nonNegativeInteger"},
			"spdx:checksum": node{
				"@type":              "spdx:Checksum",
				"spdx:algorithm":     iri("http://spdx.org/rdf/terms#checksumAlgorithm_sha256"),
				"spdx:checksumValue": node{"@value": o.checksum(), "@type": "xsd:hexBinary"},
			},
			"dct:license":  iri(m.License),
			"dct:issued":   dateTime(m.Issued),
			"dct:modified": dateTime(m.Issued),
		}
		if o.mediaType != "" {
			d["dcat:mediaType"] = iri(mediaTypeBase + o.mediaType)
		}
		if o.conformsTo != "" {
			d["dct:conformsTo"] = iri(m.BaseURL + o.conformsTo)
		}
		dists = append(dists, d)
	}
	dataset := node{
		"@id":             "#dataset",
		"@type":           "dcat:Dataset",
		"dct:title":       texts(m.Title),
		"dct:description": texts(m.Description),
		"dct:publisher":   iri("#publisher"),
		"dct:issued":      dateTime(m.Issued),
		"dct:modified":    dateTime(m.Issued),
		"dct:temporal": node{
			"@type":          "dct:PeriodOfTime",
			"dcat:startDate": dateTime(e.first),
			"dcat:endDate":   dateTime(e.last),
		},
		"dcat:keyword": []node{
			{"@value": "cybersécurité", "@language": "fr"}, {"@value": "cybersecurity", "@language": "en"},
			{"@value": "CyberScore", "@language": "fr"}, {"@value": "CyberScore", "@language": "en"},
			{"@value": "TLS", "@language": "fr"}, {"@value": "TLS", "@language": "en"},
			{"@value": "DNSSEC", "@language": "fr"}, {"@value": "DNSSEC", "@language": "en"},
		},
		"dct:language": []node{
			iri("http://publications.europa.eu/resource/authority/language/FRA"),
			iri("http://publications.europa.eu/resource/authority/language/ENG"),
		},
		"dcat:theme":        iri("http://publications.europa.eu/resource/authority/data-theme/TECH"),
		"dcat:distribution": dists,
	}
	if m.Version != "" {
		dataset["dcat:version"] = m.Version
	}
	if c := m.ContactPoint; c != "" {
		// DCAT-AP: a vcard:Kind with an email (an IRI mailto:) or a URL.
		kind := node{"@id": "#contact", "@type": "vcard:Kind", "vcard:fn": m.Publisher}
		if strings.HasPrefix(strings.ToLower(c), "mailto:") {
			kind["vcard:hasEmail"] = iri(c)
		} else {
			kind["vcard:hasURL"] = iri(c)
		}
		dataset["dcat:contactPoint"] = kind
	}
	if m.Periodicity != "" {
		dataset["dct:accrualPeriodicity"] = iri(FrequencyBase + m.Periodicity)
	}
	if m.LandingPage != "" {
		dataset["dcat:landingPage"] = node{"@id": m.LandingPage, "@type": "foaf:Document"}
	}
	catalog := node{
		"@context":        jsonldContext,
		"@id":             "#catalog",
		"@type":           "dcat:Catalog",
		"dct:title":       texts(m.Title),
		"dct:description": texts(m.Description),
		"dct:publisher":   publisher,
		"dct:license":     license,
		"dct:issued":      dateTime(m.Issued),
		"dct:modified":    dateTime(m.Issued),
		"dcat:dataset":    dataset,
	}
	return e.writeJSONFile(Catalog, "JSON_LD", "application/ld+json", audit.Text{
		FR: "Catalogue DCAT-AP de cet export.", EN: "DCAT-AP catalogue of this export.",
	}, catalog)
}
