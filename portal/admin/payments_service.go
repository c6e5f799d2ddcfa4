package admin

// Payments is what the finance pages need: payment search, flagged orders, reconciliation and
// exports. A nil *Payments serves none of them.
type Payments struct{}

// paymentSamples are the finance pages with an empty value of their data (samplePages).
func paymentSamples(p page) map[string]any { return nil }
