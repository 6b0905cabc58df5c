package auth_test

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"steward/internal/auth"
)

// phc is the shape of a hash made with Steward's parameters: a 16-byte salt
// and a 32-byte key, unpadded standard base64.
var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func mustHash(t *testing.T, password string) string {
	t.Helper()
	h, err := auth.HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	return h
}

func TestHashPasswordIsPHCArgon2id(t *testing.T) {
	t.Parallel()
	h := mustHash(t, "correct horse battery staple")
	if !phc.MatchString(h) {
		t.Fatalf("hash %q is not PHC argon2id with m=19456,t=2,p=1", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Fatalf("hash %q contains the password", h)
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	const password = "correct horse battery staple"
	h := mustHash(t, password)
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"same password", password, true},
		{"wrong password", "correct horse battery stapler", false},
		{"different case", strings.ToUpper(password), false},
		{"empty password", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := auth.CheckPassword(h, tt.password)
			if err != nil {
				t.Fatalf("CheckPassword: %v", err)
			}
			if ok != tt.want {
				t.Fatalf("CheckPassword(%q) = %v, want %v", tt.password, ok, tt.want)
			}
		})
	}
}

func TestHashPasswordSaltsEachHash(t *testing.T) {
	t.Parallel()
	a, b := mustHash(t, "same password twice"), mustHash(t, "same password twice")
	if a == b {
		t.Fatalf("two hashes of one password are equal: %q", a)
	}
	saltA, saltB := strings.Split(a, "$")[4], strings.Split(b, "$")[4]
	if saltA == saltB {
		t.Fatalf("two hashes share the salt %q", saltA)
	}
}

// A hash made with other parameters (older defaults) still verifies: the
// parameters are read from the hash, not from the current constants.
func TestCheckPasswordUsesParametersFromTheHash(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("old password 1"), salt, 1, 8*1024, 1, 32)
	b64 := base64.RawStdEncoding
	h := fmt.Sprintf("$argon2id$v=19$m=8192,t=1,p=1$%s$%s", b64.EncodeToString(salt), b64.EncodeToString(key))
	for pw, want := range map[string]bool{"old password 1": true, "old password 2": false} {
		ok, err := auth.CheckPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v, nil", pw, ok, err, want)
		}
	}
}

func TestCheckPasswordRejectsMalformedHashes(t *testing.T) {
	t.Parallel()
	parts := strings.Split(mustHash(t, "some password"), "$")
	salt, key := parts[4], parts[5]
	tests := []struct {
		name string
		hash string
	}{
		{"empty", ""},
		{"plain text", "some password"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"too few parts", "$argon2id$v=19$m=19456,t=2,p=1$" + salt},
		{"too many parts", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$x"},
		{"old version", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key},
		{"version not a number", "$argon2id$v=x$m=19456,t=2,p=1$" + salt + "$" + key},
		{"parameters garbled", "$argon2id$v=19$m=lots,t=2,p=1$" + salt + "$" + key},
		{"parallelism overflows", "$argon2id$v=19$m=19456,t=2,p=300$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=19456,t=2,p=1$!!!$" + key},
		{"key not base64", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$***"},
		// These reach argon2 itself, which panics on them.
		{"zero passes", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key},
		{"zero parallelism", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key},
		{"empty key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$"},
		{"absurd memory", "$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := auth.CheckPassword(tt.hash, "some password")
			if err == nil || ok {
				t.Fatalf("CheckPassword(%q) = %v, %v; want false and an error", tt.hash, ok, err)
			}
		})
	}
}
