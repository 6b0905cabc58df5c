package mailin_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"steward/internal/mailin"
	"steward/internal/record"
)

func TestParseMailbox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		want    mailin.Mailbox
		wantErr bool
	}{
		{url: "imaps://desk%40example.com:p%40ss@mail.example.com/INBOX?move=Done&every=30s",
			want: mailin.Mailbox{Host: "mail.example.com", TLS: "tls", User: "desk@example.com", Password: "p@ss", Folder: "INBOX",
				MoveTo: "Done", PollInterval: 30 * time.Second, RecordType: record.TypeIncident}},
		{url: "imap+starttls://desk:pw@mail.example.com:1143",
			want: mailin.Mailbox{Host: "mail.example.com", Port: 1143, TLS: "starttls", User: "desk", Password: "pw", RecordType: record.TypeIncident}},
		{url: "imap://desk:pw@127.0.0.1:1430/Support?type=incident",
			want: mailin.Mailbox{Host: "127.0.0.1", Port: 1430, TLS: "none", User: "desk", Password: "pw", Folder: "Support", RecordType: record.TypeIncident}},
		{url: "pop3://desk:pw@mail.example.com", wantErr: true},
		{url: "imaps://mail.example.com", wantErr: true},
		{url: "imaps://desk:pw@mail.example.com?every=0s", wantErr: true},
		{url: "imaps://desk:pw@mail.example.com?type=change", wantErr: true},
		{url: "imaps://desk:pw@:993", wantErr: true},
	}
	for _, tt := range tests {
		got, err := mailin.ParseMailbox(tt.url)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error %v, want error %v", tt.url, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "TLSConfig" }, cmp.Ignore())); !tt.wantErr && diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.url, diff)
		}
	}
}
