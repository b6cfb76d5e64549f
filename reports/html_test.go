package reports

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func render(t *testing.T, c Certificate) string {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderHTML(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTMLContent(t *testing.T) {
	c := sample()
	page := render(t, c)
	for _, want := range []string{
		"<!DOCTYPE html>", "StorageClass <code>shared</code>", `<div class="headline failed">FAILED</div>`,
		"rancher.io/local-path", "<code>nodePath=/var/local-path-shared</code>", "WaitForFirstConsumer", "v1.34.4",
		"Ginkgo seed 1700000000", "lost 3 acknowledged writes (at steps_test.go:139)",
		"volume is node-bound to kind-worker", "<td class=\"num\">12.5</td>", "<td class=\"num\">1500</td>",
		"<td class=\"num\">2.8</td>", // bind seconds 2.75, one decimal
		"<svg", "RTO (s)", "mysql / pod-delete",
		`<td class="figures">RTO 12.5 s, 1500 acknowledged, 0 lost</td>`, // the data-pod-delete row
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, r := range c.Rows {
		cell := `<span class="badge v-` + string(r.Verdict) + `">` + verdictWords[r.Verdict] + `</span>`
		block := page[strings.Index(page, `<tr id="check-`+string(r.Check)+`">`):]
		block = block[:strings.Index(block, "</tr>")]
		if !strings.Contains(block, html.EscapeString(r.Title)) || !strings.Contains(block, cell) {
			t.Errorf("row %s lacks its title %q or verdict %q:\n%s", r.Check, r.Title, cell, block)
		}
	}
	if strings.Contains(page, "<?xml") || strings.Contains(page, "no RTO measured") {
		t.Error("chart not inlined cleanly")
	}
}

// external matches anything that makes a browser fetch: src/href/xlink:href attributes, CSS
// imports and url(), script and link elements.
var external = regexp.MustCompile(`(?i)\b(src|href|xlink:href|action|srcset)\s*=|@import|url\(|<script|<link|<iframe|<object|<embed`)

func TestHTMLSelfContained(t *testing.T) {
	for name, c := range map[string]Certificate{"sample": sample(), "incomplete": Incomplete("x", Environment{}, "boom")} {
		page := render(t, c)
		if m := external.FindString(page); m != "" {
			t.Errorf("%s: page references something outside itself: %q", name, m)
		}
		// The only URLs are the SVG namespace names, which are identifiers, never fetched.
		for _, u := range regexp.MustCompile(`https?://[^"\s<]*`).FindAllString(page, -1) {
			if u != "http://www.w3.org/2000/svg" && u != "http://www.w3.org/1999/xlink" {
				t.Errorf("%s: unexpected URL %q", name, u)
			}
		}
	}
}

func TestHTMLIncomplete(t *testing.T) {
	page := render(t, Incomplete("fast-ssd", Environment{}, "kubeconfig context \"prod\" not found"))
	for _, want := range []string{
		`<div class="headline incomplete">INCOMPLETE</div>`, "Incomplete: kubeconfig context &#34;prod&#34; not found",
		"no RTO measured", "No spec contributed to a check.", `<span class="muted">none</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<svg") {
		t.Error("chart drawn without RTOs")
	}
}

func TestHTMLCertifiedAndEscaping(t *testing.T) {
	c := Incomplete(`<script>alert(1)</script>`, Environment{}, "")
	c.Complete, c.Reason = true, ""
	for i := range c.Rows {
		if c.Rows[i].Check.Required() {
			c.Rows[i].Verdict = Pass
		}
	}
	c.settle()
	page := render(t, c)
	if !strings.Contains(page, `<div class="headline certified">CERTIFIED</div>`) {
		t.Error("certified headline missing")
	}
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("StorageClass name not escaped")
	}
	if strings.Contains(page, "Not certified because") {
		t.Error("a certified page explains why it is not certified")
	}
}

func TestHTMLBlocking(t *testing.T) {
	page := render(t, sample())
	i := strings.Index(page, "<p>Not certified because:</p>")
	if i < 0 {
		t.Fatal("page does not say why it is not certified")
	}
	list := page[i : strings.Index(page[i:], "</ul>")+i]
	for _, want := range []string{
		"<li>Data survives node drain: failed: MySQL keeps its data when its node is drained: lost 3 acknowledged writes (at steps_test.go:139)</li>",
		"<li>Data survives node loss with reschedule to another node: not applicable: volume is node-bound to kind-worker (a required check must pass)</li>",
	} {
		if !strings.Contains(list, want) {
			t.Errorf("blocking list lacks %q:\n%s", want, list)
		}
	}
	for _, r := range sample().Rows {
		block := page[strings.Index(page, `<tr id="check-`+string(r.Check)+`">`):]
		block = block[:strings.Index(block, "</tr>")]
		if strings.Contains(block, `<span class="required">required</span>`) != r.Check.Required() {
			t.Errorf("row %s: required mark wrong:\n%s", r.Check, block)
		}
	}
}

func TestWriteHTML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "certificate.html")
	if err := WriteHTML(path, sample()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(data, []byte("shared")) {
		t.Errorf("written page: %v, %d bytes", err, len(data))
	}
	if err := WriteHTML(filepath.Join(t.TempDir(), "missing", "c.html"), sample()); err == nil {
		t.Error("no error writing into a missing directory")
	}
}
