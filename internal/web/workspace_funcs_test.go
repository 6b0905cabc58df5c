package web

import (
	"strings"
	"testing"
)

func TestOptionsEscapeAndMarkTheChoice(t *testing.T) {
	t.Parallel()
	got := string(options([]choice{{Value: "1", Label: `<b>Ops & "Co"</b>`}, {Value: `2" onclick="x`, Label: "Net", Selected: true}}))
	want := `<option value="1">&lt;b&gt;Ops &amp; &#34;Co&#34;&lt;/b&gt;</option><option value="2&#34; onclick=&#34;x" selected>Net</option>`
	if got != want {
		t.Errorf("options =\n%s\nwant\n%s", got, want)
	}
}

func TestQueueRowsEscapeEveryValueAndLinkOnlyOwnPaths(t *testing.T) {
	t.Parallel()
	row := listRow{Number: "INC0000007", Pick: `INC0000007@3`, Picked: true, Cells: []listCell{
		{Key: "number", Href: "/incidents/INC0000007", Text: "INC0000007", Tag: "Major", TagClass: "major"},
		{Key: "title", Href: "/incidents/INC0000007", Quiet: true, Text: `<script>alert("x")</script>`},
		{Key: "elsewhere", Href: "javascript:alert(1)", Text: "not a link"},
		{Key: "offsite", Href: "//evil.example/", Text: "not a link either"},
		{Key: "priority", Priority: 2},
		{Key: "state", State: "in_progress", Text: "In progress"},
		{Key: "due", Due: slaBadge{Text: "in 5m", Class: "soon", ISO: "2026-12-02T08:00:00Z", Full: "2 Dec 08:00"}},
		{Key: "updated", ISO: "2026-12-02T07:00:00Z", Full: "2 Dec 07:00", Text: "1h ago"},
		{Key: "assignee", Avatar: "A&B", Text: `Ann "Ops" O'Neil`},
		{Key: "group", Empty: "No group"},
	}}
	got := string(queueRows([]listRow{row}))
	for _, want := range []string{
		`<input type="checkbox" name="pick" value="INC0000007@3" aria-label="Select INC0000007" checked>`,
		`<td class="c-number"><a href="/incidents/INC0000007">INC0000007</a> <span class="tag major">Major</span></td>`,
		`<a href="/incidents/INC0000007" tabindex="-1">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</a>`,
		`<td class="c-elsewhere">not a link</td>`,
		`<td class="c-offsite">not a link either</td>`,
		`<span class="pill p2" title="Priority 2">P2</span>`,
		`<span class="state s-in_progress">In progress</span>`,
		`<span class="due soon" data-due="2026-12-02T08:00:00Z" title="2 Dec 08:00">in 5m</span>`,
		`<time datetime="2026-12-02T07:00:00Z" title="2 Dec 07:00">1h ago</time>`,
		`<span class="avatar xs" aria-hidden="true">A&amp;B</span>Ann &#34;Ops&#34; O&#39;Neil`,
		`<span class="none">No group</span>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rows lack\n%s\nin\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script") || strings.Contains(got, "javascript:") || strings.Contains(got, "evil.example") {
		t.Errorf("rows carry a script or a foreign link:\n%s", got)
	}
}
