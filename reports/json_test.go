package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stateproof/stateproof/reports/check"
)

func TestJSONRoundTrip(t *testing.T) {
	for name, c := range map[string]Certificate{
		"complete":   sample(),
		"incomplete": Incomplete("fast-ssd", Environment{}, "could not reach the cluster"),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "certificate.json")
			if err := WriteJSON(path, c); err != nil {
				t.Fatal(err)
			}
			got, err := ReadJSON(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.normalized()) {
				t.Errorf("round trip changed the certificate\n got %+v\nwant %+v", got, c)
			}
			data, _ := os.ReadFile(path)
			if err := Validate(data); err != nil {
				t.Errorf("Validate rejects WriteJSON's output: %v", err)
			}
			if !bytes.HasPrefix(data, []byte("{\n  \"schemaVersion\": \"stateproof.io/certificate/v2\",\n  \"storageClass\": ")) {
				t.Errorf("unexpected layout:\n%.200s", data)
			}
		})
	}
}

func TestJSONIsStable(t *testing.T) {
	a, err := EncodeJSON(sample())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := EncodeJSON(sample())
	if !bytes.Equal(a, b) {
		t.Error("two encodings of the same certificate differ")
	}
	if !bytes.Contains(a, []byte(`"rtoSeconds": 12.5`)) || !bytes.Contains(a, []byte(`"verdict": "not-applicable"`)) {
		t.Errorf("camelCase fields or verdicts missing:\n%s", a)
	}
}

func TestReadJSONErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadJSON(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("no error for a missing file")
	}
	path := filepath.Join(dir, "other.json")
	os.WriteFile(path, []byte(`{"surprise": 1}`), 0o644)
	if _, err := ReadJSON(path); err == nil {
		t.Error("no error for a file that is not a certificate")
	}
}

// mutate encodes the sample certificate, lets change edit it as a generic JSON value and returns
// the result.
func mutate(t *testing.T, change func(doc map[string]any)) []byte {
	t.Helper()
	data, err := EncodeJSON(sample())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	change(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func firstRow(doc map[string]any) map[string]any { return doc["rows"].([]any)[0].(map[string]any) }

func TestValidateRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(doc map[string]any)
		want   string
	}{
		{"unknown row verdict", func(d map[string]any) { firstRow(d)["verdict"] = "maybe" }, "/rows/0/verdict: value must be one of 'pass'"},
		{"unknown spec verdict", func(d map[string]any) {
			firstRow(d)["specs"].([]any)[0].(map[string]any)["verdict"] = "flaky"
		}, "/rows/0/specs/0/verdict: value must be one of 'pass'"},
		{"unknown headline", func(d map[string]any) { d["verdict"] = "PROBABLY" }, "/verdict: value must be one of 'CERTIFIED'"},
		{"missing field", func(d map[string]any) { delete(d, "storageClass") }, "/: missing property 'storageClass'"},
		{"missing environment field", func(d map[string]any) {
			delete(d["environment"].(map[string]any), "nodes")
		}, "/environment: missing property 'nodes'"},
		{"wrong schema version", func(d map[string]any) { d["schemaVersion"] = "stateproof.io/certificate/v0" }, "/schemaVersion: value must be 'stateproof.io/certificate/v2'"},
		{"unknown check", func(d map[string]any) { firstRow(d)["check"] = "warp-drive" }, "/rows/0/check: value must be one of 'provisioning'"},
		{"wrong type", func(d map[string]any) { d["certified"] = "yes" }, "/certified: got string, want boolean"},
		{"fractional count", func(d map[string]any) {
			row := d["rows"].([]any)[1].(map[string]any)
			row["specs"].([]any)[0].(map[string]any)["lost"] = 0.5
		}, "/rows/1/specs/0/lost: got number, want integer"},
		{"negative figure", func(d map[string]any) {
			row := d["rows"].([]any)[1].(map[string]any)
			row["specs"].([]any)[0].(map[string]any)["rtoSeconds"] = -1
		}, "/rows/1/specs/0/rtoSeconds: minimum: got -1, want 0"},
		{"figures that do not sum up the specs", func(d map[string]any) {
			d["rows"].([]any)[1].(map[string]any)["figures"].(map[string]any)["lost"] = 7
		}, "/rows/1/figures: do not sum up the row's specs"},
		{"null array", func(d map[string]any) { firstRow(d)["reasons"] = nil }, "/rows/0/reasons: got null, want array"},
		{"unknown field", func(d map[string]any) { d["grade"] = "A+" }, "/: additional properties 'grade' not allowed"},
		{"certified despite a failure", func(d map[string]any) { d["certified"] = true }, "/certified: is true"},
		{"headline disagrees", func(d map[string]any) { d["verdict"] = "CERTIFIED" }, `/verdict: is "CERTIFIED"`},
		{"incomplete without reason", func(d map[string]any) { d["complete"] = false; d["verdict"] = "INCOMPLETE" }, "/reason: an incomplete certificate must say why"},
		{"certified with a required row not applicable", func(d map[string]any) {
			for _, r := range d["rows"].([]any) {
				if r := r.(map[string]any); r["verdict"] == "fail" {
					r["verdict"] = "pass"
				}
			}
			d["certified"], d["verdict"], d["blocking"] = true, "CERTIFIED", nil
			delete(d, "blocking")
		}, "/certified: is true but complete and the row verdicts (required checks: provisioning,"},
		{"not certified without blocking", func(d map[string]any) { delete(d, "blocking") }, "/blocking: a complete certificate that is not certified must say why"},
		{"incomplete with blocking", func(d map[string]any) {
			d["complete"], d["verdict"], d["reason"] = false, "INCOMPLETE", "interrupted"
		}, "/blocking: must be absent"},
		{"workload file without its digest", func(d map[string]any) {
			d["run"].(map[string]any)["workloadFile"] = map[string]any{"path": "workload.yaml", "sha256": "abc"}
		}, "/run/workloadFile/sha256: '"},
		{"duplicate row", func(d map[string]any) { d["rows"] = append(d["rows"].([]any), firstRow(d)) }, `/rows/11/check: "provisioning" appears in more than one row`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(mutate(t, tc.change))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a *ValidationError, got %v", err)
			}
			if !slices.ContainsFunc(ve.Problems, func(p string) bool { return strings.HasPrefix(p, tc.want) }) {
				t.Errorf("problems %q lack %q", ve.Problems, tc.want)
			}
		})
	}
	if err := Validate([]byte(`{"schemaVersion":`)); err == nil || errors.As(err, new(*ValidationError)) {
		t.Errorf("truncated JSON: %v", err)
	}
}

