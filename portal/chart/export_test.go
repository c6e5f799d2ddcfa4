package chart

// NiceTicks exposes the y-axis tick computation to the tests in package chart_test.
var NiceTicks = niceTicks
