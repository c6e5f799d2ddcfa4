package pii_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"gridpay/internal/pii"
)

type example struct {
	name, in, want string
}

func run(t *testing.T, f func(string) string, tests []example) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f(tt.in)
			if got != tt.want {
				t.Fatalf("f(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := f(got); again != got {
				t.Errorf("masking %q again gave %q", got, again)
			}
		})
	}
}

func TestName(t *testing.T) {
	run(t, pii.Name, []example{
		{"empty", "", ""},
		{"blank", "   ", ""},
		{"one han rune", "张", "*"},
		{"two runes", "张三", "张*"},
		{"three runes", "张建国", "张*国"},
		{"compound surname", "欧阳修文", "欧**文"},
		{"business", "城关镇惠民农家乐", "城关镇****乐"},
		{"five runes", "云溪县电厂", "云溪县*厂"},
		{"long business masks at most 8", "云溪县城关镇惠民农家乐有限责任公司", "云溪县********司"},
		{"surrounding spaces", " 张三 ", "张*"},
		{"ascii", "John Smith", "J*** S****"},
		{"ascii one word", "John", "J***"},
		{"ascii initial masked", "John F Kennedy", "J*** * K******"},
		{"ascii extra spaces", "John   Smith", "J*** S****"},
		{"ascii long word", "Wolfeschlegelsteinhausen", "W********"},
		{"seven words keep six", "a1 b2 c3 d4 e5 f6 g7", "a* b* c* d* e* f*"},
		{"emoji", "😀", "*"},
		{"emoji word", "😀😀😀", "😀**"},
		{"invalid bytes", "\xff\xfe", "**"},
		{"invalid inside han", "张\xff国", "张*国"},
		{"newline cannot forge a log line", "张三\nlevel=ERROR", "张三*********R"},
		{"bidi override", "张\u202e三", "张*三"},
	})
}

func TestPhone(t *testing.T) {
	run(t, pii.Phone, []example{
		{"empty", "", ""},
		{"mobile", "13800138000", "138****8000"},
		{"mobile with dashes", "138-0013-8000", "138****8000"},
		{"mobile with spaces", "138 0013 8000", "138****8000"},
		{"landline", "057112345678", "057*******78"},
		{"seven digits", "1234567", "123**67"},
		{"international", "+8613800138000", "+86********00"},
		{"six digits", "123456", "*****6"},
		{"two digits", "12", "*2"},
		{"one digit", "5", "*"},
		{"emoji", "📞", "*"},
		{"invalid byte in mobile", "1380013800\xff", "138****800*"},
		{"long masks at most 8", strings.Repeat("9", 40), "999********99"},
	})
}

func TestAccountNo(t *testing.T) {
	run(t, pii.AccountNo, []example{
		{"empty", "", ""},
		{"account", "3100000001", "310*****01"},
		{"seven", "3100001", "310**01"},
		{"short", "31001", "****1"},
		{"one rune", "3", "*"},
		{"invalid bytes", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "**********"},
	})
}

func TestAddress(t *testing.T) {
	run(t, pii.Address, []example{
		{"empty", "", ""},
		{"street", "城关镇解放路12号3栋402室", "城关镇********"},
		{"short street still masked in full width", "城关镇1号", "城关镇********"},
		{"village, as docs/domain.md shows it", "城关镇王庄村1组2号", "城关镇**村***"},
		{"village with other lengths looks the same", "柳林镇张家村3组5号", "柳林镇**村***"},
		{"long village name", "柳林镇上张家沟村3组5号", "柳林镇**村***"},
		{"village with nothing after", "柳林镇张家村", "柳林镇**村"},
		{"township", "石门乡石门村8号", "石门乡**村***"},
		{"county", "云溪县人民路1号", "云溪县********"},
		{"subdistrict", "东城街道和平社区5栋", "东城街道**社区***"},
		{"region only", "城关镇", "城关镇"},
		{"town marker too far", "某某省某某市某某区城关镇解放路1号", "********"},
		{"no region", "解放路12号", "********"},
		{"村 right after the region is not a village", "城关镇村口1号", "城关镇********"},
		{"村 too far is not a village", "城关镇解放路与新华村路口", "城关镇********"},
		{"one rune", "镇", "镇"},
		{"emoji", "🏠", "********"},
		{"invalid bytes", "城关镇\xff\xfe村1号", "城关镇**村***"},
		{"very long", "城关镇" + strings.Repeat("路", 10000), "城关镇********"},
	})
}

// hostile are inputs no masking function may choke on.
var hostile = []struct{ name, in string }{
	{"empty", ""},
	{"one rune", "张"},
	{"one ascii", "x"},
	{"emoji", "👨‍👩‍👧"},
	{"invalid utf8", "\xff\xfe\xfd"},
	{"truncated sequence", "张"[:2]},
	{"nul and escapes", "\x00\x1b[31m"},
	{"long han", strings.Repeat("张", 10000)},
	{"long ascii", strings.Repeat("a", 10000)},
	{"long words", strings.Repeat("ab ", 5000)},
	{"long emoji", strings.Repeat("😀", 10000)},
	{"long invalid", strings.Repeat("\xff", 10000)},
	{"long digits", strings.Repeat("1", 10000)},
	{"long address", "城关镇" + strings.Repeat("王庄村", 4000)},
}

func TestHostileInputs(t *testing.T) {
	funcs := map[string]func(string) string{
		"Name": pii.Name, "Phone": pii.Phone, "Address": pii.Address, "AccountNo": pii.AccountNo,
	}
	for fname, f := range funcs {
		for _, h := range hostile {
			t.Run(fname+"/"+h.name, func(t *testing.T) {
				got := f(h.in)
				if !utf8.ValidString(got) {
					t.Errorf("output %q is not valid UTF-8", got)
				}
				if n := utf8.RuneCountInString(got); n > pii.MaxRunes {
					t.Errorf("output has %d runes, want at most %d", n, pii.MaxRunes)
				}
				for _, r := range got {
					if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
						t.Errorf("output %q holds control or format rune %U", got, r)
					}
				}
				if h.in != "" && !strings.Contains(got, "*") {
					t.Errorf("%q was shown unmasked as %q", h.in, got)
				}
				if h.in != "" && got == h.in {
					t.Errorf("%q came back unchanged", h.in)
				}
				if again := f(got); again != got {
					t.Errorf("masking %q again gave %q", got, again)
				}
			})
		}
	}
}

func TestAttr(t *testing.T) {
	tests := []struct {
		name, kind, value, want, secret string
	}{
		{"name", pii.KindName, "张建国", "张*国", "建"},
		{"phone", pii.KindPhone, "13800138000", "138****8000", "0013"},
		{"address", pii.KindAddress, "城关镇王庄村1组2号", "城关镇**村***", "王庄"},
		{"account", pii.KindAccount, "3100000001", "310*****01", "00000"},
		{"unknown kind hides everything", "id_number", "110101199003071234", "***", "1101"},
		{"unknown kind empty", "id_number", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := pii.Attr("who", tt.kind, tt.value)
			if a.Key != "who" || a.Value.String() != tt.want {
				t.Fatalf("Attr = %s=%q, want who=%q", a.Key, a.Value.String(), tt.want)
			}
			var buf bytes.Buffer
			slog.New(slog.NewTextHandler(&buf, nil)).Info("login", a)
			if tt.secret != "" && strings.Contains(buf.String(), tt.secret) {
				t.Errorf("log line %q reveals %q", buf.String(), tt.secret)
			}
		})
	}
}
