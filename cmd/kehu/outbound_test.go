package main_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryOutboundClientHasATimeout: kehu's outbound calls (webhook
// deliveries, kehu sync's platform clients, the bench's load clients) must
// each be bounded, so a peer that never answers cannot hold a goroutine, a
// lease or a delivery slot for ever. Go's defaults are not: http.Get,
// http.DefaultClient and an http.Client without Timeout wait as long as the
// peer likes. This test reads every non-test file of the module and refuses
// those, so a new client has to say how long it waits.
func TestEveryOutboundClientHasATimeout(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "http" {
					switch n.Sel.Name {
					case "DefaultClient", "Get", "Head", "Post", "PostForm":
						t.Errorf("%s: http.%s waits for ever; use a client with a Timeout", fset.Position(n.Pos()), n.Sel.Name)
					}
				}
			case *ast.CompositeLit:
				sel, ok := n.Type.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Client" {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "http" {
					return true
				}
				timeout := false
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Timeout" {
							timeout = true
						}
					}
				}
				if !timeout {
					t.Errorf("%s: an http.Client without Timeout", fset.Position(n.Pos()))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
