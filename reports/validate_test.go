package reports

import (
	"errors"
	"slices"
	"testing"
)

// TestValidateListsEveryLeaf checks that each schema violation is its own problem, prefixed with
// its pointer, in a stable order, and that the semantic rules wait for a schema-valid document.
func TestValidateListsEveryLeaf(t *testing.T) {
	data := mutate(t, func(d map[string]any) {
		d["certified"] = "yes"
		d["a/b~c"], d["grade"] = 1, 2
		firstRow(d)["verdict"] = "maybe"
		delete(d["environment"].(map[string]any), "nodes")
	})
	want := []string{
		"/: additional properties 'a/b~c', 'grade' not allowed",
		"/certified: got string, want boolean",
		"/environment: missing property 'nodes'",
		"/rows/0/verdict: value must be one of 'pass', 'fail', 'not-applicable', 'error', 'not-run'",
	}
	for range 5 { // the validator walks Go maps: the order must not depend on it
		var ve *ValidationError
		if err := Validate(data); !errors.As(err, &ve) {
			t.Fatalf("want a *ValidationError, got %v", err)
		}
		if !slices.Equal(ve.Problems, want) {
			t.Fatalf("problems\n %q\nwant\n %q", ve.Problems, want)
		}
	}
}

func TestValidateNotJSON(t *testing.T) {
	for _, doc := range []string{``, `{"schemaVersion":`, `{} {}`, `[] x`} {
		if err := Validate([]byte(doc)); err == nil || errors.As(err, new(*ValidationError)) {
			t.Errorf("%q: want a decoding error, got %v", doc, err)
		}
	}
	var ve *ValidationError
	if err := Validate([]byte(`[]`)); !errors.As(err, &ve) || !slices.Equal(ve.Problems, []string{"/: got array, want object"}) {
		t.Errorf("array document: %v", err)
	}
}

func TestPointer(t *testing.T) {
	for _, tc := range []struct {
		tokens []string
		want   string
	}{
		{nil, "/"},
		{[]string{"rows", "0", "check"}, "/rows/0/check"},
		{[]string{"a/b", "c~d", ""}, "/a~1b/c~0d/"},
	} {
		if got := pointer(tc.tokens); got != tc.want {
			t.Errorf("pointer(%q) = %q, want %q", tc.tokens, got, tc.want)
		}
	}
}

func TestSchemaCompiledOnce(t *testing.T) {
	a, err := compiledSchema()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := compiledSchema(); a != b {
		t.Error("the schema was compiled twice")
	}
}
