package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"
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

// Validate checks a certificate.json document against Schema (the subset of JSON Schema the
// schema uses: type, const, enum, required, properties, additionalProperties, items, minLength,
// minimum, local $ref) and against the rules the schema cannot express: a check appears in at
// most one row; an incomplete certificate has a reason; certified and verdict agree with
// complete and the rows (every row of RequiredChecks must pass); blocking is non-empty exactly
// when a complete certificate is not certified. It returns a *ValidationError listing the problems, or an error when the
// document is not JSON or the embedded schema cannot be read.
func Validate(data []byte) error {
	var schema map[string]any
	if err := json.Unmarshal(Schema, &schema); err != nil {
		return fmt.Errorf("embedded certificate schema: %w", err)
	}
	doc, err := decodeNumbers(data)
	if err != nil {
		return fmt.Errorf("certificate is not JSON: %w", err)
	}
	v := validator{root: schema}
	v.check(schema, doc, "")
	if len(v.problems) == 0 {
		var c Certificate
		if err := json.Unmarshal(data, &c); err != nil {
			v.problems = append(v.problems, "/: "+err.Error())
		} else {
			v.problems = append(v.problems, rules(c)...)
		}
	}
	if len(v.problems) > 0 {
		return &ValidationError{Problems: v.problems}
	}
	return nil
}

// decodeNumbers decodes JSON keeping numbers as json.Number, rejecting trailing data.
func decodeNumbers(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return doc, nil
}

// rules checks what the schema cannot: unique checks, a reason when incomplete, a headline that
// agrees with the rows (RequiredChecks included) and blocking lines exactly when a complete
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
	}
	if !c.Complete && c.Reason == "" {
		p = append(p, "/reason: an incomplete certificate must say why")
	}
	if want := c.Complete && len(blocking(c.Rows)) == 0; c.Certified != want {
		p = append(p, fmt.Sprintf("/certified: is %t but complete and the row verdicts (required checks: %s) make it %t", c.Certified, checkList(RequiredChecks), want))
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

// validator walks a document along a schema, collecting problems.
type validator struct {
	root     map[string]any
	problems []string
}

func (v *validator) fail(at, format string, args ...any) {
	if at == "" {
		at = "/"
	}
	v.problems = append(v.problems, at+": "+fmt.Sprintf(format, args...))
}

// annotations are schema keywords that do not constrain the document.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "$comment": true, "title": true,
	"description": true, "format": true, "examples": true, "default": true,
}

// check validates value (decoded with json.Number) at pointer at against schema s.
func (v *validator) check(s map[string]any, value any, at string) {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable order of problems
	if t, ok := s["type"]; ok && !hasType(value, t) {
		v.fail(at, "want %v, got %s", t, jsonType(value))
		return
	}
	for _, k := range keys {
		arg := s[k]
		switch k {
		case "type":
		case "$ref":
			target, err := v.resolve(arg)
			if err != nil {
				v.fail(at, "schema: %v", err)
				continue
			}
			v.check(target, value, at)
		case "const":
			if !sameJSON(value, arg) {
				v.fail(at, "want %v, got %v", arg, value)
			}
		case "enum":
			if !slicesContainJSON(arg, value) {
				v.fail(at, "%v is not one of %v", value, arg)
			}
		case "minLength":
			if str, ok := value.(string); ok && float64(utf8.RuneCountInString(str)) < arg.(float64) {
				v.fail(at, "shorter than %v characters", arg)
			}
		case "minimum":
			if n, ok := value.(json.Number); ok {
				f, _ := new(big.Float).SetString(n.String())
				if f != nil && f.Cmp(big.NewFloat(arg.(float64))) < 0 {
					v.fail(at, "%v is below the minimum %v", n, arg)
				}
			}
		case "required":
			if obj, ok := value.(map[string]any); ok {
				for _, name := range arg.([]any) {
					if _, ok := obj[name.(string)]; !ok {
						v.fail(at, "missing required field %q", name)
					}
				}
			}
		case "properties", "additionalProperties":
			// object checks both keywords; run it once, under whichever the schema has first.
			if obj, ok := value.(map[string]any); ok && (k == "properties" || s["properties"] == nil) {
				v.object(s, obj, at)
			}
		case "items":
			if arr, ok := value.([]any); ok {
				for i, item := range arr {
					v.check(arg.(map[string]any), item, fmt.Sprintf("%s/%d", at, i))
				}
			}
		default:
			if !annotations[k] {
				v.fail(at, "schema keyword %q is not supported by Validate", k)
			}
		}
	}
}

// object validates an object's members against properties and additionalProperties.
func (v *validator) object(s map[string]any, obj map[string]any, at string) {
	props, _ := s["properties"].(map[string]any)
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := at + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
		if ps, ok := props[name].(map[string]any); ok {
			v.check(ps, obj[name], path)
			continue
		}
		switch extra := s["additionalProperties"].(type) {
		case bool:
			if !extra {
				v.fail(path, "unknown field")
			}
		case map[string]any:
			v.check(extra, obj[name], path)
		}
	}
}

// resolve follows a local "#/$defs/name" reference.
func (v *validator) resolve(ref any) (map[string]any, error) {
	r, _ := ref.(string)
	name, ok := strings.CutPrefix(r, "#/$defs/")
	if !ok {
		return nil, fmt.Errorf("unsupported $ref %q", r)
	}
	defs, _ := v.root["$defs"].(map[string]any)
	target, ok := defs[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("unresolved $ref %q", r)
	}
	return target, nil
}

// hasType reports whether value has the JSON Schema type t (a name or a list of names).
func hasType(value any, t any) bool {
	if list, ok := t.([]any); ok {
		for _, one := range list {
			if hasType(value, one) {
				return true
			}
		}
		return false
	}
	got := jsonType(value)
	return got == t || (t == "number" && got == "integer")
}

// jsonType names the JSON Schema type of a decoded value; integral numbers are "integer".
func jsonType(value any) string {
	switch x := value.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if f, _ := new(big.Float).SetString(x.String()); f != nil && f.IsInt() {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", value)
}

// sameJSON compares a document value (numbers as json.Number) with a schema value.
func sameJSON(doc, schema any) bool {
	if n, ok := doc.(json.Number); ok {
		f, err := n.Float64()
		return err == nil && reflect.DeepEqual(f, schema)
	}
	return reflect.DeepEqual(doc, schema)
}

// slicesContainJSON reports whether the schema list contains the document value.
func slicesContainJSON(list any, doc any) bool {
	items, _ := list.([]any)
	for _, item := range items {
		if sameJSON(doc, item) {
			return true
		}
	}
	return false
}
