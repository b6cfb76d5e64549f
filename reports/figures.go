package reports

import (
	"fmt"
	"strings"
)

// RowFigures sums up the figures a row's specs measured, so a reader of the row sees them without
// reading every spec. A figure that no spec of the row measured is nil.
type RowFigures struct {
	// MinRTOSeconds and MaxRTOSeconds bound the specs' recovery times, in seconds.
	MinRTOSeconds *float64 `json:"minRtoSeconds,omitempty"`
	MaxRTOSeconds *float64 `json:"maxRtoSeconds,omitempty"`
	// MaxRPOSeconds is the largest data-loss window a spec measured, in seconds.
	MaxRPOSeconds *float64 `json:"maxRpoSeconds,omitempty"`
	// Acknowledged is the number of writes the workloads acknowledged, summed over the specs.
	Acknowledged *int `json:"acknowledged,omitempty"`
	// Lost is the number of acknowledged writes not read back, summed over the specs.
	Lost *int `json:"lost,omitempty"`
	// MaxBindSeconds is the longest time a PVC took to bind, in seconds.
	MaxBindSeconds *float64 `json:"maxBindSeconds,omitempty"`
}

// summarize computes the RowFigures of specs.
func summarize(specs []SpecResult) RowFigures {
	var f RowFigures
	for _, s := range specs {
		f.MinRTOSeconds = extreme(f.MinRTOSeconds, s.RTOSeconds, func(a, b float64) bool { return a < b })
		f.MaxRTOSeconds = extreme(f.MaxRTOSeconds, s.RTOSeconds, greater)
		f.MaxRPOSeconds = extreme(f.MaxRPOSeconds, s.RPOSeconds, greater)
		f.MaxBindSeconds = extreme(f.MaxBindSeconds, s.BindSeconds, greater)
		f.Acknowledged = sum(f.Acknowledged, s.Acknowledged)
		f.Lost = sum(f.Lost, s.Lost)
	}
	return f
}

func greater(a, b float64) bool { return a > b }

// extreme returns v when acc is nil or better(*v, *acc), else acc; nil v leaves acc.
func extreme(acc, v *float64, better func(a, b float64) bool) *float64 {
	if v == nil || (acc != nil && !better(*v, *acc)) {
		return acc
	}
	x := *v
	return &x
}

// sum adds v to acc; nil v leaves acc, nil acc starts at 0.
func sum(acc, v *int) *int {
	if v == nil {
		return acc
	}
	x := *v
	if acc != nil {
		x += *acc
	}
	return &x
}

// String is the figures in one line, e.g. "RTO 2.1–43.8 s, 1922 acknowledged, 0 lost", "" when
// there are none. The certificate page shows it in the row.
func (f RowFigures) String() string {
	var parts []string
	switch {
	case f.MinRTOSeconds != nil && *f.MinRTOSeconds != *f.MaxRTOSeconds:
		parts = append(parts, fmt.Sprintf("RTO %.1f–%.1f s", *f.MinRTOSeconds, *f.MaxRTOSeconds))
	case f.MaxRTOSeconds != nil:
		parts = append(parts, fmt.Sprintf("RTO %.1f s", *f.MaxRTOSeconds))
	}
	if f.MaxRPOSeconds != nil {
		parts = append(parts, fmt.Sprintf("RPO ≤ %.1f s", *f.MaxRPOSeconds))
	}
	if f.Acknowledged != nil {
		parts = append(parts, fmt.Sprintf("%d acknowledged", *f.Acknowledged))
	}
	if f.Lost != nil {
		parts = append(parts, fmt.Sprintf("%d lost", *f.Lost))
	}
	if f.MaxBindSeconds != nil {
		parts = append(parts, fmt.Sprintf("bind ≤ %.1f s", *f.MaxBindSeconds))
	}
	return strings.Join(parts, ", ")
}
