package reports

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/stateproof/stateproof/reports/check"
)

// ValidationError lists every way a document departs from the certificate schema or from the
// certificate's own rules.
type ValidationError struct {
	// Problems are one line each, prefixed with the JSON pointer of the offending value.
	Problems []string
}

// Error joins the problems.
func (e *ValidationError) Error() string {
	return "invalid certificate: " + strings.Join(e.Problems, "; ")
}

// Validate checks a certificate.json document against Schema (JSON Schema draft 2020-12, with
// github.com/santhosh-tekuri/jsonschema; "format" is an annotation, as the draft's default) and
// against the rules the schema cannot express: a check appears in at most one row; an incomplete
// certificate has a reason; certified and verdict agree with complete and the rows (every row of
// check.Required must pass); blocking is non-empty exactly when a complete certificate is not
// certified. It returns a *ValidationError listing the problems, or an error when the document
// is not JSON or the embedded schema cannot be compiled.
func Validate(data []byte) error {
	schema, err := compiledSchema()
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("certificate is not JSON: %w", err)
	}
	var problems []string
	if err := schema.Validate(doc); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return fmt.Errorf("validate certificate: %w", err)
		}
		problems = schemaProblems(verr)
	}
	if len(problems) == 0 {
		var c Certificate
		if err := json.Unmarshal(data, &c); err != nil {
			problems = append(problems, "/: "+err.Error())
		} else {
			problems = append(problems, rules(c)...)
		}
	}
	if len(problems) > 0 {
		return &ValidationError{Problems: problems}
	}
	return nil
}

// schemaURL names the embedded schema inside the compiler; nothing is fetched from it.
const schemaURL = "stateproof:certificate.schema.json"

// compiledSchema compiles Schema the first time it is called.
var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		return nil, fmt.Errorf("embedded certificate schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{}) // the schema is self-contained: resolve no remote or file reference
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("embedded certificate schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("embedded certificate schema: %w", err)
	}
	return s, nil
})

// noLoader refuses to load any URL the embedded schema might refer to (the draft's meta-schemas
// are built into the validator).
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("certificate schema refers to %s, which Validate does not load", url)
}

// schemaProblems flattens the validator's error tree into one "<pointer>: <message>" line per
// leaf error, sorted by pointer (the validator's order follows Go map iteration).
func schemaProblems(verr *jsonschema.ValidationError) []string {
	type leaf struct{ at, msg string }
	var leaves []leaf
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		if k, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			slices.Sort(k.Properties) // a stable message when several fields are unknown
		}
		leaves = append(leaves, leaf{pointer(e.InstanceLocation), e.ErrorKind.LocalizedString(messages)})
	}
	walk(verr)
	slices.SortStableFunc(leaves, func(a, b leaf) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.msg, b.msg))
	})
	problems := make([]string, len(leaves))
	for i, l := range leaves {
		problems[i] = l.at + ": " + l.msg
	}
	return problems
}

// messages prints the validator's messages in English.
var messages = message.NewPrinter(language.English)

// pointer returns the JSON pointer (RFC 6901) of an instance location, "/" for the document.
func pointer(tokens []string) string {
	if len(tokens) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/")
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// rules checks what the schema cannot: unique checks, a reason when incomplete, a headline that
// agrees with the rows (check.Required included) and blocking lines exactly when a complete
// certificate is not certified.
func rules(c Certificate) []string {
	var p []string
	seen := map[Check]bool{}
	for i, r := range c.Rows {
		if seen[r.Check] {
			p = append(p, fmt.Sprintf("/rows/%d/check: %q appears in more than one row", i, r.Check))
		}
		seen[r.Check] = true
		if want := summarize(r.Specs); !reflect.DeepEqual(r.Figures, want) {
			p = append(p, fmt.Sprintf("/rows/%d/figures: do not sum up the row's specs (want %s)", i, want))
		}
		if want := rowVerdict(r.Specs); r.Verdict != want {
			p = append(p, fmt.Sprintf("/rows/%d/verdict: is %q but the row's specs make it %q", i, r.Verdict, want))
		}
	}
	if !c.Complete && c.Reason == "" {
		p = append(p, "/reason: an incomplete certificate must say why")
	}
	if want := c.Complete && len(blocking(c.Rows, c.Degraded)) == 0; c.Certified != want {
		p = append(p, fmt.Sprintf("/certified: is %t but complete and the row verdicts (required checks: %s) make it %t", c.Certified, checkList(check.Required), want))
	}
	switch {
	case c.Complete && !c.Certified && len(c.Blocking) == 0:
		p = append(p, "/blocking: a complete certificate that is not certified must say why")
	case (c.Certified || !c.Complete) && len(c.Blocking) > 0:
		p = append(p, "/blocking: must be absent when the certificate is certified or incomplete")
	}
	if want := headline(c.Complete, c.Certified, c.Rows); c.Verdict != want {
		p = append(p, fmt.Sprintf("/verdict: is %q but complete, certified and the row verdicts make it %q", c.Verdict, want))
	}
	return p
}

// checkList joins check ids with ", ".
func checkList(ids []Check) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
