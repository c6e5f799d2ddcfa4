// Package static holds the site's stylesheets, scripts and images, embedded in the binary.
package static

import "embed"

// FS is every static file, by path: css/, and later js/ and img/.
//
//go:embed css
var FS embed.FS
