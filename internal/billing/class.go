package billing

// Class is a customer's electricity class (用电类别). It selects the tariff family and the late-fee
// rates.
type Class string

// The four customer classes, in the order the bureau lists them.
const (
	Residential   Class = "residential"    // 居民生活
	Commercial    Class = "commercial"     // 一般工商业
	LargeIndustry Class = "large_industry" // 大工业
	Agricultural  Class = "agricultural"   // 农业生产
)

// Classes returns all four classes in the order residential, commercial, large industry,
// agricultural. It returns a new slice each time, so callers may modify it.
func Classes() []Class {
	return []Class{Residential, Commercial, LargeIndustry, Agricultural}
}

// Valid reports whether c is one of the four classes.
func (c Class) Valid() bool {
	switch c {
	case Residential, Commercial, LargeIndustry, Agricultural:
		return true
	}
	return false
}

// Label returns the Chinese name customers and staff know the class by. An unknown class returns
// its raw value, so a bad row still shows something a person can report.
func (c Class) Label() string {
	switch c {
	case Residential:
		return "居民生活"
	case Commercial:
		return "一般工商业"
	case LargeIndustry:
		return "大工业"
	case Agricultural:
		return "农业生产"
	}
	return string(c)
}
