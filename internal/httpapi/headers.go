// SPDX-License-Identifier: Apache-2.0

package httpapi

// Media types of the Mesos v1 HTTP APIs. Content-Type is compared with them
// exactly, as Mesos does: "application/json; charset=utf-8" is not JSON to a
// master.
const (
	MediaTypeProtobuf = "application/x-protobuf"
	MediaTypeJSON     = "application/json"
	// MediaTypeRecordIO is used only by the operator API's streaming calls.
	MediaTypeRecordIO = "application/recordio"
)

// Header names.
const (
	HeaderStreamID      = "Mesos-Stream-Id"
	HeaderContentType   = "Content-Type"
	HeaderAccept        = "Accept"
	HeaderLocation      = "Location"
	HeaderAuthorization = "Authorization"
	// HeaderMessageAccept and HeaderMessageContentType describe the records
	// of an operator API RecordIO stream.
	HeaderMessageAccept      = "Message-Accept"
	HeaderMessageContentType = "Message-Content-Type"
)
