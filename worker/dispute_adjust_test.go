package worker

import (
	"strings"
	"testing"
	"unicode/utf16"
)

func TestClipUTF16(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"电表走字异常", 200, "电表走字异常"},
		{strings.Repeat("长", 250), 200, strings.Repeat("长", 200)},
		{strings.Repeat("𠮷", 150), 200, strings.Repeat("𠮷", 100)}, // two units each
		{"a" + strings.Repeat("𠮷", 100), 200, "a" + strings.Repeat("𠮷", 99)},
	} {
		got := clipUTF16(tc.in, tc.n)
		if got != tc.want || len(utf16.Encode([]rune(got))) > tc.n {
			t.Errorf("clipUTF16(%d runes, %d) = %d runes, want %d", len([]rune(tc.in)), tc.n, len([]rune(got)), len([]rune(tc.want)))
		}
	}
}
