package app

import (
	"log/slog"
	"time"

	"gridpay/worker"
)

// smsStatusEvery is how often a worker asks the SMS gateway for delivery reports. Carriers report
// within seconds to minutes, and the ladder reads the proof the next morning at the earliest; the
// API's limit (100 requests a second) is far off.
const smsStatusEvery = time.Minute

// smsStatusPuller is the puller of the SMS gateway's delivery reports into the reminder proof, or
// nil when the process texts through no gateway that hands any out (the dev inbox). It writes
// through the cache, so that the customer's notices list shows a report at once. Every worker
// process runs one: the gateway hands each report to one of them.
func smsStatusPuller(log *slog.Logger, svc *services) *worker.SMSStatusPuller {
	gw, ok := svc.sms.(worker.SMSReports)
	if !ok {
		return nil
	}
	return &worker.SMSStatusPuller{Gateway: gw, Core: svc.core, Every: smsStatusEvery, Now: svc.now,
		Log: log.With("component", "sms_status")}
}
