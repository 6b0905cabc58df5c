package web

import "testing"

func TestOptionsEscapeAndMarkTheChoice(t *testing.T) {
	t.Parallel()
	got := string(options([]choice{{Value: "1", Label: `<b>Ops & "Co"</b>`}, {Value: `2" onclick="x`, Label: "Net", Selected: true}}))
	want := `<option value="1">&lt;b&gt;Ops &amp; &#34;Co&#34;&lt;/b&gt;</option><option value="2&#34; onclick=&#34;x" selected>Net</option>`
	if got != want {
		t.Errorf("options =\n%s\nwant\n%s", got, want)
	}
}
