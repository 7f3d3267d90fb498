// SPDX-License-Identifier: Apache-2.0

package httpapi

import "google.golang.org/protobuf/proto"

// AppendJSON appends m rendered as Mesos renders a message with stout's
// JSON::Protobuf (see json_encode.go) to b. Hand-written JSON models, such
// as the master's /state (src/common/http.cpp), embed such renderings.
func AppendJSON(b []byte, m proto.Message) []byte { return appendJSON(b, m) }

// AppendJSONString appends s as a JSON string escaped as rapidjson escapes it.
func AppendJSONString(b []byte, s string) []byte { return appendString(b, s) }

// AppendJSONDouble appends f as rapidjson's Writer::Double writes it
// ("1.0", "0.001", "1e21"; non-finite values as strings).
func AppendJSONDouble(b []byte, f float64) []byte { return appendDouble(b, f) }
