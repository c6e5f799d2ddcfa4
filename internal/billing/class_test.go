package billing_test

import (
	"slices"
	"testing"

	"gridpay/internal/billing"
)

func TestClass(t *testing.T) {
	tests := []struct {
		name      string
		class     billing.Class
		wantValid bool
		wantLabel string
	}{
		{"residential", billing.Residential, true, "居民生活"},
		{"commercial", billing.Commercial, true, "一般工商业"},
		{"large industry", billing.LargeIndustry, true, "大工业"},
		{"agricultural", billing.Agricultural, true, "农业生产"},
		{"empty", "", false, ""},
		{"wrong case", "Residential", false, "Residential"},
		{"unknown", "industrial", false, "industrial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.class.Valid(); got != tt.wantValid {
				t.Errorf("Class(%q).Valid() = %v, want %v", tt.class, got, tt.wantValid)
			}
			if got := tt.class.Label(); got != tt.wantLabel {
				t.Errorf("Class(%q).Label() = %q, want %q", tt.class, got, tt.wantLabel)
			}
		})
	}
}

func TestClasses(t *testing.T) {
	want := []billing.Class{"residential", "commercial", "large_industry", "agricultural"}
	got := billing.Classes()
	if !slices.Equal(got, want) {
		t.Fatalf("Classes() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if again := billing.Classes(); !slices.Equal(again, want) {
		t.Errorf("Classes() after modifying an earlier result = %v, want %v", again, want)
	}
}
