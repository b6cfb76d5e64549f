package reports

import (
	"bytes"
	_ "embed" // the certificate's JSON Schema
	"encoding/json"
	"fmt"
	"os"
)

// Schema is the JSON Schema (draft 2020-12) of certificate.json, documented field by field in
// docs/certificate.md. Validate checks documents against it.
//
//go:embed certificate.schema.json
var Schema []byte

// WriteJSON writes c to path as indented JSON (two spaces, fields in the order of the Go
// structs, map keys sorted, trailing newline), creating or truncating the file with mode 0644.
// Nil slices and maps are written as [] and {}. It returns the encoding or file-system error.
func WriteJSON(path string, c Certificate) error {
	data, err := EncodeJSON(c)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write certificate: %w", err)
	}
	return nil
}

// EncodeJSON returns the bytes WriteJSON writes.
func EncodeJSON(c Certificate) ([]byte, error) {
	c = c.normalized()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encode certificate: %w", err)
	}
	return buf.Bytes(), nil
}

// ReadJSON reads a certificate written by WriteJSON. It returns the file-system error, or a
// decoding error when the file is not a certificate (unknown fields are an error); it does not
// run Validate.
func ReadJSON(path string) (Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Certificate{}, fmt.Errorf("read certificate: %w", err)
	}
	var c Certificate
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Certificate{}, fmt.Errorf("decode certificate %s: %w", path, err)
	}
	return c, nil
}

// normalized returns a copy of c whose nil slices and maps are empty, so the JSON has [] and {}
// where the schema requires arrays and objects.
func (c Certificate) normalized() Certificate {
	if c.Environment.Parameters == nil {
		c.Environment.Parameters = map[string]string{}
	}
	if c.Rows == nil {
		c.Rows = []Row{}
	}
	rows := make([]Row, len(c.Rows))
	for i, r := range c.Rows {
		if r.Reasons == nil {
			r.Reasons = []string{}
		}
		if r.Specs == nil {
			r.Specs = []SpecResult{}
		}
		rows[i] = r
	}
	c.Rows = rows
	return c
}
