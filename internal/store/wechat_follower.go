package store

import (
	"context"
	"database/sql"
	"fmt"

	"gridpay/internal/billing"
)

// MaxOpenID bounds a WeChat OpenID (billing.MaxOpenID).
const MaxOpenID = billing.MaxOpenID

// SetWeChatFollower records that the follower openID of the bureau's WeChat official account
// receives the messages of accountNo, replacing the one before. One follower may receive the
// messages of several accounts (a son's phone, his parents' accounts).
func (p *Portal) SetWeChatFollower(ctx context.Context, accountNo, openID string) error {
	if !billing.ValidAccountNo(accountNo) || !billing.ValidOpenID(openID) {
		return fmt.Errorf("store: wechat follower of %q: OpenID %q: %w", truncateText(accountNo, 16),
			truncateText(openID, MaxOpenID), billing.ErrInvalid)
	}
	err := p.db.upsert(ctx,
		`UPDATE wechat_followers SET open_id = @open_id, followed_at = @at WHERE account_no = @no`,
		`INSERT INTO wechat_followers (account_no, open_id, followed_at) VALUES (@no, @open_id, @at)`,
		sql.Named("no", accountNo), sql.Named("open_id", openID), sql.Named("at", timestamp(p.now())))
	if err != nil {
		return fmt.Errorf("store: wechat follower of %s: %w", accountNo, err)
	}
	return nil
}

// RemoveWeChatFollower stops sending accountNo's messages to WeChat; an account without a follower
// is not found.
func (p *Portal) RemoveWeChatFollower(ctx context.Context, accountNo string) error {
	if !billing.ValidAccountNo(accountNo) {
		return fmt.Errorf("store: remove wechat follower of %q: %w", truncateText(accountNo, 16), billing.ErrInvalid)
	}
	res, err := p.db.ExecContext(ctx, `DELETE FROM wechat_followers WHERE account_no = @no`, sql.Named("no", accountNo))
	if err := deletedOne(res, err); err != nil {
		return fmt.Errorf("store: remove wechat follower of %s: %w", accountNo, err)
	}
	return nil
}

// WeChatFollowers returns the OpenID that receives each account's messages, for a batch of at most
// MaxArrearsBatch accounts; an account without a follower is not in the map.
func (p *Portal) WeChatFollowers(ctx context.Context, accountNos []string) (map[string]string, error) {
	nos, err := accountBatch(accountNos)
	if err != nil {
		return nil, fmt.Errorf("store: wechat followers: %w", err)
	}
	out := make(map[string]string, len(nos))
	err = inChunks("no", nos, func(in string, args []any) error {
		rows, err := p.db.QueryContext(ctx, `SELECT account_no, open_id FROM wechat_followers WHERE account_no IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		pairs, err := collect(rows, func(row rowScanner) ([2]string, error) {
			var pair [2]string
			err := row.Scan(&pair[0], &pair[1])
			return pair, err
		})
		for _, pair := range pairs {
			out[pair[0]] = pair[1]
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: wechat followers: %w", err)
	}
	return out, nil
}
