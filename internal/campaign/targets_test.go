package campaign

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

// problem is a LineError as the tests compare it: the line and the
// sentinel error it wraps.
type problem struct {
	Line int
	Err  error
}

func TestReadTargets(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []store.Organisation
		problems []problem
	}{
		{
			name: "english header",
			in:   "id,name,category,domains\n213,Mairie de Test,commune,mairie.example.fr\n214,\"Hôpital, du Centre\",hôpital,\"hopital.example.fr www.hopital.example.fr\"\n",
			want: []store.Organisation{
				{ID: "213", Name: "Mairie de Test", Category: "commune", Domains: []string{"mairie.example.fr"}},
				{ID: "214", Name: "Hôpital, du Centre", Category: "hôpital", Domains: []string{"hopital.example.fr", "www.hopital.example.fr"}},
			},
		},
		{
			name: "french semicolons, BOM and CRLF",
			in:   "\ufeffSIREN;Nom;Catégorie;Domaines\r\n217500016;Région Test;région;region.example.fr, https://Mairie-Évry.FR/contact\r\n\r\n",
			want: []store.Organisation{
				{ID: "217500016", Name: "Région Test", Category: "région", Domains: []string{"region.example.fr", "xn--mairie-vry-h7a.fr"}},
			},
		},
		{
			name: "french names with other spellings and column order",
			in:   "site web\tcode_insee\tlibellé\ttype\nexample.fr\t75056\tParis\tcommune\n",
			want: []store.Organisation{{ID: "75056", Name: "Paris", Category: "commune", Domains: []string{"example.fr"}}},
		},
		{
			name: "control characters removed from ids, names and categories",
			in:   "id,name,category,domains\n\x1b[2J213\u0085,\"Mairie\tde\x07 Test\x1b]0;x\x07\",commune\u009b\x00,mairie.example.fr\n",
			want: []store.Organisation{
				{ID: "[2J213", Name: "Mairie de Test]0;x", Category: "commune", Domains: []string{"mairie.example.fr"}},
			},
		},
		{
			name: "domain column only: identified by the first domain",
			in:   "Domaine\nexample.fr\n  example.org  \n",
			want: []store.Organisation{
				{ID: "example.fr", Domains: []string{"example.fr"}},
				{ID: "example.org", Domains: []string{"example.org"}},
			},
		},
		{
			name: "broken lines skipped with their numbers",
			in: "id,name,domains\n" +
				"1,One,one.example.fr\n" +
				"2,Two\n" + // too few fields
				"3,\"Three,three.example.fr\n" + // quote not closed
				"4,Fo\"ur,four.example.fr\n" + // bare quote
				"5,Five,five.example.fr,extra\n" + // too many
				"6,Six,six.example.fr\n",
			want: []store.Organisation{
				{ID: "1", Name: "One", Domains: []string{"one.example.fr"}},
				{ID: "6", Name: "Six", Domains: []string{"six.example.fr"}},
			},
			problems: []problem{{3, ErrBrokenLine}, {4, ErrBrokenLine}, {5, ErrBrokenLine}, {6, ErrBrokenLine}},
		},
		{
			name: "duplicates merged",
			in: "id;name;category;domains\n" +
				"1;;;a.example.fr\n" +
				"2;Two;;b.example.fr\n" +
				"1;One;commune;A.EXAMPLE.FR. c.example.fr\n" +
				"1;Other name;other;a.example.fr\n",
			want: []store.Organisation{
				{ID: "1", Name: "One", Category: "commune", Domains: []string{"a.example.fr", "c.example.fr"}},
				{ID: "2", Name: "Two", Domains: []string{"b.example.fr"}},
			},
			// Merged, but the other name and category are reported.
			problems: []problem{{5, ErrConflict}, {5, ErrConflict}},
		},
		{
			name: "invalid domains reported, the valid ones kept",
			in: "id,domains\n" +
				"1,good.example.fr 1.2.3.4\n" +
				"2,gouv.fr\n" +
				"3,\n",
			want:     []store.Organisation{{ID: "1", Domains: []string{"good.example.fr"}}},
			problems: []problem{{2, target.ErrIPLiteral}, {3, target.ErrPublicSuffix}, {3, ErrNoDomain}, {4, ErrNoDomain}},
		},
		{
			name: "plain list",
			in: "# communes\n" +
				"example.fr\n" +
				"\n" +
				"https://www.example.org/page # a comment\n" +
				"EXAMPLE.FR\n" +
				"not a domain\n" +
				"localhost\r\n" +
				"https://example.net/#top\n",
			want: []store.Organisation{
				{ID: "example.fr", Domains: []string{"example.fr"}},
				{ID: "www.example.org", Domains: []string{"www.example.org"}},
				{ID: "example.net", Domains: []string{"example.net"}},
			},
			problems: []problem{{6, target.ErrSyntax}, {7, target.ErrSingleLabel}},
		},
		{
			name: "plain list without final newline, BOM",
			in:   "\ufeffexample.fr",
			want: []store.Organisation{{ID: "example.fr", Domains: []string{"example.fr"}}},
		},
		{
			name: "identifier schemes checked and normalised, bare identifiers kept",
			in: "Identifiant;Nom;Domaines\n" +
				"SIREN:217 500 016;Région Test;region.example.fr\n" +
				"insee:2a004;Ajaccio;ajaccio.example.fr\n" +
				"finess:690000880;CHU;chu.example.fr\n" +
				"1;Commune de Y;y.example.fr\n" +
				"cog:69123;Lyon;lyon.example.fr\n" +
				"siren:217500017;Mauvaise clé;bad.example.fr\n" +
				"insee:2C004;Corse ?;bad2.example.fr\n" +
				"finess:69000088;Trop court;bad3.example.fr\n",
			want: []store.Organisation{
				{ID: "siren:217500016", Name: "Région Test", Domains: []string{"region.example.fr"}},
				{ID: "insee:2A004", Name: "Ajaccio", Domains: []string{"ajaccio.example.fr"}},
				{ID: "finess:690000880", Name: "CHU", Domains: []string{"chu.example.fr"}},
				{ID: "1", Name: "Commune de Y", Domains: []string{"y.example.fr"}},
				{ID: "cog:69123", Name: "Lyon", Domains: []string{"lyon.example.fr"}},
			},
			problems: []problem{{7, ErrBadIdentifier}, {8, ErrBadIdentifier}, {9, ErrBadIdentifier}},
		},
		{
			name: "FINESS header, per-domain DKIM selectors",
			in: "FINESS;Nom;Domaines;Sélecteurs DKIM\n" +
				"690000880;CHU;chu.example.fr www.chu.example.fr;S1 | mail s1\n" +
				"690000881;Clinique;clinique.example.fr;\n" +
				"690000882;Centre;centre.example.fr;bad_sel -x ok.sub\n",
			want: []store.Organisation{
				{ID: "690000880", Name: "CHU", Domains: []string{"chu.example.fr", "www.chu.example.fr"},
					Selectors: map[string][]string{"chu.example.fr": {"s1", "mail"}, "www.chu.example.fr": {"s1", "mail"}}},
				{ID: "690000881", Name: "Clinique", Domains: []string{"clinique.example.fr"}},
				{ID: "690000882", Name: "Centre", Domains: []string{"centre.example.fr"},
					Selectors: map[string][]string{"centre.example.fr": {"ok.sub"}}},
			},
			problems: []problem{{4, ErrBadSelector}, {4, ErrBadSelector}},
		},
		{
			name: "numbered identifier headers",
			in:   "N° SIREN;Dénomination;Catégorie;Site web\n217500016;Région;région;r.example.fr\n",
			want: []store.Organisation{{ID: "217500016", Name: "Région", Category: "région", Domains: []string{"r.example.fr"}}},
		},
		{
			name: "selectors merged when an organisation is listed again",
			in:   "id,domains,dkim_selectors\n1,a.example.fr,s1\n1,a.example.fr b.example.fr,s2\n",
			want: []store.Organisation{
				{ID: "1", Domains: []string{"a.example.fr", "b.example.fr"},
					Selectors: map[string][]string{"a.example.fr": {"s1", "s2"}, "b.example.fr": {"s2"}}},
			},
		},
		{
			name: "plain list saved by a spreadsheet: quotes and trailing delimiters",
			in:   "\"example.fr\"\r\nexample.org;;\r\n\"www.example.net\",\r\n\"a\"\"b.fr\"\r\n",
			want: []store.Organisation{
				{ID: "example.fr", Domains: []string{"example.fr"}},
				{ID: "example.org", Domains: []string{"example.org"}},
				{ID: "www.example.net", Domains: []string{"www.example.net"}},
			},
			// "a""b.fr" unquoted is a"b.fr: an invalid domain.
			problems: []problem{{4, target.ErrInvalidChar}},
		},
		{
			name: "header only",
			in:   "id,name,domain\n",
		},
		{
			name: "empty",
			in:   "",
		},
		{
			name:     "line too long",
			in:       "domain\n" + strings.Repeat("a", MaxLine+10) + "\nexample.fr\n",
			want:     []store.Organisation{{ID: "example.fr", Domains: []string{"example.fr"}}},
			problems: []problem{{2, ErrLineTooLong}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs, err := ReadTargets(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("organisations (-want +got):\n%s", diff)
			}
			var gotProbs []problem
			for _, p := range probs {
				gotProbs = append(gotProbs, problem{p.Line, p.Err})
			}
			if diff := cmp.Diff(tt.problems, gotProbs, cmp.Comparer(func(want, got error) bool { return errors.Is(got, want) || errors.Is(want, got) })); diff != "" {
				t.Errorf("problems (-want +got):\n%s\n%v", diff, probs)
			}
		})
	}
}

