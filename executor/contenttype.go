// SPDX-License-Identifier: Apache-2.0

package executor

import "github.com/mesoskit/mesoskit/internal/httpapi"

// The media types WithContentType accepts: Mesos's v1 APIs speak protobuf and JSON.
const (
	ContentTypeProtobuf = httpapi.MediaTypeProtobuf // "application/x-protobuf", the default
	ContentTypeJSON     = httpapi.MediaTypeJSON     // "application/json"
)
