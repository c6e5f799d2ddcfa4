package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DevInbox is the channel of dev and test mode: instead of reaching a phone, every message is kept
// in Redis (so `serve` and `worker` processes share one inbox) with its text rendered from the
// kind's template, and shown at /dev/inbox.
type DevInbox struct {
	rdb    redis.UniversalClient
	bureau string
	now    func() time.Time
}

// devInboxKey holds the newest messages first; devInboxMax bounds it.
const (
	devInboxKey = "gridpay:dev:inbox"
	devInboxMax = 500
)

// NewDevInbox returns the dev inbox on rdb; its messages are signed by bureau.
func NewDevInbox(rdb redis.UniversalClient, bureau string, now func() time.Time) *DevInbox {
	return &DevInbox{rdb: rdb, bureau: bureau, now: now}
}

// Delivery is a message as the dev inbox received it: its kind and parameters, and the text a
// customer would read.
type Delivery struct {
	ID     string    `json:"id"`
	To     string    `json:"to"` // the phone
	OpenID string    `json:"open_id,omitempty"`
	Kind   Kind      `json:"kind"`
	Params Params    `json:"params"`
	Text   string    `json:"text"`    // in Chinese
	TextEn string    `json:"text_en"` // in English
	SentAt time.Time `json:"sent_at"`
}

// Name implements Channel.
func (d *DevInbox) Name() string { return "dev" }

// Send implements Channel: it keeps the message with its text rendered from the kind's template and
// returns the delivery's id; a message that fails Validate is refused and nothing is kept.
func (d *DevInbox) Send(ctx context.Context, m Message) (string, error) {
	text, err := m.Render(d.bureau)
	if err != nil {
		return "", err
	}
	var raw [8]byte
	rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	b, err := json.Marshal(Delivery{ID: id, To: m.To.Phone, OpenID: m.To.OpenID, Kind: m.Kind, Params: m.Params,
		Text: text.Zh, TextEn: text.En, SentAt: d.now().UTC()})
	if err != nil {
		return "", fmt.Errorf("notify: dev inbox: %w", err)
	}
	_, err = d.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, devInboxKey, b)
		p.LTrim(ctx, devInboxKey, 0, devInboxMax-1)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("notify: dev inbox: %w", err)
	}
	return id, nil
}

// Recent returns up to limit messages, newest first, optionally only those to one phone.
func (d *DevInbox) Recent(ctx context.Context, to string, limit int) ([]Delivery, error) {
	raw, err := d.rdb.LRange(ctx, devInboxKey, 0, devInboxMax-1).Result()
	if err != nil {
		return nil, fmt.Errorf("notify: dev inbox: %w", err)
	}
	out := []Delivery{}
	for _, r := range raw {
		var m Delivery
		if err := json.Unmarshal([]byte(r), &m); err != nil {
			continue // a foreign entry in the list is not ours to show
		}
		if to != "" && m.To != to {
			continue
		}
		out = append(out, m)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}
