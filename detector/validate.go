// SPDX-License-Identifier: Apache-2.0

package detector

import "strings"

// Validate checks a master spec the way Parse does, without side effects: it reads no file, resolves no
// name and connects to nothing. Every spec Parse accepts passes; a spec it rejects for its syntax fails with
// the same *SpecError (errors.Is ErrInvalidSpec, no password in the text). A "file://" spec is checked only
// for a non-empty path: its content is read, and checked, by Parse. Clients call it when they are
// configured, so that a bad spec fails there rather than when they start.
func Validate(spec string) error {
	s := strings.TrimSpace(spec)
	if scheme, _ := specScheme(s); scheme == "file" {
		if s[len("file://"):] == "" {
			return &SpecError{Spec: s, Reason: "missing file path"}
		}
		return nil
	}
	_, err := parseSpec(s, 0) // reads a file only for a file:// spec, excluded above
	return err
}
