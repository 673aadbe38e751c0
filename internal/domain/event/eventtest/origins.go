package eventtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// OriginTypes returns the types that the package in dir (its non-test
// files) asserts an origin to be, as written: "*stanzaOrigin" for
// ev.Origin.(*stanzaOrigin), origin.(*stanzaOrigin) or a case of a type
// switch on either. An adapter's test checks that each has a codec, so
// that a new kind of origin cannot be added to the renderers and be lost
// when its event crosses nodes.
func OriginTypes(tb testing.TB, dir string) []string {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		tb.Fatal(err)
	}
	fset := token.NewFileSet()
	var types []string
	add := func(e ast.Expr) {
		var b strings.Builder
		writeType(&b, e)
		if s := b.String(); s != "" && !slices.Contains(types, s) {
			types = append(types, s)
		}
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			tb.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.TypeAssertExpr:
				if isOrigin(n.X) && n.Type != nil {
					add(n.Type)
				}
			case *ast.TypeSwitchStmt:
				var x ast.Expr
				switch a := n.Assign.(type) {
				case *ast.AssignStmt:
					x = a.Rhs[0].(*ast.TypeAssertExpr).X
				case *ast.ExprStmt:
					x = a.X.(*ast.TypeAssertExpr).X
				}
				if isOrigin(x) {
					for _, c := range n.Body.List {
						for _, e := range c.(*ast.CaseClause).List {
							if id, ok := e.(*ast.Ident); !ok || id.Name != "nil" {
								add(e)
							}
						}
					}
				}
			}
			return true
		})
	}
	slices.Sort(types)
	return types
}

// isOrigin reports whether e is x.Origin or a variable named origin.
func isOrigin(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name == "Origin"
	case *ast.Ident:
		return e.Name == "origin"
	}
	return false
}

func writeType(b *strings.Builder, e ast.Expr) {
	switch e := e.(type) {
	case *ast.StarExpr:
		b.WriteByte('*')
		writeType(b, e.X)
	case *ast.SelectorExpr:
		writeType(b, e.X)
		b.WriteByte('.')
		b.WriteString(e.Sel.Name)
	case *ast.Ident:
		b.WriteString(e.Name)
	default:
		b.WriteString("?")
	}
}
