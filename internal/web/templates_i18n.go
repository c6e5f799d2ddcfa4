package web

import (
	"html/template"
	"strconv"
	"strings"
	"text/template/parse"

	"gridpay/internal/i18n"
)

// translate replaces, in the templates of page whose dot is the page's data wherever they run, each
// constant translation ({{.T "key"}} where dot is the data, {{$.T "key"}} anywhere) by the text tr
// gives for l, before html/template escapes the page: the text is then escaped where it stands,
// exactly as T's answer would have been. A call with arguments, or on a dot that may be something
// else (inside range or with, or in a template called with other data), is left as it is.
func translate(page *template.Template, l i18n.Lang, tr translator) {
	for name := range pageDotTemplates(page) {
		t := page.Lookup(name)
		if t == nil || t.Tree == nil {
			continue
		}
		walk(t.Tree.Root, true, func(p *parse.PipeNode, dotIsPage bool) {
			if len(p.Cmds) == 0 {
				return
			}
			cmd := p.Cmds[0]
			if len(cmd.Args) != 2 {
				return
			}
			key, ok := cmd.Args[1].(*parse.StringNode)
			if !ok || !isT(cmd.Args[0], dotIsPage) {
				return
			}
			text := tr(l, key.Text)
			key.Text, key.Quoted = text, strconv.Quote(text)
			cmd.Args = []parse.Node{key}
		}, nil)
	}
}

// isT reports whether n names the page's T: .T where dot is the page, or $.T.
func isT(n parse.Node, dotIsPage bool) bool {
	switch n := n.(type) {
	case *parse.FieldNode:
		return dotIsPage && len(n.Ident) == 1 && n.Ident[0] == "T"
	case *parse.VariableNode:
		return len(n.Ident) == 2 && n.Ident[0] == "$" && n.Ident[1] == "T"
	}
	return false
}

// pageDotTemplates returns the templates of page that run only with the page's data as dot: the
// layout, which Render executes with it, and those it calls, directly or not, only with {{template
// "name" .}} (or $) from where dot is the data.
func pageDotTemplates(page *template.Template) map[string]bool {
	seen := map[string]map[bool]bool{}
	var visit func(name string, dotIsPage bool)
	visit = func(name string, dotIsPage bool) {
		if seen[name][dotIsPage] {
			return
		}
		if seen[name] == nil {
			seen[name] = map[bool]bool{}
		}
		seen[name][dotIsPage] = true
		t := page.Lookup(name)
		if t == nil || t.Tree == nil {
			return
		}
		walk(t.Tree.Root, dotIsPage, nil, func(n *parse.TemplateNode, dotIsPage bool) {
			visit(n.Name, dotIsPage && passesDot(n.Pipe))
		})
	}
	visit(page.Name(), true)
	out := map[string]bool{}
	for name, ways := range seen {
		if ways[true] && !ways[false] {
			out[name] = true
		}
	}
	return out
}

// passesDot reports whether a template call's argument is dot itself or $.
func passesDot(p *parse.PipeNode) bool {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.DotNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) == 1 && a.Ident[0] == "$"
	}
	return false
}

// walk visits every pipeline and template call under n, saying whether dot is the page's data
// there: range and with bodies change dot, their else branches and if do not.
func walk(n parse.Node, dotIsPage bool, pipe func(*parse.PipeNode, bool), call func(*parse.TemplateNode, bool)) {
	var pipeline func(p *parse.PipeNode)
	pipeline = func(p *parse.PipeNode) {
		if p == nil {
			return
		}
		if pipe != nil {
			pipe(p, dotIsPage)
		}
		for _, c := range p.Cmds {
			for _, a := range c.Args {
				switch a := a.(type) {
				case *parse.PipeNode:
					pipeline(a)
				case *parse.ChainNode:
					if sub, ok := a.Node.(*parse.PipeNode); ok {
						pipeline(sub)
					}
				}
			}
		}
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, dotIsPage, pipe, call)
		}
	case *parse.ActionNode:
		pipeline(n.Pipe)
	case *parse.IfNode:
		pipeline(n.Pipe)
		walk(n.List, dotIsPage, pipe, call)
		walk(n.ElseList, dotIsPage, pipe, call)
	case *parse.RangeNode:
		pipeline(n.Pipe)
		walk(n.List, false, pipe, call)
		walk(n.ElseList, dotIsPage, pipe, call)
	case *parse.WithNode:
		pipeline(n.Pipe)
		walk(n.List, false, pipe, call)
		walk(n.ElseList, dotIsPage, pipe, call)
	case *parse.TemplateNode:
		pipeline(n.Pipe)
		if call != nil {
			call(n, dotIsPage)
		}
	}
}

// textEscapers are html/template's escapers that, given a string, replace exactly the characters
// of htmlReplacer below: in text, in a quoted attribute and in RCDATA (<title>).
var textEscapers = map[string]bool{
	"_html_template_htmlescaper":   true,
	"_html_template_attrescaper":   true,
	"_html_template_rcdataescaper": true,
}

// htmlReplacer escapes a plain string as html/template's htmlEscaper does (its
// htmlReplacementTable).
var htmlReplacer = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;",
	"<", "&lt;", ">", "&gt;")

// inlineTranslations turns, in the escaped templates of page, each action that writes a constant
// string through the text escapers ({{"words" | _html_template_htmlescaper}}, which translate
// leaves) into the escaped text itself, so that rendering copies it instead of calling the escaper
// through reflection. Other escapers (URLs, scripts, unquoted attributes) stay as html/template
// made them.
func inlineTranslations(page *template.Template) {
	for _, t := range page.Templates() {
		if t.Tree != nil {
			inlineList(t.Tree.Root)
		}
	}
}

func inlineList(l *parse.ListNode) {
	if l == nil {
		return
	}
	for i, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			if text, ok := constantText(n.Pipe); ok {
				l.Nodes[i] = &parse.TextNode{NodeType: parse.NodeText, Pos: n.Pos, Text: []byte(text)}
			}
		case *parse.IfNode:
			inlineList(n.List)
			inlineList(n.ElseList)
		case *parse.RangeNode:
			inlineList(n.List)
			inlineList(n.ElseList)
		case *parse.WithNode:
			inlineList(n.List)
			inlineList(n.ElseList)
		}
	}
}

// constantText returns what an escaped action writes when it is a string constant through text
// escapers only.
func constantText(p *parse.PipeNode) (string, bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) < 2 || len(p.Cmds[0].Args) != 1 {
		return "", false
	}
	s, ok := p.Cmds[0].Args[0].(*parse.StringNode)
	if !ok {
		return "", false
	}
	text := s.Text
	for _, c := range p.Cmds[1:] {
		if len(c.Args) != 1 {
			return "", false
		}
		id, ok := c.Args[0].(*parse.IdentifierNode)
		if !ok || !textEscapers[id.Ident] {
			return "", false
		}
		text = htmlReplacer.Replace(text)
	}
	return text, true
}
