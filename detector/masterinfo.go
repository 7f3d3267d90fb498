// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// MasterURL returns the base URL of a master, "http(s)://host:port" (no path), for the given scheme ("" means
// "http"). The address is chosen as Mesos's own tools would:
//
//  1. address.ip or address.hostname, with address.port;
//  2. pid ("master@ip:port");
//  3. the deprecated hostname or packed ip, with port.
//
// Within 1 and 3, "http" prefers the IP (no name resolution needed, as the reference scheduler library
// connects to the pid's IP) and "https" prefers the hostname (TLS certificates name hosts, and a non-leading
// master's 307 redirects name the leader by hostname too). The deprecated ip is a uint32 holding the IPv4
// address in network byte order on a little-endian host: 10.0.0.1 is 0x0100000A.
//
// It returns ErrNoLeader for a nil mi and an error wrapping ErrNoAddress when nothing usable is set.
func MasterURL(mi *mesosproto.MasterInfo, scheme string) (*url.URL, error) {
	if mi == nil {
		return nil, ErrNoLeader
	}
	switch scheme {
	case "":
		scheme = "http"
	case "http", "https":
	default:
		return nil, fmt.Errorf("detector: unsupported URL scheme %q (want http or https)", scheme)
	}
	host, port, ok := masterHostPort(mi, scheme == "https")
	if !ok {
		return nil, fmt.Errorf("%w (id %q)", ErrNoAddress, mi.GetId())
	}
	return &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port))}, nil
}

// masterHostPort applies MasterURL's order of preference.
func masterHostPort(mi *mesosproto.MasterInfo, preferName bool) (string, int, bool) {
	if a := mi.GetAddress(); a != nil && validPort(int64(a.GetPort())) {
		if h := pick(a.GetIp(), a.GetHostname(), preferName); h != "" {
			return h, int(a.GetPort()), true
		}
	}
	if pid := mi.GetPid(); pid != "" {
		if _, host, port, err := parseUPID(pid); err == nil {
			return host, port, true
		}
	}
	if mi.Port != nil && validPort(int64(mi.GetPort())) {
		ip := ""
		if mi.GetIp() != 0 {
			ip = UnpackIPv4(mi.GetIp()).String()
		}
		if h := pick(ip, mi.GetHostname(), preferName); h != "" {
			return h, int(mi.GetPort()), true
		}
	}
	return "", 0, false
}

func pick(ip, hostname string, preferName bool) string {
	if preferName && hostname != "" {
		return hostname
	}
	if ip != "" {
		return ip
	}
	return hostname
}

func validPort(p int64) bool { return p > 0 && p <= 65535 }

// UnpackIPv4 decodes MasterInfo's deprecated packed ip: the first octet is the lowest byte
// (a = v&0xff, b = v>>8&0xff, c = v>>16&0xff, d = v>>24), as Mesos stores in_addr.s_addr on little-endian
// hosts.
func UnpackIPv4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
}

// PackIPv4 is the inverse of UnpackIPv4. It returns 0 for an address that is not IPv4.
func PackIPv4(a netip.Addr) uint32 {
	a = a.Unmap()
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// InfoFromURL makes the MasterInfo a static detector reports for a master URL (http(s)://host:port; a missing
// port means 80 or 443, or 5050 without a scheme). Hostnames are not resolved: a name goes into hostname and
// address.hostname, an IP into address.ip, the packed ip (IPv4) and pid. The id is "host:port".
func InfoFromURL(u *url.URL) *mesosproto.MasterInfo {
	host := u.Hostname()
	port := 5050
	switch {
	case u.Port() != "":
		if p, err := strconv.Atoi(u.Port()); err == nil {
			port = p
		}
	case u.Scheme == "http":
		port = 80
	case u.Scheme == "https":
		port = 443
	}
	return infoFromHostPort(host, port)
}

func infoFromHostPort(host string, port int) *mesosproto.MasterInfo {
	hp := net.JoinHostPort(host, strconv.Itoa(port))
	mi := &mesosproto.MasterInfo{
		Id:      proto.String(hp),
		Port:    proto.Uint32(uint32(port)),
		Address: &mesosproto.Address{Port: proto.Int32(int32(port))},
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		mi.Address.Ip = proto.String(ip.String())
		mi.Ip = proto.Uint32(PackIPv4(ip))
		mi.Pid = proto.String("master@" + hp)
	} else {
		mi.Ip = proto.Uint32(0)
		mi.Hostname = proto.String(host)
		mi.Address.Hostname = proto.String(host)
	}
	return mi
}

// parseUPID parses a libprocess PID, "id@host:port".
func parseUPID(s string) (id, host string, port int, err error) {
	id, hp, ok := strings.Cut(s, "@")
	if !ok || id == "" {
		return "", "", 0, fmt.Errorf("want id@host:port")
	}
	host, port, err = splitHostPort(hp, true)
	return id, host, port, err
}

// infoFromUPID makes a MasterInfo from the data of an unlabeled (pre-0.24) member node: a UPID text. The id
// is the UPID itself, so that re-reading the node gives an equal MasterInfo.
func infoFromUPID(data []byte) (*mesosproto.MasterInfo, error) {
	s := strings.TrimSpace(string(data))
	_, host, port, err := parseUPID(s)
	if err != nil {
		return nil, err
	}
	mi := infoFromHostPort(host, port)
	mi.Id = proto.String(s)
	mi.Pid = proto.String(s)
	return mi, nil
}

// splitHostPort splits "host:port" (IPv6 in brackets) and validates both. Without needPort a missing port is
// returned as 0.
func splitHostPort(s string, needPort bool) (string, int, error) {
	if !needPort {
		if h, ok := bareHost(s); ok {
			if err := validHost(h); err != nil {
				return "", 0, err
			}
			return h, 0, nil
		}
	}
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		if _, ok := bareHost(s); ok {
			return "", 0, fmt.Errorf("missing port in %q", s)
		}
		return "", 0, fmt.Errorf("%q is not host:port", s)
	}
	if err := validHost(host); err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(portStr)
	if err != nil || !validPort(int64(p)) || portStr[0] == '+' {
		return "", 0, fmt.Errorf("invalid port %q in %q", portStr, s)
	}
	return host, p, nil
}

// bareHost returns s as a host when it has no port: "name", "1.2.3.4" or "[::1]".
func bareHost(s string) (string, bool) {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return s[1 : len(s)-1], true
	}
	if !strings.Contains(s, ":") {
		return s, true
	}
	return "", false
}

// validHost accepts an IP address or a DNS-style hostname (letters, digits, '-', '_', '.').
func validHost(h string) error {
	if h == "" {
		return fmt.Errorf("empty host")
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	if len(h) > 253 {
		return fmt.Errorf("host name too long")
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
		default:
			return fmt.Errorf("invalid host %q", h)
		}
	}
	return nil
}
