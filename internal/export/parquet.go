package export

import (
	"fmt"

	"github.com/parquet-go/parquet-go"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// Parquet layout: rows are handed to the writer in batches, and a row
// group is cut every rowGroupRows rows, so that the writer's buffers do
// not grow with the number of organisations.
const (
	parquetBatch = 256
	rowGroupRows = 4096
)

// parquetWriter writes organisations.parquet and findings.parquet, with
// the columns of the CSV files, typed, compressed with Snappy.
type parquetWriter struct {
	orgs, findings *output
	orgsW          *parquet.GenericWriter[OrganisationRow]
	findingsW      *parquet.GenericWriter[FindingRow]
	orgBatch       []OrganisationRow
	findingBatch   []FindingRow
}

func newParquetWriter(e *exporter) (*parquetWriter, error) {
	w := &parquetWriter{}
	var err error
	w.orgs, err = e.create(OrganisationsParquet, "PARQUET", "application/vnd.apache.parquet", audit.Text{
		FR: "Les colonnes de organisations.csv, typées, au format Parquet.",
		EN: "The columns of organisations.csv, typed, as Parquet.",
	})
	if err != nil {
		return nil, err
	}
	w.findings, err = e.create(FindingsParquet, "PARQUET", "application/vnd.apache.parquet", audit.Text{
		FR: "Les colonnes de findings.csv, typées, au format Parquet.",
		EN: "The columns of findings.csv, typed, as Parquet.",
	})
	if err != nil {
		return nil, err
	}
	version := e.meta.Version
	opts := func() []parquet.WriterOption {
		return []parquet.WriterOption{
			parquet.Compression(&parquet.Snappy),
			parquet.MaxRowsPerRowGroup(rowGroupRows),
			parquet.CreatedBy("vigie", version, ""),
		}
	}
	w.orgsW = parquet.NewGenericWriter[OrganisationRow](w.orgs, opts()...)
	w.findingsW = parquet.NewGenericWriter[FindingRow](w.findings, opts()...)
	return w, nil
}

func (w *parquetWriter) add(rec *store.AuditRecord, org *OrganisationRow, findings []audit.Finding) error {
	w.orgBatch = append(w.orgBatch, *org)
	for i := range findings {
		w.findingBatch = append(w.findingBatch, findingRow(rec, org, i, &findings[i]))
	}
	if len(w.orgBatch) >= parquetBatch {
		if err := w.flushOrgs(); err != nil {
			return err
		}
	}
	if len(w.findingBatch) >= parquetBatch {
		return w.flushFindings()
	}
	return nil
}

func (w *parquetWriter) flushOrgs() error {
	if _, err := w.orgsW.Write(w.orgBatch); err != nil {
		return fmt.Errorf("export: %s: %w", OrganisationsParquet, err)
	}
	clear(w.orgBatch)
	w.orgBatch = w.orgBatch[:0]
	return nil
}

func (w *parquetWriter) flushFindings() error {
	if _, err := w.findingsW.Write(w.findingBatch); err != nil {
		return fmt.Errorf("export: %s: %w", FindingsParquet, err)
	}
	clear(w.findingBatch)
	w.findingBatch = w.findingBatch[:0]
	return nil
}

func (w *parquetWriter) close() error {
	if err := w.flushOrgs(); err != nil {
		return err
	}
	if err := w.flushFindings(); err != nil {
		return err
	}
	if err := w.orgsW.Close(); err != nil {
		return fmt.Errorf("export: %s: %w", OrganisationsParquet, err)
	}
	if err := w.findingsW.Close(); err != nil {
		return fmt.Errorf("export: %s: %w", FindingsParquet, err)
	}
	return nil
}
