package reports

import (
	"bytes"
	_ "embed" // the page template
	"fmt"
	"html/template"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

//go:embed certificate.html.tmpl
var pageTemplate string

// page is the certificate page; it references nothing outside itself (inline CSS and SVG).
var page = template.Must(template.New("certificate").Funcs(template.FuncMap{
	"seconds":  seconds,
	"count":    count,
	"when":     when,
	"words":    func(v Verdict) string { return verdictWords[v] },
	"required": Check.Required,
	"summaryClass": func(s Summary) string {
		return strings.ToLower(strings.ReplaceAll(string(s), " ", "-"))
	},
}).Parse(pageTemplate))

// pageData is what the template sees.
type pageData struct {
	Certificate
	// Chart is the inline RTO chart (an <svg> element), empty when no RTO was measured.
	Chart template.HTML
	// Specs lists each contributing spec once, in row order.
	Specs []SpecResult
}

// RenderHTML writes the certificate as one self-contained HTML page to w: headline verdict,
// why it is not certified (Blocking) or incomplete (Reason), StorageClass, environment, rows
// with their reasons and required marks, every spec with its figures, and the RTO
// chart inline. It returns the chart's or the writer's error.
func RenderHTML(w io.Writer, c Certificate) error {
	svg, err := RTOChart(c)
	if err != nil {
		return err
	}
	d := pageData{Certificate: c.normalized(), Chart: inlineSVG(svg)}
	seen := map[string]bool{}
	for _, r := range d.Rows {
		for _, s := range r.Specs {
			if !seen[s.Name] {
				seen[s.Name] = true
				d.Specs = append(d.Specs, s)
			}
		}
	}
	if err := page.Execute(w, d); err != nil {
		return fmt.Errorf("render certificate: %w", err)
	}
	return nil
}

// WriteHTML renders the certificate (RenderHTML) and writes it to path with mode 0644; the file
// is not touched when rendering fails. It returns the rendering or file-system error.
func WriteHTML(path string, c Certificate) error {
	var buf bytes.Buffer
	if err := RenderHTML(&buf, c); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write certificate page: %w", err)
	}
	return nil
}

// inlineSVG strips the XML prolog and comments before the <svg> element so the chart can sit in
// HTML. The SVG comes from RTOChart, whose text is escaped by vgsvg, hence template.HTML.
func inlineSVG(svg []byte) template.HTML {
	i := bytes.Index(svg, []byte("<svg"))
	if i < 0 {
		return ""
	}
	return template.HTML(svg[i:])
}

// seconds formats an optional duration in seconds with one decimal, "–" when absent.
func seconds(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// count formats an optional count, "–" when absent.
func count(v *int) string {
	if v == nil {
		return "–"
	}
	return strconv.Itoa(*v)
}

// when formats a time in UTC, "–" when unknown.
func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
