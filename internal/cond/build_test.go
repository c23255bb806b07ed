package cond

import "testing"

func TestConstructorsMatchParser(t *testing.T) {
	cases := []struct {
		built *Node
		src   string
	}{
		{Eq("name", "张三"), `name = "张三"`},
		{And(Eq("status", int64(1)), In("tags", "vip", "new")), `status = 1 && tags in ("vip", "new")`},
		{Or(Not(IsEmpty("email")), Between("score", 1, 2.5)), `!(email isEmpty) || score between (1, 2.5)`},
		{And(nil, Neq("city", nil)), `city != null`},
	}
	for _, c := range cases {
		want, err := ParseString(c.src, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		if got, w := c.built.String(), want.String(); got != w {
			t.Errorf("built %s, parsed %s", got, w)
		}
	}
	if And() != nil || Or(nil) != nil {
		t.Error("an empty group should be nil")
	}
}
