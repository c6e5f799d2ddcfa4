package admin

// Reminders is what the reminders pages need: the runs, tomorrow's preview, exemptions and the
// suppression calendar. A nil *Reminders serves none of them.
type Reminders struct{}

// reminderSamples are the reminders pages with an empty value of their data (samplePages).
func reminderSamples(p page) map[string]any { return nil }