func TestLineErrorText(t *testing.T) {
	_, probs, err := ReadTargets(strings.NewReader("id,domain\n7,\"broken\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 {
		t.Fatalf("problems = %v", probs)
	}
	if probs[0].Text != `7,"broken` || !strings.HasPrefix(probs[0].Error(), "campaign: line 2: broken CSV line") {
		t.Errorf("got %q, %q", probs[0].Text, probs[0].Error())
	}
}

// FuzzReadTargets: any input gives organisations that each have an ID
// and at least one normalised domain, no duplicate IDs, and problems with
// line numbers within the input.
func FuzzReadTargets(f *testing.F) {
	for _, s := range []string{
		"id,name,category,domains\n1,A,commune,a.example.fr\n",
		"\ufeffsiren;nom;type;site\r\n1;\"x;y\";z;b.example.fr\r\n",
		"example.fr\n# c\nexample.org # d\n",
		"domain\n\"unclosed\n",
		"id,domains\n1,\"a.example.fr, b.example.fr\"\n1,c.example.fr\n",
		"id,name,domains\n\x1b[2J,\"\u009b\x07\",a.example.fr\n\x1b]0;x\x07\n",
		"siren;nom;adresse\n1;Mairie;1 place\n",
		"id;nom;nom;domaines\n1;A;B;a.example.fr\n1;C;D;b.example.fr\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		orgs, probs, err := ReadTargets(strings.NewReader(in))
		var herr *HeaderError
		if errors.As(err, &herr) {
			// A header of known columns without a domain column.
			if orgs != nil || len(herr.Found) < 2 {
				t.Fatalf("header error %v with organisations %v", err, orgs)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(in, "\n") + 1
		ids := map[string]bool{}
		for _, o := range orgs {
			if o.ID == "" || len(o.Domains) == 0 || ids[o.ID] {
				t.Fatalf("bad organisation %+v", o)
			}
			if strings.IndexFunc(o.ID+o.Name+o.Category, audit.IsControl) >= 0 {
				t.Fatalf("organisation %q with a control character", o)
			}
			ids[o.ID] = true
			for _, d := range o.Domains {
				tg, err := target.Parse(d)
				if err != nil || tg.Domain != d {
					t.Fatalf("domain %q not normalised: %v", d, err)
				}
			}
		}
		for _, p := range probs {
			if p.Line < 1 || p.Line > lines || p.Err == nil {
				t.Fatalf("bad problem %+v (%d lines)", p, lines)
			}
			if strings.IndexFunc(p.Text+p.Error(), audit.IsControl) >= 0 {
				t.Fatalf("problem %q with a control character", p.Text+": "+p.Error())
			}
		}
	})
}

// TestReadTargetsWarnings: a repeated column, and an organisation listed
// again under another name, are reported; a header without a domain
// column is an error that names the columns found.
func TestReadTargetsWarnings(t *testing.T) {
	in := "SIREN;Nom;Nom;Domaines\n" +
		"1;Mairie de Sète;Sète;sete.fr\n" +
		"1;Commune de Sète;X;www.sete.fr\n" +
		"2;CHU;;chu.fr\n" +
		"2;CHU;;chu2.fr\n"
	orgs, problems, err := ReadTargets(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 2 || orgs[0].Name != "Mairie de Sète" || len(orgs[0].Domains) != 2 {
		t.Errorf("orgs = %+v, want Mairie de Sète with both domains, then CHU", orgs)
	}
	var col *ColumnError
	var merge *MergeError
	var cols, merges int
	for _, p := range problems {
		switch {
		case errors.As(p.Err, &col):
			cols++
			if p.Line != 1 || col.Column != "Nom" || col.Index != 3 || col.Field != "name" {
				t.Errorf("column problem %+v at line %d, want the third column Nom at line 1", col, p.Line)
			}
		case errors.As(p.Err, &merge):
			merges++
			if p.Line != 3 || merge.Kept != "Mairie de Sète" || merge.Dropped != "Commune de Sète" {
				t.Errorf("merge problem %+v at line %d, want line 3 keeping Mairie de Sète", merge, p.Line)
			}
		default:
			t.Errorf("unexpected problem %v", p)
		}
	}
	if cols != 1 || merges != 1 {
		t.Errorf("%d column and %d merge problems, want 1 and 1: %v", cols, merges, problems)
	}

	_, _, err = ReadTargets(strings.NewReader("SIREN;Nom;Catégorie;Adresse\n1;Mairie;commune;1 place\n"))
	var herr *HeaderError
	if !errors.As(err, &herr) || strings.Join(herr.Found, "|") != "SIREN|Nom|Catégorie|Adresse" {
		t.Errorf("header without domain column: err = %v, want a *HeaderError naming the four columns", err)
	}
	// A plain list is not taken for a header.
	if orgs, _, err := ReadTargets(strings.NewReader("example.fr,mairie.fr\n")); err != nil || len(orgs) != 0 && orgs[0].ID == "" {
		t.Errorf("plain list: %v, %v", orgs, err)
	}
}

func TestLineErrorColumn(t *testing.T) {
	_, probs, err := ReadTargets(strings.NewReader("Nom;Domaines;SIREN;selecteurs_dkim\nA;a.example.fr;siren:12;s1\nB;b.example.fr;1;x_y\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.Error())
	}
	want := []string{
		`campaign: line 2, column 3: identifier "siren:12": a siren identifier is 9 digits with a valid check digit (Luhn)`,
		`campaign: line 3, column 4: DKIM selector "x_y" ignored: want DNS labels (letters, digits, hyphens, dots between labels)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestParseIdentifier(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"1", "1"},
		{"217500016", "217500016"}, // bare: not checked
		{"siren:217500016", "siren:217500016"},
		{"Siren: 217 500 016", "siren:217500016"},
		{"siren:356000000", "siren:356000000"},
		{"siren:217500017", ""},
		{"siren:21750001", ""},
		{"siren:21750001a", ""},
		{"siren:", ""},
		{"insee:69123", "insee:69123"},
		{"INSEE:2b033", "insee:2B033"},
		{"insee:2C033", ""},
		{"insee:6912", ""},
		{"insee:691234", ""},
		{"finess:2A0000012", "finess:2A0000012"},
		{"finess:690000880", "finess:690000880"},
		{"finess:6900008800", ""},
		{"finess:69000088X", ""},
		{"urn:x:1", "urn:x:1"},
	} {
		got, err := ParseIdentifier(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrBadIdentifier) {
				t.Errorf("ParseIdentifier(%q) = %q, %v, want ErrBadIdentifier", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseIdentifier(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}
