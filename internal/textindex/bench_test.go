package textindex

import (
	"math/rand/v2"
	"testing"

	gopinyin "github.com/mozillazg/go-pinyin"
)

func BenchmarkTokens(b *testing.B) {
	cases := []struct {
		name, value string
		pinyin      bool
	}{
		{"han3", "张三丰", true},
		{"han3-nopinyin", "张三丰", false},
		{"han2", "王伟", true},
		{"compound4", "欧阳娜娜", true},
		{"latin", "Tom Hanks", false},
		{"latin-upper-fullwidth", "ＴＯＭ Hanks", false},
		{"company", "北京字节跳动科技有限公司", true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			table() // exclude the one-time table build
			b.ReportAllocs()
			for b.Loop() {
				_ = Tokens("", c.value, c.pinyin)
			}
		})
	}
}

// A mixed corpus of generated names, closer to a bulk load than one name.
func BenchmarkTokensCorpus(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	names := make([]string, 4096)
	for i := range names {
		names[i] = randomName(rng)
	}
	table()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = Tokens("", names[i&4095], true)
		i++
	}
}

func BenchmarkPinyin(b *testing.B) {
	table()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Pinyin("张三丰")
	}
}

// Baseline: go-pinyin itself on the same name.
func BenchmarkGoPinyinLazy(b *testing.B) {
	args := gopinyin.Args{Style: gopinyin.Normal}
	b.ReportAllocs()
	for b.Loop() {
		_ = gopinyin.LazyPinyin("张三丰", args)
	}
}

func BenchmarkNormalize(b *testing.B) {
	for _, v := range []string{"张三丰", "Tom Hanks", "ＴＯＭ　Hanks"} {
		b.Run(v, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Normalize(v)
			}
		})
	}
}

func BenchmarkFragmentGrams(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = FragmentGrams("", "张三丰")
	}
}

func BenchmarkTableBuild(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = buildTable()
	}
}
