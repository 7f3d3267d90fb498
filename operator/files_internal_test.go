// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
)

// TestParseReadAnswer decodes /files/read answers as src/files/files.cpp
// (FilesProcess::__read) writes them: {"data":…,"offset":N}, keys sorted,
// data holding the file's bytes as they are.
func TestParseReadAnswer(t *testing.T) {
	for _, tc := range []struct {
		body   string
		data   string
		offset int64
	}{
		{`{"data":"","offset":42}`, "", 42},
		{`{"data":"a\"b\\c\/d\n\t\r\b\f\u0001","offset":0}`, "a\"b\\c/d\n\t\r\b\f\x01", 0},
		{"{\"data\":\"\xff\xfe raw\",\"offset\":7}", "\xff\xfe raw", 7},
		{`{"data":"\u00e9\ud83d\ude00","offset":1}`, "é😀", 1},
		{` { "offset" : 3 , "data" : "x" } `, "x", 3},
		{`{"other":{"a":[1,"}"]},"data":"y","offset":2}`, "y", 2},
	} {
		data, off, err := parseReadAnswer([]byte(tc.body))
		if err != nil || string(data) != tc.data || off != tc.offset {
			t.Errorf("parseReadAnswer(%q) = %q, %d, %v; want %q, %d", tc.body, data, off, err, tc.data, tc.offset)
		}
	}
	for _, bad := range []string{``, `[]`, `{"data":"x"}`, `{"offset":1}`, `{"data":1,"offset":1}`,
		`{"data":"x","offset":-1}`, `{"data":"x","offset":1.5}`, `{"data":"\uZZZZ","offset":1}`, `{"data":"x`} {
		if _, _, err := parseReadAnswer([]byte(bad)); !errors.Is(err, ErrUnexpectedResponse) {
			t.Errorf("parseReadAnswer(%q) = %v; want ErrUnexpectedResponse", bad, err)
		}
	}
}

// FuzzParseReadAnswer: any input gives an answer or an error, never a
// panic; valid UTF-8 data agrees with encoding/json.
func FuzzParseReadAnswer(f *testing.F) {
	for _, s := range []string{`{"data":"abc","offset":3}`, `{"data":"\u00e9\n","offset":0}`, "{\"data\":\"\xff\",\"offset\":1}",
		`{"offset":1,"data":"\ud83d"}`, `{"data":"x","offset":1,"extra":[{"a":"b"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		data, off, err := parseReadAnswer(body)
		if err != nil {
			return
		}
		if off < 0 {
			t.Fatalf("negative offset %d", off)
		}
		var ref struct {
			Data string `json:"data"`
		}
		if bytes.Equal(bytes.ToValidUTF8(body, nil), body) && json.Unmarshal(body, &ref) == nil &&
			bytes.Equal(bytes.ToValidUTF8(data, nil), data) && ref.Data != string(data) && !bytes.Contains(body, []byte(`\ud`)) &&
			!bytes.Contains(body, []byte(`\uD`)) {
			t.Fatalf("data %q, encoding/json says %q", data, ref.Data)
		}
	})
}

// TestResolveLocation: the Location of a non-leading master's 307 is
// protocol-relative (src/master/http.cpp, Master::Http::redirect).
func TestResolveLocation(t *testing.T) {
	cur := &url.URL{Scheme: "https", Host: "m1:5050", Path: "/api/v1"}
	for _, tc := range []struct{ loc, want string }{
		{"//m2:5050/api/v1", "https://m2:5050/api/v1"},
		{"//m2:5050/master/api/v1", "https://m2:5050/master/api/v1"},
		{"//m2:5050", "https://m2:5050/api/v1"},
		{"m2:5050", "https://m2:5050/api/v1"},
		{"https://m2:5050/files/read?path=%2Fx&offset=1", "https://m2:5050/files/read?path=%2Fx&offset=1"},
	} {
		got, err := resolveLocation(cur, tc.loc)
		if err != nil || got.String() != tc.want {
			t.Errorf("resolveLocation(%q) = %v, %v; want %s", tc.loc, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "http://m2:5050/api/v1", "//user:pw@m2:5050/", "ftp://m2/", "//:5050/"} {
		if got, err := resolveLocation(cur, bad); err == nil {
			t.Errorf("resolveLocation(%q) = %v; want an error", bad, got)
		}
	}
}
