// Package cursor encodes keyset-pagination positions as opaque, signed
// strings, so that a client cannot forge a position or reuse one with
// another sort order.
package cursor

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
)

// ErrInvalid is returned for a cursor that was tampered with, truncated,
// or made for another sort order.
var ErrInvalid = errors.New("invalid cursor")

// Signer signs and checks cursors with an instance-wide key.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer using key, which every node must share.
func NewSigner(key []byte) *Signer { return &Signer{key: key} }

type payload struct {
	Sort   string  `json:"s"`
	Values []int64 `json:"v"`
}

func (s *Signer) mac(b []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(b)
	return m.Sum(nil)[:16]
}

// Encode returns the cursor for values under sort order sort.
func (s *Signer) Encode(sort string, values []int64) string {
	b, _ := json.Marshal(payload{Sort: sort, Values: values})
	return base64.RawURLEncoding.EncodeToString(append(s.mac(b), b...))
}

// Decode checks c and returns its values; it fails unless c was made by
// Encode with the same key and sort, holding want values.
func (s *Signer) Decode(c, sort string, want int) ([]int64, error) {
	if len(c) > 512 {
		return nil, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(raw) < 17 {
		return nil, ErrInvalid
	}
	sig, b := raw[:16], raw[16:]
	if !hmac.Equal(sig, s.mac(b)) {
		return nil, ErrInvalid
	}
	var p payload
	if err := json.Unmarshal(b, &p); err != nil || p.Sort != sort || len(p.Values) != want {
		return nil, ErrInvalid
	}
	return p.Values, nil
}
