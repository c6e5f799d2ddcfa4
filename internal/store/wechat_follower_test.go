package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestWeChatFollowers(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		const openID = "oWx8a5Xyz_AbCdEfGhIjKlMn-012"
		followers := func(nos ...string) map[string]string {
			t.Helper()
			got, err := p.WeChatFollowers(ctx, nos)
			if err != nil {
				t.Fatalf("WeChatFollowers(%v) = %v", nos, err)
			}
			return got
		}
		if got := followers("3100000001"); len(got) != 0 {
			t.Fatalf("no followers yet: %v", got)
		}
		for _, no := range []string{"3100000001", "3100000002"} { // one son's WeChat, his parents' two accounts
			if err := p.SetWeChatFollower(ctx, no, openID); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]string{"3100000001": openID, "3100000002": openID}
		if got := followers("3100000001", "3100000002", "3100000003", "3100000001"); !reflect.DeepEqual(got, want) {
			t.Errorf("WeChatFollowers = %v, want %v", got, want)
		}

		t.Run("a new follower replaces the old", func(t *testing.T) {
			clock.advance(time.Hour)
			if err := p.SetWeChatFollower(ctx, "3100000002", "oOther"); err != nil {
				t.Fatal(err)
			}
			if err := p.SetWeChatFollower(ctx, "3100000002", "oOther"); err != nil {
				t.Fatalf("setting the same follower again: %v", err)
			}
			if got := followers("3100000001", "3100000002"); got["3100000002"] != "oOther" || got["3100000001"] != openID {
				t.Errorf("after replacing: %v", got)
			}
			if n := countRows(t, db, "wechat_followers"); n != 2 {
				t.Errorf("%d rows, want one per account", n)
			}
		})

		t.Run("OpenIDs keep their letter case", func(t *testing.T) {
			if err := p.SetWeChatFollower(ctx, "3100000004", "oabc"); err != nil {
				t.Fatal(err)
			}
			if got := followers("3100000004")["3100000004"]; got != "oabc" {
				t.Errorf("follower = %q", got)
			}
			if err := p.SetWeChatFollower(ctx, "3100000004", "OABC"); err != nil {
				t.Fatal(err)
			}
			if got := followers("3100000004")["3100000004"]; got != "OABC" {
				t.Errorf("follower after OABC = %q, want it replaced", got)
			}
		})

		t.Run("concurrent first settings make one row", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Go(func() { errs[i] = p.SetWeChatFollower(ctx, "3100000005", fmt.Sprintf("oFollower%d", i)) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("setter %d: %v", i, err)
				}
			}
			if got := followers("3100000005")["3100000005"]; !strings.HasPrefix(got, "oFollower") {
				t.Errorf("follower = %q, want one of the setters'", got)
			}
		})

		t.Run("removing", func(t *testing.T) {
			if err := p.RemoveWeChatFollower(ctx, "3100000001"); err != nil {
				t.Fatal(err)
			}
			if got := followers("3100000001"); len(got) != 0 {
				t.Errorf("after removing: %v", got)
			}
			if err := p.RemoveWeChatFollower(ctx, "3100000001"); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("removing again = %v, want ErrNotFound", err)
			}
		})

		t.Run("a whole batch", func(t *testing.T) {
			batch := make([]string, store.MaxArrearsBatch)
			for i := range batch {
				batch[i] = fmt.Sprintf("32%08d", i)
			}
			// Either side of where a long IN list is cut.
			for _, i := range []int{0, 511, 512, 999} {
				if err := p.SetWeChatFollower(ctx, batch[i], fmt.Sprintf("o%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			want := map[string]string{batch[0]: "o0", batch[511]: "o511", batch[512]: "o512", batch[999]: "o999"}
			if got := followers(batch...); !reflect.DeepEqual(got, want) {
				t.Errorf("WeChatFollowers of %d accounts = %v, want %v", len(batch), got, want)
			}
		})

		hostile := []struct{ name, no, openID string }{
			{"empty OpenID", "3100000001", ""},
			{"65-character OpenID", "3100000001", strings.Repeat("o", 65)},
			{"OpenID with a space", "3100000001", "oWx8 a5"},
			{"OpenID with a quote", "3100000001", "o' OR '1'='1"},
			{"OpenID with a NUL", "3100000001", "oWx\x00"},
			{"OpenID with a newline", "3100000001", "oWx\n"},
			{"OpenID in Chinese", "3100000001", "微信用户"},
			{"OpenID not UTF-8", "3100000001", "o\xff"},
			{"short account number", "310000000", openID},
			{"account number with letters", "31000000ab", openID},
			{"account number with SQL", "3100000001' --", openID},
		}
		for _, tc := range hostile {
			t.Run(tc.name, func(t *testing.T) {
				before := countRows(t, db, "wechat_followers")
				if err := p.SetWeChatFollower(ctx, tc.no, tc.openID); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("SetWeChatFollower(%q, %q) = %v, want ErrInvalid", tc.no, tc.openID, err)
				}
				if n := countRows(t, db, "wechat_followers"); n != before {
					t.Errorf("%d rows, want %d", n, before)
				}
			})
		}
		if err := p.RemoveWeChatFollower(ctx, "3100000001' OR '1'='1"); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("RemoveWeChatFollower of a hostile number = %v, want ErrInvalid", err)
		}
		for _, tc := range []struct {
			name string
			nos  []string
		}{
			{"a hostile number in the batch", []string{"3100000002", "3100000001' OR '1'='1"}},
			{"an empty number", []string{""}},
			{"more than a batch", make([]string, store.MaxArrearsBatch+1)},
		} {
			if got, err := p.WeChatFollowers(ctx, tc.nos); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("%s: WeChatFollowers = %v, %v; want ErrInvalid", tc.name, got, err)
			}
		}
		if got, err := p.WeChatFollowers(ctx, nil); err != nil || got == nil || len(got) != 0 {
			t.Errorf("WeChatFollowers of no accounts = %#v, %v; want an empty map", got, err)
		}
	})
}
