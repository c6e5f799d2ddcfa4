package auth

import "testing"

// TestClientKey: an IPv6 client is its /64, since it may change addresses inside it at will, so
// that hopping addresses does not buy it more codes or tries.
func TestClientKey(t *testing.T) {
	for _, tc := range []struct {
		name, ip, want string
	}{
		{"IPv4", "203.0.113.7", "203.0.113.7"},
		{"IPv4 mapped in IPv6", "::ffff:203.0.113.7", "::ffff:203.0.113.7"},
		{"IPv6", "2408:8207:1851:abc0:1:2:3:4", "2408:8207:1851:abc0::/64"},
		{"IPv6, same /64", "2408:8207:1851:abc0:ffff:ffff:ffff:ffff", "2408:8207:1851:abc0::/64"},
		{"IPv6 loopback", "::1", "::/64"},
		{"not an address", "unknown", "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := clientKey(tc.ip); got != tc.want {
				t.Errorf("clientKey(%q) = %q, want %q", tc.ip, got, tc.want)
			}
		})
	}
}
