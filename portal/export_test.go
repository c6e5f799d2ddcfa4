package portal

// Exported for the tests of package portal_test.
var (
	AnnualTierOf       = annualTier
	MonthsWithLastYear = monthsWithLastYear
)
