package record

import (
	"strings"
	"testing"
)

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"INC0000042", "inc0000001", "CHG1234567890", "INC", "INC-0000001", "INC00000 1", "PRB0000000", "REQ99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, ok := ParseNumber(s)
		if !ok {
			return
		}
		if _, known := prefixes[typ]; !known {
			t.Fatalf("ParseNumber(%q) accepted unknown type %q", s, typ)
		}
		if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s)), prefixes[typ]) {
			t.Fatalf("ParseNumber(%q) = %s without its prefix", s, typ)
		}
	})
}

func FuzzParseSort(f *testing.F) {
	for _, s := range []string{"", "-priority,opened_at", "number", "priority,priority", "-", ",", "updated_at,-number,priority,opened_at"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseSort(s)
		if err != nil {
			return
		}
		if len(keys) == 0 || len(keys) > 3 {
			t.Fatalf("ParseSort(%q) gave %d keys", s, len(keys))
		}
		for _, k := range keys {
			if _, ok := sortColumns[k.Field]; !ok {
				t.Fatalf("ParseSort(%q) let through %q", s, k.Field)
			}
		}
	})
}
