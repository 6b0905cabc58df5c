package cursor

import (
	"errors"
	"testing"
)

func TestRoundTripAndTampering(t *testing.T) {
	t.Parallel()
	s := NewSigner([]byte("k1"))
	c := s.Encode("-priority", []int64{3, 42})
	got, err := s.Decode(c, "-priority", 2)
	if err != nil || len(got) != 2 || got[0] != 3 || got[1] != 42 {
		t.Fatalf("Decode = %v, %v", got, err)
	}
	bad := []struct{ name, cursor, sort string }{
		{"other sort", c, "priority"},
		{"other key", NewSigner([]byte("k2")).Encode("-priority", []int64{3, 42}), "-priority"},
		{"flipped byte", c[:len(c)-2] + "AA", "-priority"},
		{"garbage", "not a cursor!", "-priority"},
		{"empty", "", "-priority"},
		{"wrong count", s.Encode("-priority", []int64{1}), "-priority"},
	}
	for _, tc := range bad {
		if _, err := s.Decode(tc.cursor, tc.sort, 2); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tc.name, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	s := NewSigner([]byte("k"))
	f.Add(s.Encode("updated_at", []int64{1, 2}))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, c string) {
		v, err := s.Decode(c, "updated_at", 2)
		if err == nil && len(v) != 2 {
			t.Fatalf("accepted cursor with %d values", len(v))
		}
	})
}
