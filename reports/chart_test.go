package reports

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func TestRTOChartWithoutRTO(t *testing.T) {
	c := fromGinkgo("standard", []types.Report{suite(entry(spec("binds", types.SpecStatePassed, "check:provisioning"), "bind seconds", "2"))}, testEnv)
	svg, err := RTOChart(c)
	if svg != nil || err != nil {
		t.Errorf("want nil, nil without RTOs; got %d bytes, %v", len(svg), err)
	}
	if svg, err := RTOChart(Incomplete("x", Environment{}, "no run")); svg != nil || err != nil {
		t.Errorf("incomplete certificate: %d bytes, %v", len(svg), err)
	}
}

func TestRTOChart(t *testing.T) {
	c := sample()
	svg, err := RTOChart(c)
	if err != nil {
		t.Fatal(err)
	}
	text := string(svg)
	for _, want := range []string{"<svg", "RTO (s)", "mysql / pod-delete", "mysql / node-failure-kill", "Liberation Sans"} {
		if !strings.Contains(text, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	// The pod-delete spec is in two rows (data-pod-delete and identity) but is one bar.
	if n := strings.Count(text, "mysql / pod-delete"); n != 1 {
		t.Errorf("pod-delete labelled %d times, want once", n)
	}
	if m := external.FindString(text); m != "" || strings.Contains(text, "@font-face") {
		t.Errorf("chart references something outside itself: %q", m)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
	}
}

func TestRTOChartLabels(t *testing.T) {
	a := entry(spec("stopped, node returns", types.SpecStatePassed, "check:data-node-restart", "fault:node-failure-stop"), "rto seconds", "70")
	b := entry(spec("stopped, out of service", types.SpecStatePassed, "check:data-node-loss", "fault:node-failure-stop"), "rto seconds", "95")
	unlabelled := entry(spec("x", types.SpecStatePassed, "check:data-drain"), "rto seconds", "0")
	unlabelled.ContainerHierarchyLabels = nil
	bars := rtoBars(fromGinkgo("standard", []types.Report{suite(a, b, unlabelled)}, testEnv))
	var labels []string
	for _, b := range bars {
		labels = append(labels, b.label)
	}
	want := []string{"mysql / node-failure-stop", "mysql / node-failure-stop #2", "MySQL x"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Errorf("labels %q, want %q", labels, want)
	}
}
