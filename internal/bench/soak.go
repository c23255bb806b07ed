package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// The soak (kehu bench --soak 10m) and the contention run
// (phone-under-4000) drive several workloads at once, as production
// traffic does, instead of one after the other.

// SoakClients is how many clients a soak runs unless --clients says.
const SoakClients = 16

// soakMix is the soak's traffic: cheap point lookups and searches on all
// four APIs, one write in five, and each request drawn at random by its
// weight.
var soakMix = []struct {
	workload string
	weight   int
}{
	{"phone-exact", 25},
	{"native-name-estimate", 10},
	{"native-bound", 10},
	{"dashi-page", 10},
	{"tanma-search", 10},
	{"yeastar-list", 10},
	{"phone-last4", 5},
	{"native-create", 20},
}

// SoakReport is the outcome of a soak: every request of the mix, per
// workload and overall, and the process's memory at the start and the end
// (and its peak): a service that leaks grows here.
type SoakReport struct {
	Duration   string    `json:"duration"`
	Clients    int       `json:"clients"`
	Overall    *Result   `json:"overall"`
	Workloads  []*Result `json:"workloads"`
	RSSStart   int64     `json:"rssStartBytes"` // VmRSS after the warm-up
	RSSEnd     int64     `json:"rssEndBytes"`   // VmRSS at the end
	RSSPeak    int64     `json:"rssPeakBytes"`  // VmHWM over the soak
	HeapStart  uint64    `json:"heapStartBytes"`
	HeapEnd    uint64    `json:"heapEndBytes"` // Go heap in use at the end, after a GC
	Goroutines [2]int    `json:"goroutines"`   // at the start and the end
	// RSSSamples is VmRSS once a minute (the first after the warm-up).
	RSSSamples []int64 `json:"rssSamplesBytes"`
}

// soak runs the mix with n clients for d (after a 10 s warm-up).
func soak(ctx context.Context, cl *clients, all []*workload, n int, d time.Duration, progress io.Writer) *SoakReport {
	byName := map[string]*workload{}
	for _, w := range all {
		byName[w.Name] = w
	}
	var mix []*workload
	var weights []int
	total := 0
	for _, m := range soakMix {
		if w := byName[m.workload]; w != nil {
			mix = append(mix, w)
			weights = append(weights, m.weight)
			total += m.weight
		}
	}
	pick := func(r *rand.Rand) int {
		x := r.IntN(total)
		for i, wt := range weights {
			if x < wt {
				return i
			}
			x -= wt
		}
		return len(weights) - 1
	}
	warm := min(10*time.Second, d/5)
	rep := &SoakReport{Duration: d.String(), Clients: n}
	var mu sync.Mutex
	samples := make([][]sample, len(mix))
	var wg sync.WaitGroup
	start := time.Now()
	measureFrom, stop := start.Add(warm), start.Add(warm+d)
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(k)+101, uint64(time.Now().UnixNano())))
			mine := make([][]sample, len(mix))
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				if !t0.Before(stop) {
					break
				}
				j := pick(r)
				s := once(ctx, cl, mix[j], r, i)
				s.lat = time.Since(t0)
				if t0.After(measureFrom) {
					mine[j] = append(mine[j], s)
				}
			}
			mu.Lock()
			for j := range mine {
				samples[j] = append(samples[j], mine[j]...)
			}
			mu.Unlock()
		}()
	}
	// Memory after the warm-up, then once a minute until the end.
	sleepUntil(ctx, measureFrom)
	rep.RSSStart = procKB("/proc/self/status", "VmRSS:")
	rep.HeapStart = heapInUse()
	rep.Goroutines[0] = runtime.NumGoroutine()
	resetPeakRSS()
	rep.RSSSamples = append(rep.RSSSamples, rep.RSSStart)
	for next := measureFrom.Add(time.Minute); next.Before(stop) && ctx.Err() == nil; next = next.Add(time.Minute) {
		sleepUntil(ctx, next)
		rss := procKB("/proc/self/status", "VmRSS:")
		rep.RSSSamples = append(rep.RSSSamples, rss)
		fmt.Fprintf(progress, "kehu bench: soak %v of %v: RSS %.0f MiB\n", next.Sub(measureFrom).Round(time.Second), d, float64(rss)/(1<<20))
	}
	wg.Wait()
	rep.RSSEnd = procKB("/proc/self/status", "VmRSS:")
	rep.RSSPeak = peakRSS()
	rep.HeapEnd = heapInUse()
	rep.Goroutines[1] = runtime.NumGoroutine()
	elapsed := time.Since(measureFrom)
	var every []sample
	for j, w := range mix {
		rep.Workloads = append(rep.Workloads, summarize(w, samples[j], elapsed))
		every = append(every, samples[j]...)
	}
	rep.Overall = summarize(&workload{Name: "all", API: "mixed", Description: "the whole mix"}, every, elapsed)
	return rep
}

func sleepUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// contention runs cheap with one client while heavy runs with n clients,
// for d: the latency of a cheap request while heavy work fills the
// server, which admission control is there to protect. The heavy
// requests refused with 429/503 (admission's queue ran out) are counted
// as such, not as errors: refusing is its job.
func contention(ctx context.Context, cl *clients, cheap, heavy *workload, n int, d time.Duration) (cheapRes, heavyRes *Result) {
	refusing := *heavy
	refusing.check = func(status int, body []byte) (int, int64, error) {
		if status == 429 || status == 503 {
			return 0, -1, nil
		}
		return heavy.check(status, body)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); heavyRes = run(ctx, cl, &refusing, n, d+time.Second) }()
	time.Sleep(time.Second) // the heavy clients are at work first
	cheapRes = run(ctx, cl, cheap, 1, d)
	wg.Wait()
	cheapRes.Name = cheap.Name + "-under-" + strings.TrimPrefix(heavy.Name, "dashi-")
	cheapRes.Description = fmt.Sprintf("%s with 1 client while %d clients fetch %s", cheap.Name, n, heavy.Description)
	heavyRes.Name = heavy.Name + "-beside-" + cheap.Name
	return cheapRes, heavyRes
}

// writeSoak prints a soak's report.
func (s *SoakReport) write(w io.Writer) {
	fmt.Fprintf(w, "\nsoak: %s with %d clients (mixed reads and writes on all four APIs)\n", s.Duration, s.Clients)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tAPI\trequests\treq/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\t")
	for _, x := range append(slices.Clone(s.Workloads), s.Overall) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.0f\t%d\t\n", x.Name, x.API, x.Requests, x.RPS, x.P50, x.P95, x.P99, x.Max, x.Errors)
	}
	tw.Flush()
	var samples []string
	for _, b := range s.RSSSamples {
		samples = append(samples, fmt.Sprintf("%.0f", float64(b)/(1<<20)))
	}
	fmt.Fprintf(w, "RSS: start %.0f MiB, end %.0f MiB, peak %.0f MiB (per minute: %s); Go heap in use %.0f → %.0f MiB; goroutines %d → %d\n",
		float64(s.RSSStart)/(1<<20), float64(s.RSSEnd)/(1<<20), float64(s.RSSPeak)/(1<<20), strings.Join(samples, " "),
		float64(s.HeapStart)/(1<<20), float64(s.HeapEnd)/(1<<20), s.Goroutines[0], s.Goroutines[1])
	for _, x := range s.Workloads {
		if x.FirstError != "" {
			fmt.Fprintf(w, "%s: first error: %s\n", x.Name, x.FirstError)
		}
	}
}
