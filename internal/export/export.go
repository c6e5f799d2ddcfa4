// Package export writes what a staff page shows as a file staff open in Excel: CSV (UTF-8 with a
// byte order mark, so that Excel shows Chinese) or XLSX. Both check the whole table before writing
// a byte, so that a refused table leaves nothing half written, and both defuse cells that a
// spreadsheet would run as a formula (CSV injection).
package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"gridpay/internal/billing"
)

// Limits of a table, as a spreadsheet holds it.
const (
	// MaxRows is the most rows (besides the header) one export holds: beyond it staff narrow the
	// range, since a spreadsheet of more is not read by anyone.
	MaxRows = 100_000
	// MaxColumns is the most columns a row may have (Excel's own limit).
	MaxColumns = 16_384
	// MaxCellChars is the most characters (UTF-16 code units) a cell may hold: Excel's limit, which
	// excelize would otherwise enforce by cutting the text short.
	MaxCellChars = 32_767
	// maxSheetName is the most characters of a sheet's name.
	maxSheetName = 31
)

// Table is rows of text under a header, as a staff page shows them.
type Table struct {
	Sheet  string // the sheet's name in XLSX; "" is "Sheet1"
	Header []string
	Rows   [][]string
}

// bom is the UTF-8 byte order mark, by which Excel knows a CSV file is UTF-8.
const bom = "\uFEFF"

// check refuses a table a spreadsheet could not hold whole.
func check(t Table) error {
	if len(t.Rows) > MaxRows {
		return fmt.Errorf("export: %d rows: want at most %d: %w", len(t.Rows), MaxRows, billing.ErrInvalid)
	}
	for i, row := range append([][]string{t.Header}, t.Rows...) {
		if len(row) > MaxColumns {
			return fmt.Errorf("export: row %d has %d columns: want at most %d: %w", i, len(row), MaxColumns, billing.ErrInvalid)
		}
		for j, cell := range row {
			if len(cell) > MaxCellChars && utf16Len(cell) > MaxCellChars {
				return fmt.Errorf("export: row %d, column %d: want at most %d characters: %w", i, j+1, MaxCellChars, billing.ErrInvalid)
			}
		}
	}
	return nil
}

// utf16Len is the length of s in UTF-16 code units, as Excel counts a cell's characters.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Safe returns cell as it may be written: valid UTF-8, and text that starts with = + - @, a tab or a
// carriage return (what a spreadsheet reads as a formula, or a formula behind white space) prefixed
// with a single quote, which makes Excel treat it as text. A negative amount ("-12.50") is shown
// with the quote too: an export is read, not computed with.
func Safe(cell string) string {
	if !utf8.ValidString(cell) {
		cell = strings.ToValidUTF8(cell, "\uFFFD")
	}
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

func safeRow(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = Safe(c)
	}
	return out
}

// WriteCSV writes t as CSV: UTF-8 with a byte order mark so that Excel shows Chinese, quoted as RFC
// 4180 says, lines ending in CRLF, every cell made Safe. A line break inside a cell is written as
// CRLF too, and a carriage return of its own is dropped (encoding/csv's rule). A table over MaxRows rows, or with a row or
// cell too large, is refused before anything is written, with an error wrapping billing.ErrInvalid.
func WriteCSV(w io.Writer, t Table) error {
	if err := check(t); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if len(t.Header) > 0 {
		if err := cw.Write(safeRow(t.Header)); err != nil {
			return fmt.Errorf("export: csv: %w", err)
		}
	}
	for _, row := range t.Rows {
		if err := cw.Write(safeRow(row)); err != nil {
			return fmt.Errorf("export: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	return nil
}

// SheetName returns name as a valid sheet name: "Sheet1" for "", the characters Excel forbids
// (: \ / ? * [ ]) replaced by "_", no quote at either end, at most 31 characters.
func SheetName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || r < ' ' {
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, "'")
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n+utf16.RuneLen(r) > maxSheetName {
			break
		}
		n += utf16.RuneLen(r)
		b.WriteRune(r)
	}
	name = strings.Trim(b.String(), "'")
	if strings.TrimSpace(name) == "" {
		return "Sheet1"
	}
	return name
}

// WriteXLSX writes t as an XLSX workbook of one sheet (named SheetName(t.Sheet)) through excelize's
// streaming writer: the header bold and frozen, every cell text and made Safe. A table over MaxRows
// rows, or with a row or cell too large, is refused before anything is written, with an error
// wrapping billing.ErrInvalid; the workbook reaches w only once it is whole.
func WriteXLSX(w io.Writer, t Table) error {
	if err := check(t); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := SheetName(t.Sheet)
	if sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return fmt.Errorf("export: xlsx: %w", err)
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	next := 1
	if len(t.Header) > 0 {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("export: xlsx: %w", err)
		}
		cells := make([]any, len(t.Header))
		for i, h := range t.Header {
			cells[i] = excelize.Cell{StyleID: bold, Value: Safe(h)}
		}
		if err := sw.SetRow("A1", cells); err != nil {
			return fmt.Errorf("export: xlsx: header: %w", err)
		}
		next = 2
	}
	for i, row := range t.Rows {
		cells := make([]any, len(row))
		for j, c := range row {
			cells[j] = Safe(c)
		}
		ref, err := excelize.CoordinatesToCellName(1, next+i)
		if err == nil {
			err = sw.SetRow(ref, cells)
		}
		if err != nil {
			return fmt.Errorf("export: xlsx: row %d: %w", i+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	return nil
}
