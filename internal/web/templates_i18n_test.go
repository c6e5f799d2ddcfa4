package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"text/template/parse"

	"gridpay/internal/i18n"
)

// catalog is a translator whose words hold every character html/template escapes.
func catalog(lang i18n.Lang, key string, args ...any) string {
	w := map[string]string{"hi": `你好 & <b>"朋友"</b> 1+1 'x'`, "bye": "再见"}[key]
	if lang == i18n.EN {
		w = map[string]string{"hi": `Hello & <b>"friend"</b> 1+1 'x'`, "bye": "Bye"}[key]
	}
	if w == "" {
		w = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(w+" %v", args...)
	}
	return w
}

// tPage is page data whose T is catalog in its language, counting its calls.
type tPage struct {
	Lang  i18n.Lang
	Items []tItem
	Inner *tPage
	calls *atomic.Int64
}

func (p tPage) Language() i18n.Lang { return p.Lang }

func (p tPage) T(key string, args ...any) string {
	p.calls.Add(1)
	return catalog(p.Lang, key, args...)
}

// tItem has a T of its own, which must stay its own inside range.
type tItem struct{ Name string }

func (i tItem) T(key string) string { return "item " + i.Name + " " + key }

// plainPage is tPage's data that does not say its language, rendered by the plain page.
type plainPage struct{ tPage }

func (plainPage) Language() {} // shadows tPage's: not Localized

// TestTranslationsAtStartUpWriteWhatTWould renders pages that use T in every place a page may
// (text, title, quoted and unquoted attributes, URLs, scripts, range, with, a partial given other
// data, T with arguments) from the language copies and from the plain page, and wants the same
// bytes, with the constant calls no longer made.
func TestTranslationsAtStartUpWriteWhatTWould(t *testing.T) {
	fsys := fstest.MapFS{
		"layout.html": {Data: []byte(`<html><title>{{block "title" .}}{{.T "hi"}}{{end}}</title>` +
			`<body>{{block "content" .}}{{end}}</body></html>`)},
		"partials/p.html": {Data: []byte(`{{define "inner"}}<i>{{.T "hi"}}</i>{{end}}{{define "same"}}<u>{{.T "hi"}}{{$.T "bye"}}</u>{{end}}`)},
		"page.html": {Data: []byte(`{{define "content"}}<p>{{.T "hi"}}</p><a title="{{.T "hi"}}" href="/x?q={{.T "hi"}}">{{$.T "bye"}}</a>` +
			`<input value={{.T "hi"}}><button onclick="f({{.T "hi"}})">{{.T "bye"}}</button>` +
			`{{range .Items}}<li>{{.T "hi"}} {{$.T "bye"}}</li>{{else}}{{.T "bye"}}{{end}}` +
			`{{with .Inner}}{{.T "bye"}}{{template "inner" .}}{{else}}{{.T "hi"}}{{end}}` +
			`{{template "same" .}}{{template "inner" .}}{{if .Items}}{{.T "hi" 42}}{{printf "%s!" (.T "bye")}}{{end}}{{end}}`)},
	}
	tpl, err := newTemplates(fsys, nil, map[string]any{"page": tPage{calls: new(atomic.Int64)}}, catalog)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range i18n.Langs() {
		for _, inner := range []*tPage{nil, {Lang: i18n.EN, calls: new(atomic.Int64)}} {
			t.Run(fmt.Sprintf("%s inner=%v", l, inner != nil), func(t *testing.T) {
				data := tPage{Lang: l, Items: []tItem{{"a"}, {"b"}}, Inner: inner, calls: new(atomic.Int64)}
				var plain, folded bytes.Buffer
				if err := tpl.pages["page"].plain.Execute(&plain, plainPage{data}); err != nil {
					t.Fatal(err)
				}
				plainCalls := data.calls.Swap(0)
				if err := tpl.pages["page"].langs[l].Execute(&folded, data); err != nil {
					t.Fatal(err)
				}
				if folded.String() != plain.String() {
					t.Errorf("translated at start-up:\n%s\nwant what T writes:\n%s", folded.String(), plain.String())
				}
				if !strings.Contains(plain.String(), "&lt;b&gt;") || !strings.Contains(plain.String(), "item a hi") {
					t.Errorf("the page does not show what the test means to check:\n%s", plain.String())
				}
				// The page's own constant calls are gone: left are {{.T "hi" 42}} and those in
				// the partial that is given .Inner too, whose T is not the page's.
				if got := data.calls.Load(); got >= plainCalls || got > 3 {
					t.Errorf("%d calls of T left of %d", got, plainCalls)
				}
			})
		}
	}
}

// TestTranslationsAtStartUpAreText checks that the translated words of a page in text and in
// quoted attributes are written as text: rendering calls neither T nor an escaper for them.
func TestTranslationsAtStartUpAreText(t *testing.T) {
	fsys := fstest.MapFS{
		"layout.html": {Data: []byte(`<p title="{{.T "bye"}}">{{.T "hi"}}</p>`)},
		"page.html":   {Data: []byte(``)},
	}
	tpl, err := newTemplates(fsys, template.FuncMap{}, map[string]any{"page": tPage{calls: new(atomic.Int64)}}, catalog)
	if err != nil {
		t.Fatal(err)
	}
	root := tpl.pages["page"].langs[i18n.EN].Tree.Root
	if root.String() != `<p title="Bye">Hello &amp; &lt;b&gt;&#34;friend&#34;&lt;/b&gt; 1&#43;1 &#39;x&#39;</p>` {
		t.Errorf("the English page is %q, want text only", root.String())
	}
	for _, n := range root.Nodes {
		if n.Type() != parse.NodeText {
			t.Errorf("node %q is not text", n.String())
		}
	}
}
