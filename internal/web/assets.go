package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"
)

// Assets serves embedded static files under content-hash URLs (/static/<hash>/css/app.css), so a
// browser may cache them for a year and still never sees a stale file after a release.
type Assets struct {
	fsys   fs.FS
	hashes map[string]string // path -> first 12 hex digits of its SHA-256
}

// NewAssets hashes every file of fsys once, at start-up.
func NewAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{fsys: fsys, hashes: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}
	return a, nil
}

// URL returns the content-hash URL of a static file; it panics on a path that does not exist, which
// the start-up check of every template catches.
func (a *Assets) URL(p string) string {
	h, ok := a.hashes[p]
	if !ok {
		panic(fmt.Sprintf("web: no static file %q", p))
	}
	return "/static/" + h + "/" + p
}

// Serve answers GET /static/:hash/*path. A hash that is not the file's current one is not found,
// so an old page never gets a new file under an old, long-cached URL.
func (a *Assets) Serve(c *gin.Context) {
	p := path.Clean(c.Param("path"))[1:]
	if h, ok := a.hashes[p]; !ok || h != c.Param("hash") {
		c.Status(http.StatusNotFound)
		return
	}
	b, err := fs.ReadFile(a.fsys, p)
	if err != nil {
		c.Status(http.StatusNotFound)
		return
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Data(http.StatusOK, ct, b)
}
