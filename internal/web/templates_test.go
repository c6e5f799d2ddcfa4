package web_test

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"

	"gridpay/internal/web"
)

// templateFS is a small area: a layout that loads a style sheet, a partial, and two pages.
func templateFS(page string) fstest.MapFS {
	return fstest.MapFS{
		"layout.html":        {Data: []byte(`<html><link href="{{asset "css/app.css"}}">{{block "content" .}}{{end}}</html>`)},
		"partials/note.html": {Data: []byte(`{{define "note"}}<p>{{.}}</p>{{end}}`)},
		"home.html":          {Data: []byte(`{{define "content"}}{{template "note" .Greeting}}{{end}}`)},
		"other.html":         {Data: []byte(page)},
	}
}

type sample struct{ Greeting string }

func testAssets(t *testing.T) *web.Assets {
	t.Helper()
	a, err := web.NewAssets(fstest.MapFS{"css/app.css": {Data: []byte("body{}")}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTemplatesCheckEveryPageAtStartUp(t *testing.T) {
	funcs := template.FuncMap{"asset": testAssets(t).URL}
	samples := map[string]any{"home": sample{}, "other": sample{}}
	for _, tc := range []struct {
		name    string
		page    string
		samples map[string]any
		wantErr string // "" for none
	}{
		{"every page renders", `{{define "content"}}ok{{end}}`, samples, ""},
		{"a static file that does not exist", `{{define "content"}}<img src="{{asset "img/gone.png"}}">{{end}}`, samples, "page other"},
		{"a field the page's data has not", `{{define "content"}}{{.Missing}}{{end}}`, samples, "page other"},
		{"a template that does not parse", `{{define "content"}}{{if}}{{end}}`, samples, "page other"},
		{"a page without a sample", `{{define "content"}}ok{{end}}`, map[string]any{"home": sample{}}, "page other"},
		{"a sample without a page", `{{define "content"}}ok{{end}}`, map[string]any{"home": sample{}, "other": sample{}, "gone": sample{}}, "page gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := web.NewTemplates(templateFS(tc.page), funcs, tc.samples)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("NewTemplates = %v, want no error", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("NewTemplates = %v, want an error naming %q", err, tc.wantErr)
			}
		})
	}
}

func TestTemplatesRender(t *testing.T) {
	tpl, err := web.NewTemplates(templateFS(`{{define "content"}}ok{{end}}`), template.FuncMap{"asset": testAssets(t).URL},
		map[string]any{"home": sample{}, "other": sample{}})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	if err := tpl.Render(c, http.StatusTeapot, "home", sample{Greeting: "<b>hi</b>"}); err != nil {
		t.Fatal(err)
	}
	if body := w.Body.String(); w.Code != http.StatusTeapot || !strings.Contains(body, "<p>&lt;b&gt;hi&lt;/b&gt;</p>") || !strings.Contains(body, "/static/") {
		t.Errorf("Render = %d %q", w.Code, body)
	}
	w = httptest.NewRecorder()
	c, _ = gin.CreateTestContext(w)
	if err := tpl.Render(c, http.StatusOK, "nowhere", sample{}); err == nil || w.Body.Len() != 0 {
		t.Errorf("Render of a page that does not exist = %v, wrote %q", err, w.Body.String())
	}
}
