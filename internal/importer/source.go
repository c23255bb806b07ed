package importer

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Source yields the rows of a file one at a time; nothing holds the whole
// file in memory.
type Source interface {
	// Next returns the next row's cells and its 1-based row number (the line
	// a CSV record starts on; the sheet row of an XLSX). io.EOF at the end.
	Next() (cells []string, row int64, err error)
	// Total is the number of rows in the file, header included (counted
	// records of a CSV, the sheet dimension of an XLSX), or -1.
	Total() int64
	// Format names the file type and encoding: "csv utf-8", "csv gb18030", "xlsx".
	Format() string
	Close() error
}

// cellRange is a merged range of an XLSX sheet (1-based, inclusive).
type cellRange struct{ r0, c0, r1, c1 int }

// merger is implemented by sources that know merged cells near the top.
type merger interface{ merges() []cellRange }

// Open opens a CSV or XLSX file; name (the uploaded file name, or path)
// decides the type by extension, else the content does.
func Open(filePath, name string) (Source, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		return openXLSX(filePath)
	case ".xls":
		return nil, fmt.Errorf("%s is an old Excel 97–2003 file: save it as .xlsx or .csv", filepath.Base(name))
	case ".csv", ".txt", ".tsv":
		return openCSV(filePath)
	}
	f, err := os.Open(filePath)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	f.Close()
	if bytes.HasPrefix(head[:n], []byte("PK\x03\x04")) {
		return openXLSX(filePath)
	}
	if bytes.HasPrefix(head[:n], []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return nil, fmt.Errorf("%s is an old Excel 97–2003 file: save it as .xlsx or .csv", filepath.Base(name))
	}
	return openCSV(filePath)
}

// ---- CSV ----

type csvSource struct {
	f     *os.File
	r     *csv.Reader
	total int64
	enc   string
}

// csvInfo is what one fast pass over a CSV learns: its encoding (a UTF-8
// BOM, else valid UTF-8, else GB18030 — what Excel in China writes), its
// delimiter, and how many records it holds (newlines outside quotes).
type csvInfo struct {
	bom, utf8 bool
	records   int64
	delim     rune
}

func scanCSV(r io.Reader) (csvInfo, error) {
	info := csvInfo{utf8: true, delim: ','}
	buf := make([]byte, 1<<20)
	var tail []byte
	first := true
	inQuote := false
	var last byte
	var firstLine []byte
	for {
		n, err := r.Read(buf)
		chunk := buf[:n]
		if first && n > 0 {
			first = false
			if bytes.HasPrefix(chunk, []byte{0xEF, 0xBB, 0xBF}) {
				info.bom = true
			}
			end := bytes.IndexByte(chunk, '\n')
			if end < 0 {
				end = len(chunk)
			}
			firstLine = append([]byte(nil), chunk[:end]...)
		}
		if info.utf8 && !info.bom && n > 0 {
			data := append(tail, chunk...)
			cut := len(data)
			for i := len(data) - 1; i >= 0 && i >= len(data)-4; i-- {
				if data[i]&0xC0 != 0x80 { // a rune starts here
					if !utf8.FullRune(data[i:]) {
						cut = i
					}
					break
				}
			}
			if !utf8.Valid(data[:cut]) {
				info.utf8 = false
			}
			tail = append(tail[:0], data[cut:]...)
		}
		for _, b := range chunk {
			switch b {
			case '"':
				inQuote = !inQuote
			case '\n':
				if !inQuote {
					info.records++
				}
			}
		}
		if n > 0 {
			last = chunk[n-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, err
		}
	}
	if len(tail) > 0 {
		info.utf8 = false
	}
	if last != '\n' && last != 0 {
		info.records++
	}
	counts := map[rune]int{}
	q := false
	for _, b := range firstLine {
		switch {
		case b == '"':
			q = !q
		case !q && (b == ',' || b == '\t' || b == ';'):
			counts[rune(b)]++
		}
	}
	if counts['\t'] > counts[','] && counts['\t'] >= counts[';'] {
		info.delim = '\t'
	} else if counts[';'] > counts[','] {
		info.delim = ';'
	}
	return info, nil
}

func openCSV(path string) (*csvSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	info, err := scanCSV(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(f, 256<<10)
	var rd io.Reader = br
	enc := "utf-8"
	switch {
	case info.bom:
		_, _ = br.Discard(3)
		enc = "utf-8 (BOM)"
	case !info.utf8:
		rd = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		enc = "gb18030"
	}
	r := csv.NewReader(rd)
	r.Comma = info.delim
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	return &csvSource{f: f, r: r, total: info.records, enc: enc}, nil
}

func (s *csvSource) Next() ([]string, int64, error) {
	rec, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, int64(pe.StartLine), fmt.Errorf("line %d: %v", pe.StartLine, pe.Err)
		}
		return nil, 0, err
	}
	line, _ := s.r.FieldPos(0)
	return rec, int64(line), nil
}

