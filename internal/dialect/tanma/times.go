package tanma

import (
	"strings"
	"time"

	"github.com/kehu/kehu/internal/crm"
)

// TimeLayout is 探马's time format, always in Asia/Shanghai.
const TimeLayout = "2006-01-02 15:04:05"

const dateLayout = "2006-01-02"

// shanghai is the zone of every time on the wire: China Standard Time,
// UTC+8 without the 1986–1991 summer times of the tz database's
// Asia/Shanghai, the same fixed zone as kehu's engine (crm.China), so a
// birthday stored at midnight stays at midnight.
var shanghai = crm.China

// timeBounds parses a time as the span it names, in epoch ms:
// "yyyy-MM-dd HH:mm:ss" is that second, "yyyy-MM-dd HH:mm" that minute and
// "yyyy-MM-dd" that whole day, so an upper bound includes all of it.
func timeBounds(s string) (lo, hi int64, ok bool) {
	s = strings.TrimSpace(s)
	for _, l := range []struct {
		layout string
		span   func(time.Time) time.Time
	}{
		{TimeLayout, func(t time.Time) time.Time { return t.Add(time.Second) }},
		{"2006-01-02T15:04:05", func(t time.Time) time.Time { return t.Add(time.Second) }},
		{"2006-01-02 15:04", func(t time.Time) time.Time { return t.Add(time.Minute) }},
		{dateLayout, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	} {
		if t, err := time.ParseInLocation(l.layout, s, shanghai); err == nil {
			return t.UnixMilli(), l.span(t).UnixMilli() - 1, true
		}
	}
	return 0, 0, false
}

// formatTime renders t in TimeLayout; the zero time is nil (JSON null).
func formatTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(shanghai).Format(TimeLayout)
}