func TestValidateAcceptsSample(t *testing.T) {
	c := sample()
	data, err := EncodeJSON(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(data); err != nil {
		t.Error(err)
	}
	c.Run.WorkloadFile = &WorkloadFile{Path: "examples/mysql/workload.yaml", SHA256: strings.Repeat("0f", 32)}
	if data, err = EncodeJSON(c); err != nil {
		t.Fatal(err)
	}
	if err := Validate(data); err != nil {
		t.Errorf("with a workload file: %v", err)
	}
}

// TestSchemaMatchesModel keeps the schema's enums in step with the Go constants and makes sure
// the validator compiles the schema.
func TestSchemaMatchesModel(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	defs := schema["$defs"].(map[string]any)
	enum := func(s any) []string {
		var out []string
		for _, v := range s.(map[string]any)["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	var checks, verdicts []string
	for _, c := range check.All {
		checks = append(checks, string(c))
	}
	for _, v := range Verdicts {
		verdicts = append(verdicts, string(v))
	}
	if got := enum(defs["check"]); !slices.Equal(got, checks) {
		t.Errorf("schema checks %q, Go %q", got, checks)
	}
	if got := enum(defs["verdict"]); !slices.Equal(got, verdicts) {
		t.Errorf("schema verdicts %q, Go %q", got, verdicts)
	}
	summaries := []string{string(SummaryCertified), string(SummaryNotCertified), string(SummaryFailed), string(SummaryIncomplete)}
	props := schema["properties"].(map[string]any)
	if got := enum(props["verdict"]); !slices.Equal(got, summaries) {
		t.Errorf("schema headline verdicts %q, Go %q", got, summaries)
	}
	if got := props["schemaVersion"].(map[string]any)["const"]; got != SchemaVersion {
		t.Errorf("schema version %v, Go %q", got, SchemaVersion)
	}
	if schema["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema %v", schema["$schema"])
	}
	if _, err := compiledSchema(); err != nil {
		t.Errorf("the schema does not compile: %v", err)
	}
}
