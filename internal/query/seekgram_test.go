package query

import (
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/textindex"
)

// TestSeekGramsAreInTheSeekIndexes: the seek indexes hold only tokens of
// seekGramKind (migration 0023), so every token a name fragment's seek can
// ask for must be one — else gramSelect falls back to the range, correct
// but slow, and the plans test would not say why.
func TestSeekGramsAreInTheSeekIndexes(t *testing.T) {
	for _, q := range []string{"张", "张伟", "张小伟", "欧阳娜娜", "tom", "t", "李4", "ＡＢ", "é"} {
		grams, _ := textindex.FragmentGrams("", textindex.Normalize(q))
		for _, g := range grams {
			if !strings.HasPrefix(g, seekGramKind) || g >= "g;" {
				t.Errorf("fragment %q: token %q is not in the seek indexes' range", q, g)
			}
		}
	}
}
