// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
)

// newUUIDBytes returns 16 random bytes laid out as an RFC 4122 version 4
// UUID, as stout's UUID::random() produces them (3rdparty/stout/include/stout/uuid.hpp).
func newUUIDBytes() []byte {
	b := make([]byte, 16)
	fillUUID(b)
	return b
}

// fillUUID fills b (16 bytes) with a fresh version 4 UUID.
func fillUUID(b []byte) {
	if _, err := rand.Read(b); err != nil {
		// crypto/rand never fails on supported platforms (Go 1.24+ crashes instead).
		panic(fmt.Sprintf("mesostest: crypto/rand: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
}

// uuidString renders 16 bytes in the canonical 8-4-4-4-12 form.
func uuidString(b []byte) string {
	var buf [36]byte
	hex.Encode(buf[0:8], b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], b[10:16])
	return string(buf[:])
}

// newUUIDString returns a fresh canonical version 4 UUID string (stream ids,
// master ids, container ids).
func newUUIDString() string { return uuidString(newUUIDBytes()) }

// validUUIDBytes reports whether b is acceptable to stout's UUID::fromBytes:
// exactly 16 bytes with a version nibble boost recognises (1 to 5).
// Any other input yields "Not a valid UUID" (src/master/validation.cpp, ACKNOWLEDGE).
func validUUIDBytes(b []byte) bool {
	if len(b) != 16 {
		return false
	}
	v := b[6] >> 4
	return v >= 1 && v <= 5
}

// frameworkIDFor formats a framework id as Master::newFrameworkId does:
// "<master id>-NNNN" (at least four digits, zero padded).
func frameworkIDFor(masterID string, n int64) string {
	return fmt.Sprintf("%s-%04d", masterID, n)
}

// offerIDFor formats an offer id as Master::newOfferId does: "<master id>-O<n>".
func offerIDFor(masterID string, n int64) string {
	return fmt.Sprintf("%s-O%d", masterID, n)
}

// agentIDFor formats an agent id as Master::newSlaveId does: "<master id>-S<n>".
func agentIDFor(masterID string, n int) string {
	return fmt.Sprintf("%s-S%d", masterID, n)
}

// packIP packs an IPv4 address the way MasterInfo.ip carries it: the four
// network-order bytes read as a little-endian uint32 (MESOS-1201), so
// 10.0.0.1 becomes 16777226 and 127.0.0.1 becomes 16777343.
func packIP(ip net.IP) uint32 {
	v4 := ip.To4()
	if v4 == nil {
		return 0
	}
	return uint32(v4[0]) | uint32(v4[1])<<8 | uint32(v4[2])<<16 | uint32(v4[3])<<24
}
