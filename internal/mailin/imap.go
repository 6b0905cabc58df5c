package mailin

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"steward/internal/platform/lease"
	"steward/internal/record"
)

// Mailbox is an IMAP mailbox Steward polls.
type Mailbox struct {
	Host     string
	Port     int    // 993 with TLS, 143 without, if zero
	TLS      string // "tls" (implicit), "starttls", or "none" (tests, localhost)
	User     string
	Password string
	Folder   string // INBOX if empty
	// MoveTo, if set, is the folder processed mail moves to; otherwise it
	// is marked \Seen and stays.
	MoveTo       string
	RecordType   record.Type   // what new mail opens; incident if empty
	PollInterval time.Duration // one minute if zero
	TLSConfig    *tls.Config   // optional (custom roots in tests)
}

func (m Mailbox) addr() string {
	port := m.Port
	if port == 0 {
		port = 993
		if m.TLS == "none" || m.TLS == "starttls" {
			port = 143
		}
	}
	return net.JoinHostPort(m.Host, strconv.Itoa(port))
}

// Name is how the mailbox is named in logs and as a message's source.
func (m Mailbox) Name() string { return "imap:" + m.User + "@" + m.Host + "/" + m.folder() }

func (m Mailbox) folder() string {
	if m.Folder == "" {
		return "INBOX"
	}
	return m.Folder
}

// Poller fetches unseen mail from a mailbox and ingests it.
type Poller struct {
	svc *Service
	box Mailbox
	// Node names this app node: with several nodes on one database, only
	// the node holding the mailbox's lease polls it.
	Node string
}

// NewPoller returns a poller for box on node.
func NewPoller(svc *Service, box Mailbox, node string) *Poller {
	return &Poller{svc: svc, box: box, Node: node}
}

// Run polls until ctx ends, while this node holds the mailbox's lease. A
// failed poll is logged and tried again at the next interval; nothing is
// marked unless it was committed.
func (p *Poller) Run(ctx context.Context) error {
	every := p.box.PollInterval
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		p.tick(ctx, every)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// tick takes a turn and logs what happened.
func (p *Poller) tick(ctx context.Context, every time.Duration) {
	log := p.svc.log().With("mailbox", p.box.Name())
	held, n, err := p.Turn(ctx, 3*every)
	switch {
	case err != nil:
		log.Warn("mail in: imap poll failed", "err", err)
	case held && n > 0:
		log.Info("mail in: imap poll", "messages", n)
	}
}

// Turn polls once if this node holds, or can take, the mailbox's lease for
// ttl; held reports whether it did. Another node holding the lease is not
// an error.
func (p *Poller) Turn(ctx context.Context, ttl time.Duration) (held bool, n int, err error) {
	held, err = lease.Acquire(ctx, p.svc.DB.Write, "mail.poll:"+p.box.Name(), p.Node, time.Now(), ttl)
	if err != nil || !held {
		return false, 0, err
	}
	n, err = p.Poll(ctx)
	return true, n, err
}

func (p *Poller) dial() (*imapclient.Client, error) {
	opts := &imapclient.Options{TLSConfig: p.box.TLSConfig}
	switch p.box.TLS {
	case "none":
		return imapclient.DialInsecure(p.box.addr(), opts)
	case "starttls":
		return imapclient.DialStartTLS(p.box.addr(), opts)
	default:
		return imapclient.DialTLS(p.box.addr(), opts)
	}
}

// pollBatch bounds how many messages one poll fetches.
const pollBatch = 50

// Poll takes in the folder's unseen messages once and returns how many it
// handled. Each message is marked \Seen (or moved) only after Ingest
// committed it; one that failed stays unseen for the next poll.
func (p *Poller) Poll(ctx context.Context) (int, error) {
	c, err := p.dial()
	if err != nil {
		return 0, fmt.Errorf("mailin: imap dial %s: %w", p.box.addr(), err)
	}
	defer c.Close()
	if err := c.Login(p.box.User, p.box.Password).Wait(); err != nil {
		return 0, fmt.Errorf("mailin: imap login %s: %w", p.box.Name(), err)
	}
	if _, err := c.Select(p.box.folder(), nil).Wait(); err != nil {
		return 0, fmt.Errorf("mailin: imap select %s: %w", p.box.Name(), err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen, imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("mailin: imap search: %w", err)
	}
	uids := found.AllUIDs()
	if len(uids) > pollBatch {
		uids = uids[:pollBatch]
	}
	done := 0
	for _, uid := range uids {
		if ctx.Err() != nil {
			break
		}
		if err := p.take(ctx, c, uid); err != nil {
			_ = c.Logout().Wait()
			return done, err
		}
		done++
	}
	return done, c.Logout().Wait()
}

// take fetches one message without marking it, ingests it, and marks or
// moves it once the ingest is committed.
func (p *Poller) take(ctx context.Context, c *imapclient.Client, uid imap.UID) error {
	set := imap.UIDSetNum(uid)
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return fmt.Errorf("mailin: imap fetch %d: %w", uid, err)
	}
	if len(msgs) == 0 {
		return nil // expunged meanwhile
	}
	raw := msgs[0].FindBodySection(section)
	if _, err := p.svc.Ingest(ctx, raw, Source{Name: p.box.Name(), RecordType: p.box.RecordType}); err != nil {
		return err
	}
	if p.box.MoveTo != "" {
		if _, err := c.Move(set, p.box.MoveTo).Wait(); err != nil {
			return fmt.Errorf("mailin: imap move %d: %w", uid, err)
		}
		return nil
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}, Silent: true}
	if err := c.Store(set, store, nil).Close(); err != nil {
		return fmt.Errorf("mailin: imap mark %d seen: %w", uid, err)
	}
	return nil
}
