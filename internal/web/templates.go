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
	"sync"

	"github.com/gin-gonic/gin"

	"gridpay/internal/i18n"
)

// Templates are the pages of one HTTP area, parsed once at start-up: layout.html, the partials
// under partials/, and one file per page, each page its own template set so that every page may
// define the layout's blocks ("title", "content") its own way.
//
// Each page is kept once more per language (i18n.Langs), with the constant translations of the
// page, {{.T "key"}} and {{$.T "key"}}, looked up at start-up: a page whose data is Localized is
// rendered from its language's copy, which writes the words as text instead of calling T through
// reflection for every one of them on every request.
type Templates struct {
	pages map[string]*pageSet
}

// pageSet is one page: plain for data that does not say its language, and a copy per language.
type pageSet struct {
	plain *template.Template
	langs map[i18n.Lang]*template.Template
}

// Localized is page data that says its language, whose method T(key string, args ...any) string is
// i18n.T in that language: Render shows it with the constant translations made at start-up, which
// must say what T would have said.
type Localized interface {
	Language() i18n.Lang
}

// NewTemplates parses the pages of fsys with funcs: layout.html, every partials/*.html, and each
// other *.html at the top as one page named after its file. Then it renders every page once with
// its entry in samples, the value of the page's own type that the page is rendered with (an empty
// one will do), so that a page that cannot render, say one asking for a static file that does not
// exist, stops start-up instead of failing a customer. Every page needs a sample and every sample
// a page: the table is also the list of the area's pages.
func NewTemplates(fsys fs.FS, funcs template.FuncMap, samples map[string]any) (*Templates, error) {
	return newTemplates(fsys, funcs, samples, i18n.T)
}

// translator is i18n.T, or a catalog of the tests'.
type translator func(lang i18n.Lang, key string, args ...any) string

func newTemplates(fsys fs.FS, funcs template.FuncMap, samples map[string]any, tr translator) (*Templates, error) {
	files, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	partials, err := fs.Glob(fsys, "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	t := &Templates{pages: map[string]*pageSet{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		patterns := append(append([]string{"layout.html"}, partials...), f)
		parse := func() (*template.Template, error) {
			page, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, patterns...)
			if err != nil {
				return nil, fmt.Errorf("web: page %s: %w", name, err)
			}
			return page, nil
		}
		set := &pageSet{langs: map[i18n.Lang]*template.Template{}}
		if set.plain, err = parse(); err != nil {
			return nil, err
		}
		for _, l := range i18n.Langs() {
			if set.langs[l], err = parse(); err != nil {
				return nil, err
			}
			translate(set.langs[l], l, tr)
		}
		t.pages[name] = set
	}
	// html/template escapes a page at its first rendering: once the check has rendered them, the
	// language copies' translated words can be written as text; the second check renders those.
	if err := t.check(samples); err != nil {
		return nil, err
	}
	for _, set := range t.pages {
		for _, page := range set.langs {
			inlineTranslations(page)
		}
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
		set := t.pages[name]
		if err := set.plain.Execute(io.Discard, sample); err != nil {
			return fmt.Errorf("web: page %s does not render: %w", name, err)
		}
		for _, l := range i18n.Langs() {
			if err := set.langs[l].Execute(io.Discard, sample); err != nil {
				return fmt.Errorf("web: page %s in %s does not render: %w", name, l, err)
			}
		}
	}
	for name := range samples {
		if _, ok := t.pages[name]; !ok {
			return fmt.Errorf("web: sample for page %s, which does not exist", name)
		}
	}
	return nil
}

// buffers hold pages while they are rendered; a page is a few kilobytes, and a buffer that grew
// much larger (an export's page) is let go rather than kept.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 256 << 10

// Render writes page name with data and status. The page is rendered whole before anything is
// sent, so a failure leaves the response untouched and is returned for the caller's error path.
func (t *Templates) Render(c *gin.Context, status int, name string, data any) error {
	set, ok := t.pages[name]
	if !ok {
		return fmt.Errorf("web: render: no page %s", name)
	}
	page := set.plain
	if l, ok := data.(Localized); ok {
		if p := set.langs[l.Language()]; p != nil {
			page = p
		}
	}
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buffers.Put(buf)
		}
	}()
	if err := page.Execute(buf, data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}
