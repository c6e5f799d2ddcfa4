package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
)

// Templates are the pages of one HTTP area, parsed once at start-up: layout.html, the partials
// under partials/, and one file per page, each page its own template set so that every page may
// define the layout's blocks ("title", "content") its own way.
type Templates struct {
	pages map[string]*template.Template
}

// NewTemplates parses the pages of fsys with funcs: layout.html, every partials/*.html, and each
// other *.html at the top as one page named after its file. Then it renders every page once with
// its entry in samples, the value of the page's own type that the page is rendered with (an empty
// one will do), so that a page that cannot render, say one asking for a static file that does not
// exist, stops start-up instead of failing a customer. Every page needs a sample and every sample
// a page: the table is also the list of the area's pages.
func NewTemplates(fsys fs.FS, funcs template.FuncMap, samples map[string]any) (*Templates, error) {
	files, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	partials, err := fs.Glob(fsys, "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	t := &Templates{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		patterns := append(append([]string{"layout.html"}, partials...), f)
		page, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, patterns...)
		if err != nil {
			return nil, fmt.Errorf("web: page %s: %w", name, err)
		}
		t.pages[name] = page
	}
	if err := t.check(samples); err != nil {
		return nil, err
	}
	return t, nil
}

// check renders every page with its sample, in a stable order so that start-up names the same
// broken page every time.
func (t *Templates) check(samples map[string]any) error {
	names := make([]string, 0, len(t.pages))
	for name := range t.pages {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sample, ok := samples[name]
		if !ok {
			return fmt.Errorf("web: page %s has no sample to check it with", name)
		}
		if err := t.pages[name].Execute(io.Discard, sample); err != nil {
			return fmt.Errorf("web: page %s does not render: %w", name, err)
		}
	}
	for name := range samples {
		if _, ok := t.pages[name]; !ok {
			return fmt.Errorf("web: sample for page %s, which does not exist", name)
		}
	}
	return nil
}

// Render writes page name with data and status. The page is rendered whole before anything is
// sent, so a failure leaves the response untouched and is returned for the caller's error path.
func (t *Templates) Render(c *gin.Context, status int, name string, data any) error {
	page, ok := t.pages[name]
	if !ok {
		return fmt.Errorf("web: render: no page %s", name)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}
