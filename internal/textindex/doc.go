// Package textindex is the single tokenizer used both to index and to query
// customer names and company names, so that what is written to the index and
// what is looked up can never drift apart.
//
// # Storage model
//
// Every indexed value is turned into a small set of string tokens that are
// stored in one B-tree "gram table" keyed (tenant_id, gram, customer_id).
// Several fields can share the table because each token carries a
// caller-chosen field prefix ("" for the person name, "c" for the company
// name, …) followed by a one-letter kind and a colon:
//
//	prefix+"g:"+gram     a unigram or bigram of the normalized text
//	prefix+"p:"+pinyin   the full toneless pinyin, syllables joined ("zhangsan")
//	prefix+"i:"+initials the first letter of every syllable ("zs")
//
// A field prefix must not contain ':'. Then no token of one field can start
// with a scan prefix of another field, so fields never bleed into each other.
//
// # Normalization
//
// [Normalize] is applied to values and queries alike: invisible format
// characters (zero-width space, BOM, soft hyphen, …) and control characters
// are dropped, text is NFKC-folded (full-width ＡＢＣ１２３ → ABC123,
// compatibility ideographs → unified ideographs, ideographic space → space),
// lower-cased, and whitespace is trimmed and collapsed to single spaces.
// Normalize is idempotent, so a stored normalized value re-tokenizes to the
// same tokens.
//
// # Grams and contains-search
//
// The normalized text is split into words: maximal runs of letters, numbers
// and combining marks. Whitespace and punctuation separate words. For every
// word rune a unigram is emitted, and for every two adjacent runes of the same
// word a bigram. Chinese names are typically 2–4 characters, so a name of n
// characters costs at most 2n-1 gram rows, and every 1- and 2-character
// fragment is answered exactly by a single index probe.
//
// [FragmentGrams] turns a query fragment into the grams to intersect:
//
//   - 1 rune: its unigram, exact.
//   - 2 runes: the bigram, exact.
//   - 3+ runes: all its bigrams (AND); the intersection over-approximates
//     ("张三丰" also hits "三丰张三"), so recheck is true and the caller
//     must confirm with [ContainsFragment] (a substring test over normalized
//     text).
//   - several words (the fragment spans whitespace or punctuation): the grams
//     of every word part, recheck true. One-rune parts are dropped when some
//     other part yields a bigram (they add a huge posting list and almost no
//     selectivity; the recheck covers them).
//
// Because both sides use the same normalization and the same word definition,
// every gram of any fragment that occurs in Normalize(value) occurs in
// Tokens(value): the index never misses (this is property- and fuzz-tested).
//
// # Pinyin
//
// Pinyin comes from github.com/mozillazg/go-pinyin's dictionary (style Normal,
// first reading, ü written as "v" as in "lv"). The dictionary is converted once,
// lazily, into a dense rune→syllable table, so per-name conversion is a table
// lookup rather than go-pinyin's per-character regexp work.
//
// go-pinyin knows no words and takes the first reading of a heteronym, which
// is wrong for many surnames (单 dan → shan, 曾 ceng → zeng, 解 jie → xie …).
// When a value starts with a Han character (the surname position) a surname
// table is consulted: two-character compound surnames first (欧阳 ouyang,
// 尉迟 yuchi, 单于 chanyu, 万俟 moqi …), then single characters. Traditional
// forms (單, 區, 樂, 長 …) are included. The override also applies to company
// names, where it mostly helps (重庆 chongqing, 长沙 changsha).
//
// A few surname readings are genuinely disputed; for those the value gets an
// alternate reading in addition to the primary one, so both searches work:
// 尉 yu (alt wei), 黑 he (alt hei), 翟 zhai (alt di), 隗 wei (alt kui), and
// a compound surname whose first character is a surname of its own keeps the
// "single surname + given name" reading when that differs (单于 chanyu, alt
// shanyu; 长孙 zhangsun, alt changsun; 万俟 moqi, alt wanqi).
// [Pinyin] returns the primary reading; [Tokens] and [MatchesPinyin] use all.
//
// The pinyin string covers Han characters and ASCII letters/digits in their
// original order; everything else (spaces, punctuation, other scripts) is
// dropped. Every Han character contributes its first letter to the initials
// and every run of ASCII letters/digits contributes its first character, so
// "Tony张" → "tonyzhang" / "tz" and "张3丰" → "zhang3feng" / "z3f".
// Values without any Han character get no pinyin tokens: a Latin name is
// already fully served by its grams, and initials of Latin words ("th" for
// "Tom Hanks") would only add false positives.
//
// Pinyin search is a prefix match: the query (ASCII letters, spaces ignored)
// must be a prefix of the full pinyin or of the initials. [PinyinPrefixes]
// gives the two token prefixes to range-scan with [PrefixUpperBound];
// [MatchesPinyin] is the in-memory twin. Pinyin tokens are capped at
// [MaxPinyinLen] bytes (and queries are cut to the same length in
// PinyinPrefixes), which keeps B-tree keys small; for absurdly long queries
// the scan over-approximates and MatchesPinyin is exact.
//
// # Performance
//
// Tokens is written for bulk loads of millions of names: an already-normalized
// value is not copied, all tokens of a value share one backing buffer, and a
// typical call performs two allocations (the buffer and the result slice).
package textindex
