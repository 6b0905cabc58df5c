package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/db"
)

// TestPortalConfirmAndReopen: a requester answers a resolution, "Yes, it's
// fixed" or "No, still broken"; a stale answer is refused with the latest
// record shown, and reopening is only possible within the reopen window.
func TestPortalConfirmAndReopen(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		w := portalSignIn(t, f)
		in := f.portalReport(t, f.ReqA, "Outlook crashes on start", "")
		path := "/portal/incidents/" + in.Number
		f.portalResolve(t, in.Number, "Repaired the Office install.")

		page := w.get(t, path)
		wantPage(t, page, 200, []string{"Is your problem fixed?", "Repaired the Office install.", "Fixed", "Yes, it's fixed",
			"No, it's still broken", "<strong>Alan Agent</strong> resolved this", "close by itself on"},
			[]string{"Cancel this request", "Marked as resolved"})
		v := portalVersion(t, page)
		stale := strconv.FormatInt(v-1, 10)

		// Stale answers change nothing and say why.
		r := w.post(t, path+"/confirm", url.Values{"csrf": {csrf(t, page)}, "version": {stale}})
		wantPage(t, r, http.StatusConflict, []string{"updated while you had it open", "Is your problem fixed?"}, nil)
		r = w.post(t, path+"/reopen", url.Values{"csrf": {csrf(t, page)}, "version": {stale}, "comment": {"still crashing"}})
		wantPage(t, r, http.StatusConflict, []string{"updated while you had it open", "still crashing"}, nil)
		r = w.post(t, path+"/confirm", url.Values{"version": {strconv.FormatInt(v, 10)}})
		wantPage(t, r, http.StatusForbidden, nil, nil)
		if s := f.portalState(t, in.Number); s != incident.Resolved {
			t.Fatalf("after refused answers the state is %s", s)
		}

		// "No, still broken" needs a word on what is wrong.
		r = w.post(t, path+"/reopen", url.Values{"csrf": {csrf(t, page)}, "version": {strconv.FormatInt(v, 10)}, "comment": {"  "}})
		wantPage(t, r, http.StatusUnprocessableEntity, []string{"Tell us what is still wrong", `<details class="pt-disclose" open>`, `id="reopen-error"`}, nil)
		r = w.post(t, path+"/reopen", url.Values{"csrf": {csrf(t, page)}, "version": {strconv.FormatInt(v, 10)}, "comment": {"It crashes again after a reboot."}})
		page = w.portalFollow(t, r, path)
		wantPage(t, page, 200, []string{"We&#39;ve reopened", "It crashes again after a reboot.", "Reopened by you", "In progress"},
			[]string{"Is your problem fixed?"})
		if s := f.portalState(t, in.Number); s != incident.InProgress {
			t.Errorf("after reopening the state is %s", s)
		}

		// Resolved again, "Yes, it's fixed" closes it for good.
		f.portalResolve(t, in.Number, "Replaced the profile.")
		page = w.get(t, path)
		r = w.post(t, path+"/confirm", url.Values{"csrf": {csrf(t, page)}, "version": {strconv.FormatInt(portalVersion(t, page), 10)}})
		page = w.portalFollow(t, r, path)
		wantPage(t, page, 200, []string{"glad it&#39;s fixed", "Closed by you", "This request is closed", "Report a new issue"},
			[]string{`action="` + path + `/comments"`, "Cancel this request", "Is your problem fixed?"})
		if s := f.portalState(t, in.Number); s != incident.Closed {
			t.Errorf("after confirming the state is %s", s)
		}
		wantPage(t, w.get(t, "/portal/incidents?show=closed"), 200, []string{in.Number}, nil)

		// A reply to a resolved record reopens it (within the window).
		replied := f.portalReport(t, f.ReqA, "Wi-Fi slow in room 2", "")
		f.portalResolve(t, replied.Number, "Moved you to the 5 GHz band.")
		page = w.get(t, "/portal/incidents/"+replied.Number)
		wantPage(t, page, 200, []string{"Replying tells us the problem isn't fixed"}, nil)
		r = w.portalMultipart(t, "/portal/incidents/"+replied.Number+"/comments", url.Values{"csrf": {csrf(t, page)}, "body": {"Still slow."}})
		wantPage(t, w.portalFollow(t, r, "/portal/incidents/"+replied.Number), 200, []string{"We&#39;ve reopened", "Still slow."}, nil)

		// Outside the reopen window: no reopen form, and a forced post is
		// refused with the service's explanation.
		pol, err := f.a.Incidents.Policy(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pol.ReopenWindowDays = 0
		if err := f.a.Incidents.SetPolicy(context.Background(), auth.System, pol); err != nil {
			t.Fatal(err)
		}
		late := f.portalReport(t, f.ReqA, "Old monitor flicker", "")
		f.portalResolve(t, late.Number, "Swapped the cable.")
		time.Sleep(5 * time.Millisecond) // past a window of zero days
		page = w.get(t, "/portal/incidents/"+late.Number)
		wantPage(t, page, 200, []string{"report a new issue", "Yes, it's fixed"}, []string{"No, it's still broken"})
		r = w.post(t, "/portal/incidents/"+late.Number+"/reopen", url.Values{"csrf": {csrf(t, page)},
			"version": {strconv.FormatInt(portalVersion(t, page), 10)}, "comment": {"flickers again"}})
		wantPage(t, r, http.StatusUnprocessableEntity, []string{"please report a new incident", `id="reopen-error"`}, nil)
		if s := f.portalState(t, late.Number); s != incident.Resolved {
			t.Errorf("a reopen outside the window moved the record to %s", s)
		}
	})
}

