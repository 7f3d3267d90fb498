// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"net/http"
	"strconv"
	"strings"
)

// NegotiateAccept picks the event encoding for a SUBSCRIBE request with the
// given Accept header value, as a Mesos master or agent does
// (libprocess Request::acceptsMediaType):
//
//   - JSON is tried first: if application/json, application/* or */* is
//     acceptable, the answer is JSON, even if protobuf is listed first or has
//     a higher q value; otherwise protobuf, if acceptable; otherwise ok is
//     false (Mesos answers 406).
//   - For each media type the most specific matching range decides
//     (type/subtype, then type/*, then */*); among ranges equally specific
//     the first listed decides. It is acceptable unless its q parameter
//     parses as a number <= 0; a missing, repeated or malformed q counts as
//     acceptable, an unparsable one as not.
//   - Media types compare case-insensitively; other parameters are ignored;
//     spaces and tabs are ignored.
//   - An empty accept means the header is absent: anything, hence JSON. Use
//     NegotiateAcceptHeader to treat a present but empty header as Mesos does
//     (nothing is acceptable).
func NegotiateAccept(accept string) (mediaType string, ok bool) {
	if accept == "" {
		return MediaTypeJSON, true
	}
	return negotiate(accept)
}

// NegotiateAcceptHeader is NegotiateAccept for request headers: an absent
// Accept header accepts anything, a present one (several are joined with
// commas) is matched as is, so a present but empty header accepts nothing.
func NegotiateAcceptHeader(h http.Header) (mediaType string, ok bool) {
	vs := h.Values(HeaderAccept)
	if len(vs) == 0 {
		return MediaTypeJSON, true
	}
	return negotiate(strings.Join(vs, ","))
}

func negotiate(accept string) (string, bool) {
	accept = strings.NewReplacer(" ", "", "\t", "", "\n", "").Replace(accept)
	switch {
	case accepts(accept, MediaTypeJSON):
		return MediaTypeJSON, true
	case accepts(accept, MediaTypeProtobuf):
		return MediaTypeProtobuf, true
	}
	return "", false
}

// accepts reports whether the (whitespace-free) Accept value allows
// mediaType ("type/subtype").
func accepts(accept, mediaType string) bool {
	typ, _, _ := strings.Cut(mediaType, "/")
	for _, candidate := range [...]string{mediaType, typ + "/*", "*/*"} {
		for _, rng := range tokenize(accept, ",") {
			params := tokenize(rng, ";")
			if len(params) == 0 || !strings.EqualFold(params[0], candidate) {
				continue
			}
			var q []string
			for _, p := range params {
				if kv := tokenize(p, "="); len(kv) == 2 && kv[0] == "q" {
					q = append(q, kv[1])
				}
			}
			if len(q) != 1 {
				return true // no q value, or a malformed one
			}
			v, err := strconv.ParseFloat(q[0], 64)
			return err == nil && v > 0
		}
	}
	return false
}

// tokenize splits s at sep and drops empty tokens (stout strings::tokenize).
func tokenize(s, sep string) []string {
	parts := strings.Split(s, sep)
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
