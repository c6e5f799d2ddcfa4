// Package static holds the site's stylesheets, scripts and images, embedded in the binary.
package static

import "embed"

// FS is every static file, by path: css/ and js/ (small enhancements only; every page works
// without them).
//
//go:embed css js
var FS embed.FS