// TestPortalCancel: a requester withdraws an open request with a reason;
// a missing reason or a stale version is refused.
func TestPortalCancel(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		w := portalSignIn(t, f)
		in := f.portalReport(t, f.ReqA, "Need a second monitor", "")
		path := "/portal/incidents/" + in.Number
		page := w.get(t, path)
		wantPage(t, page, 200, []string{"Cancel this request", `action="` + path + `/cancel"`, "Submitted"}, nil)
		v := strconv.FormatInt(portalVersion(t, page), 10)

		r := w.post(t, path+"/cancel", url.Values{"csrf": {csrf(t, page)}, "version": {v}, "reason": {""}})
		wantPage(t, r, http.StatusUnprocessableEntity, []string{"Tell us briefly why", `<details class="pt-disclose pt-cancel" open>`}, nil)

		// An agent changes the record meanwhile: my form is stale.
		agent := f.portalAs(t, f.Agent1)
		state := incident.InProgress
		if _, err := f.a.Incidents.Update(context.Background(), agent, in.Number, in.Version, incident.Patch{State: &state}); err != nil {
			t.Fatal(err)
		}
		r = w.post(t, path+"/cancel", url.Values{"csrf": {csrf(t, page)}, "version": {v}, "reason": {"Found a spare one"}})
		wantPage(t, r, http.StatusConflict, []string{"updated while you had it open", "In progress"}, nil)
		if s := f.portalState(t, in.Number); s != incident.InProgress {
			t.Fatalf("a stale cancel moved the record to %s", s)
		}

		page = w.get(t, path)
		r = w.post(t, path+"/cancel", url.Values{"csrf": {csrf(t, page)}, "version": {strconv.FormatInt(portalVersion(t, page), 10)}, "reason": {"Found a spare one"}})
		page = w.portalFollow(t, r, path)
		wantPage(t, page, 200, []string{"has been canceled", "This request was canceled", "Found a spare one", "Canceled by you"},
			[]string{"Cancel this request", `action="` + path + `/comments"`})
		if s := f.portalState(t, in.Number); s != incident.Canceled {
			t.Errorf("state %s after canceling", s)
		}
		// Canceling again (an old tab) is refused, not a crash.
		now, err := f.a.Incidents.Get(context.Background(), auth.System, in.Number)
		if err != nil {
			t.Fatal(err)
		}
		r = w.post(t, path+"/cancel", url.Values{"csrf": {csrf(t, page)}, "version": {strconv.FormatInt(now.Version, 10)}, "reason": {"again"}})
		wantPage(t, r, http.StatusUnprocessableEntity, []string{"That is no longer possible: this request is now canceled."}, nil)
	})
}

// TestPortalWaitingForYou: a record on hold for the requester asks them,
// on the home page and on the record, to reply.
func TestPortalWaitingForYou(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		in := f.portalReport(t, f.ReqA, "Shared drive missing", "")
		state, reason := incident.OnHold, "awaiting_requester"
		if _, err := f.a.Incidents.Update(context.Background(), f.portalAs(t, f.Agent1), in.Number, in.Version,
			incident.Patch{State: &state, OnHoldReason: &reason}); err != nil {
			t.Fatal(err)
		}
		w := portalSignIn(t, f)
		wantPage(t, w.get(t, "/portal"), 200, []string{"Needs your attention", "The service desk is waiting for your reply.", "Waiting for you"}, nil)
		wantPage(t, w.get(t, "/portal/incidents/"+in.Number), 200,
			[]string{`aria-current="step"`, "Waiting for you", "please reply below", "Status changed to On hold", "Cancel this request"}, []string{"awaiting_requester"})
	})
}
