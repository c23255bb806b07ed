package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kehu/kehu/internal/store"
)

// Machine describes where the bench ran.
type Machine struct {
	CPU             string `json:"cpu"`
	Cores           int    `json:"cores"`
	MemoryBytes     int64  `json:"memoryBytes"`
	Kernel          string `json:"kernel"`
	Go              string `json:"go"`
	DatabaseVersion string `json:"databaseVersion"`
	LoadAverage     string `json:"loadAverageAtStart"`
}

func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAverage = strings.Join(f[:3], " ")
		}
	}
	m.MemoryBytes = procKB("/proc/meminfo", "MemTotal:")
	return m
}

// procKB reads "key: N kB" from a /proc file, in bytes (0 if unknown).
func procKB(file, key string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key) {
			f := strings.Fields(strings.TrimPrefix(line, key))
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n * 1024
			}
		}
	}
	return 0
}

// peakRSS is this process's peak resident set size (VmHWM).
func peakRSS() int64 { return procKB("/proc/self/status", "VmHWM:") }

// resetPeakRSS restarts VmHWM from the current RSS (Linux ≥ 4.0).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func databaseVersion(ctx context.Context, st *store.Store) string {
	var v string
	q := "SELECT 'SQLite ' || sqlite_version()"
	if st.Dialect() == store.Postgres {
		q = "SELECT version()"
	}
	if st.QueryRow(ctx, q).Scan(&v) != nil {
		return ""
	}
	if i := strings.Index(v, " on "); i > 0 {
		v = v[:i]
	}
	return v
}

// dbSize is the size of the database: SQLite file plus WAL, or
// pg_database_size.
func dbSize(ctx context.Context, st *store.Store) int64 {
	if st.Dialect() == store.Postgres {
		var n int64
		_ = st.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
		return n
	}
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(st.Path + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// WriteJSON prints the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable prints the report for people.
func (r *Report) WriteTable(w io.Writer) {
	db := r.Database
	if r.Sync != "" {
		db += " (--sync " + r.Sync + ")"
	}
	fmt.Fprintf(w, "kehu bench — %s, %d customers, %d clients, %s per workload\n", db, r.Customers, r.Clients, r.Duration)
	fmt.Fprintf(w, "machine: %s, %d cores, %.1f GiB, %s, %s, load average %s\n", r.Machine.CPU, r.Machine.Cores,
		float64(r.Machine.MemoryBytes)/(1<<30), r.Machine.Go, r.Machine.DatabaseVersion, r.Machine.LoadAverage)
	if l := r.Load; l != nil {
		fmt.Fprintf(w, "\nload: %d customers in %.1f s = %.0f customers/s (%d rows; indexes %s)\n", l.Customers, l.Seconds, l.PerSecond,
			l.Rows, map[bool]string{true: "built after the rows", false: "maintained row by row"}[l.Deferred])
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  phase\tseconds\tcpu s\trows\t")
		for _, p := range l.Phases {
			fmt.Fprintf(tw, "  %s\t%.2f\t%.2f\t%d\t\n", p.Name, p.Duration.Seconds(), p.CPU.Seconds(), p.Rows)
		}
		tw.Flush()
	}
	if len(r.Workloads) > 0 {
		r.writeWorkloads(w)
	}
	if r.Soak != nil {
		r.Soak.write(w)
	}
	r.writeFooter(w)
}

func (r *Report) writeWorkloads(w io.Writer) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\t\t1 client\t\t%d clients\t\t\t\t\t\t\t\t\n", r.Clients)
	fmt.Fprintln(tw, "workload\tAPI\tp50 ms\tp99 ms\treq/s\tp50 ms\tp95 ms\tp99 ms\trows/s\ttotal\tRSS MiB\terrors\t")
	for _, x := range r.Workloads {
		total := "-"
		if x.Total >= 0 {
			total = strconv.FormatInt(x.Total, 10)
		}
		one := &Result{}
		if x.Single != nil {
			one = x.Single
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.0f\t%.2f\t%.2f\t%.2f\t%.0f\t%s\t%.0f\t%d\t\n", x.Name, x.API, one.P50, one.P99,
			x.RPS, x.P50, x.P95, x.P99, x.RowsPerSec, total, float64(x.PeakRSS)/(1<<20), x.Errors+one.Errors)
	}
	tw.Flush()
}

func (r *Report) writeFooter(w io.Writer) {
	fmt.Fprintf(w, "\npeak RSS while serving: %.0f MiB (load phase: %.0f MiB); database size: %.0f MiB\n",
		float64(r.PeakRSS)/(1<<20), float64(r.LoadRSS)/(1<<20), float64(r.DBSize)/(1<<20))
	for _, x := range r.Workloads {
		for _, e := range []*Result{x, x.Single} {
			if e != nil && e.FirstError != "" {
				fmt.Fprintf(w, "%s: first error: %s\n", x.Name, e.FirstError)
			}
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}