func (s *csvSource) Total() int64   { return s.total }
func (s *csvSource) Format() string { return "csv " + s.enc }
func (s *csvSource) Close() error   { return s.f.Close() }

// ---- XLSX ----

type xlsxSource struct {
	f      *excelize.File
	rows   *excelize.Rows
	row    int64
	total  int64
	ranges []cellRange
}

// headerArea bounds which merged ranges are kept: only those starting in
// the first rows matter (a header is looked for in the first rows).
const headerArea = 50

func openXLSX(p string) (*xlsxSource, error) {
	// Date cells with Excel's built-in short date format render as
	// mm-dd-yy by default (ambiguous, and not what Excel in China shows):
	// render them as ISO dates, which every date field accepts.
	f, err := excelize.OpenFile(p, excelize.Options{ShortDatePattern: "yyyy-mm-dd", LongTimePattern: "hh:mm:ss"})
	if err != nil {
		return nil, fmt.Errorf("not a readable .xlsx file: %w", err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, fmt.Errorf("the workbook has no sheet")
	}
	s := &xlsxSource{f: f, total: -1}
	if dim, err := f.GetSheetDimension(sheets[0]); err == nil && dim != "" {
		ref := dim
		if i := strings.IndexByte(dim, ':'); i >= 0 {
			ref = dim[i+1:]
		}
		// Some writers leave the dimension at A1: then the size is unknown.
		if _, r, err := excelize.CellNameToCoordinates(ref); err == nil && r > 1 {
			s.total = int64(r)
		}
	}
	if s.rows, err = f.Rows(sheets[0]); err != nil {
		f.Close()
		return nil, err
	}
	s.ranges, _ = scanMerges(p) // without merges, headers are read as they are
	return s, nil
}

func (s *xlsxSource) Next() ([]string, int64, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, err
		}
		return nil, 0, io.EOF
	}
	s.row++
	cols, err := s.rows.Columns()
	if err != nil {
		return nil, s.row, err
	}
	return cols, s.row, nil
}

func (s *xlsxSource) Total() int64        { return s.total }
func (s *xlsxSource) Format() string      { return "xlsx" }
func (s *xlsxSource) merges() []cellRange { return s.ranges }
func (s *xlsxSource) Close() error {
	err := s.rows.Close()
	return errors.Join(err, s.f.Close())
}

// scanMerges finds the merged cells of the workbook's first sheet that start
// in the header area, streaming the sheet's XML (merged ranges are listed
// after all the rows, so excelize would have to load the whole sheet).
func scanMerges(p string) ([]cellRange, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	sheetPath, err := firstSheetPath(&zr.Reader)
	if err != nil {
		return nil, err
	}
	var sheet *zip.File
	for _, f := range zr.File {
		if f.Name == sheetPath {
			sheet = f
		}
	}
	if sheet == nil {
		return nil, fmt.Errorf("sheet %s missing", sheetPath)
	}
	rc, err := sheet.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var out []cellRange
	marker := []byte("mergeCell ")
	buf := make([]byte, 256<<10)
	var carry []byte
	for {
		n, rerr := rc.Read(buf)
		data := append(carry, buf[:n]...)
		pos := 0
		for {
			i := bytes.Index(data[pos:], marker)
			if i < 0 {
				break
			}
			start := pos + i
			end := bytes.IndexByte(data[start:], '>')
			if end < 0 {
				break // the element continues in the next chunk
			}
			elem := data[start : start+end]
			if j := bytes.Index(elem, []byte(`ref="`)); j >= 0 {
				ref := elem[j+5:]
				if k := bytes.IndexByte(ref, '"'); k >= 0 {
					if r, ok := parseRange(string(ref[:k])); ok && r.r0 <= headerArea {
						out = append(out, r)
					}
				}
			}
			pos = start + end + 1
		}
		keep := data[pos:]
		if len(keep) > 512 {
			keep = keep[len(keep)-512:]
		}
		carry = append(carry[:0:0], keep...)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return out, rerr
		}
	}
	return out, nil
}

