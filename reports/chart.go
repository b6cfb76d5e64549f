package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// verdictColors colour the bars (and the HTML badges) by the spec's verdict.
var verdictColors = map[Verdict]color.RGBA{
	Pass:          {R: 0x2e, G: 0x7d, B: 0x32, A: 0xff},
	Fail:          {R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
	Error:         {R: 0xe6, G: 0x6a, B: 0x00, A: 0xff},
	NotApplicable: {R: 0x60, G: 0x7d, B: 0x8b, A: 0xff},
	NotRun:        {R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff},
}

// rtoBar is one bar of the chart.
type rtoBar struct {
	label   string
	seconds float64
	verdict Verdict
}

// RTOChart draws the recovery time of every spec that measured one (SpecResult.RTOSeconds) as a
// bar chart: one bar per spec, labelled "workload / fault", coloured by the spec's verdict, Y
// axis "RTO (s)". A spec listed under several rows is drawn once. It returns the SVG document
// (fonts named, not embedded; no external references), nil when no spec has an RTO, or the
// plotting error.
func RTOChart(c Certificate) ([]byte, error) {
	p, width, height, err := rtoPlot(c)
	if p == nil || err != nil {
		return nil, err
	}
	canvas := vgsvg.New(width, height)
	p.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("rto chart: %w", err)
	}
	return buf.Bytes(), nil
}

// rtoPlot lays out the RTO bar chart and its size; the plot is nil when no spec has an RTO.
func rtoPlot(c Certificate) (p *plot.Plot, width, height vg.Length, err error) {
	bars := rtoBars(c)
	if len(bars) == 0 {
		return nil, 0, 0, nil
	}
	p = plot.New()
	p.Title.Text = "Recovery time per spec"
	p.Y.Label.Text = "RTO (s)"
	p.Y.Min = 0
	labels := make([]string, len(bars))
	legend := map[Verdict]bool{}
	for i, b := range bars {
		labels[i] = b.label
		bc, err := plotter.NewBarChart(plotter.Values{b.seconds}, vg.Points(22))
		if err != nil {
			return nil, 0, 0, fmt.Errorf("rto chart: %w", err)
		}
		bc.XMin = float64(i)
		bc.Color = verdictColors[b.verdict]
		bc.LineStyle.Width = 0
		p.Add(bc)
		if !legend[b.verdict] {
			legend[b.verdict] = true
			p.Legend.Add(verdictWords[b.verdict], bc)
		}
	}
	p.Legend.Top = true
	// Head room above the tallest bar for the legend; at least 1 s so an all-zero chart has a scale.
	p.Y.Max = max(p.Y.Max, 1)
	for _, b := range bars {
		p.Y.Max = max(p.Y.Max, b.seconds*1.25)
	}
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans" // Liberation Sans, named (not embedded) in the SVG
	}
	p.NominalX(labels...)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter

	width = max(5*vg.Inch, 1.5*vg.Inch+vg.Length(len(bars))*0.6*vg.Inch)
	return p, width, 4.5 * vg.Inch, nil
}

// rtoBars collects the specs with an RTO, once each, in row order, with unique labels.
func rtoBars(c Certificate) []rtoBar {
	var bars []rtoBar
	seen := map[string]bool{}
	labels := map[string]int{}
	for _, r := range c.Rows {
		for _, s := range r.Specs {
			if s.RTOSeconds == nil || seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			label := specLabel(s)
			labels[label]++
			if n := labels[label]; n > 1 {
				label = fmt.Sprintf("%s #%d", label, n)
			}
			bars = append(bars, rtoBar{label: label, seconds: *s.RTOSeconds, verdict: s.Verdict})
		}
	}
	return bars
}

// specLabel names a spec in the chart: "workload / fault", or its (shortened) name when it has
// neither label.
func specLabel(s SpecResult) string {
	if s.Workload == "" && s.Fault == "" {
		if r := []rune(s.Name); len(r) > 30 {
			return string(r[:29]) + "…"
		}
		return s.Name
	}
	w, f := s.Workload, s.Fault
	if w == "" {
		w = "?"
	}
	if f == "" {
		f = "?"
	}
	return w + " / " + f
}