func parseRange(ref string) (cellRange, bool) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		b = a
	}
	c0, r0, err1 := excelize.CellNameToCoordinates(a)
	c1, r1, err2 := excelize.CellNameToCoordinates(b)
	if err1 != nil || err2 != nil {
		return cellRange{}, false
	}
	return cellRange{r0: r0, c0: c0, r1: r1, c1: c1}, true
}

// firstSheetPath resolves the part name of the workbook's first sheet
// through xl/workbook.xml and its relationships.
func firstSheetPath(zr *zip.Reader) (string, error) {
	read := func(name string) ([]byte, error) {
		for _, f := range zr.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					return nil, err
				}
				defer rc.Close()
				return io.ReadAll(io.LimitReader(rc, 16<<20))
			}
		}
		return nil, fmt.Errorf("%s missing", name)
	}
	wb, err := read("xl/workbook.xml")
	if err != nil {
		return "", err
	}
	var book struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(wb, &book); err != nil || len(book.Sheets) == 0 {
		return "", fmt.Errorf("workbook.xml: no sheet")
	}
	rid := ""
	for _, a := range book.Sheets[0].Attrs {
		if a.Name.Local == "id" {
			rid = a.Value
		}
	}
	rels, err := read("xl/_rels/workbook.xml.rels")
	if err != nil {
		return "", err
	}
	var rs struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(rels, &rs); err != nil {
		return "", err
	}
	for _, r := range rs.Rels {
		if r.ID == rid {
			if strings.HasPrefix(r.Target, "/") {
				return strings.TrimPrefix(r.Target, "/"), nil
			}
			return path.Clean("xl/" + r.Target), nil
		}
	}
	return "", fmt.Errorf("sheet relationship %q missing", rid)
}

// ---- header detection ----

// maxHeaderScan is how many non-empty rows are considered as the header.
const maxHeaderScan = 10

type bufferedRow struct {
	cells []string
	row   int64
}

func emptyRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// header is the chosen header row and the data rows read past it.
type header struct {
	plan    *plan
	row     int64
	pending []bufferedRow
}

// findHeader reads the first non-empty rows and picks as header the one
// with the most recognised columns (the first on a tie), so title rows
// above a header are skipped. Cells left empty by a merged header cell take
// the merged value (a header over two rows, a label over two columns).
func findHeader(src Source, build func([]string) *plan) (*header, error) {
	var rows []bufferedRow
	byRow := map[int64][]string{}
	for len(rows) < maxHeaderScan {
		cells, row, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		byRow[row] = cells
		if emptyRow(cells) {
			continue
		}
		rows = append(rows, bufferedRow{cells: cells, row: row})
	}
	var ranges []cellRange
	if m, ok := src.(merger); ok {
		ranges = m.merges()
	}
	cellAt := func(r, c int) string {
		cells := byRow[int64(r)]
		if c-1 < len(cells) {
			return strings.TrimSpace(cells[c-1])
		}
		return ""
	}
	var best *header
	bestScore := 0
	for i, br := range rows {
		cells := append([]string(nil), br.cells...)
		last := br.row
		for _, rg := range ranges {
			if int64(rg.r0) > br.row || int64(rg.r1) < br.row {
				continue
			}
			if int64(rg.r1) > last {
				last = int64(rg.r1)
			}
			for c := rg.c0; c <= rg.c1; c++ {
				for len(cells) < c {
					cells = append(cells, "")
				}
				if strings.TrimSpace(cells[c-1]) == "" {
					cells[c-1] = cellAt(rg.r0, rg.c0)
				}
			}
		}
		p := build(cells)
		if s := p.score(); s > bestScore {
			bestScore = s
			best = &header{plan: p, row: br.row}
			best.pending = nil
			for _, later := range rows[i+1:] {
				if later.row > last {
					best.pending = append(best.pending, later)
				}
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no header row found in the first %d rows: expected column names such as 姓名, 手机号, 邮箱, 公司 (or name, phone, email, company), or a mapping file", maxHeaderScan)
	}
	return best, nil
}
