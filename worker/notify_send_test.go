package worker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/redistest"
	"gridpay/notify"
	"gridpay/notify/tencent"
	"gridpay/notify/tencent/sandbox"
	"gridpay/worker"
)

// syncBuffer is a log that the worker's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sendRig is a worker that sends notify:send tasks through the Tencent Cloud SMS channel to its
// simulator, on the real Redis.
type sendRig struct {
	sim     *sandbox.SMS
	queue   worker.NotifyQueue
	redis   asynq.RedisConnOpt
	log     *syncBuffer
	inspect *asynq.Inspector
}

func newSendRig(t *testing.T) *sendRig {
	t.Helper()
	sim := sandbox.New("AKIDtest", "secret-key", "1400000001", nil)
	sim.Templates(map[string]int{"101": 2, "103": 3})
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	sms, err := tencent.New(tencent.Config{SecretID: "AKIDtest", SecretKey: "secret-key", SDKAppID: "1400000001", SignName: "青山县供电公司",
		Endpoint: srv.URL, Templates: map[notify.Kind]string{notify.OTP: "101", notify.Receipt: "103"}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	redisOpt, err := asynq.ParseRedisURI(redistest.URL(t, redistest.DBWorker))
	if err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClient(redisOpt)
	inspect := asynq.NewInspector(redisOpt)
	t.Cleanup(func() { client.Close(); inspect.Close() })
	r := &sendRig{sim: sim, queue: worker.NotifyQueue{Enqueuer: worker.NewEnqueuer(client)}, redis: redisOpt, log: &syncBuffer{}, inspect: inspect}

	log := slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ws := worker.NewServer(redisOpt, 2, log)
	ws.Handle(worker.TypeNotifySend, &worker.NotifySender{Channel: sms, Log: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ws.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

func (r *sendRig) waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not within 15 s", what)
}

func (r *sendRig) archived(t *testing.T) []*asynq.TaskInfo {
	tasks, err := r.inspect.ListArchivedTasks(worker.QueueNotify)
	if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		t.Fatal(err)
	}
	return tasks
}

func signInCode(phone string) notify.Message {
	return notify.Message{Kind: notify.OTP, To: notify.To{Phone: phone}, Params: notify.Params{notify.ParamCode: "042917", notify.ParamMinutes: "5"}}
}

func TestQueuedMessageIsSent(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answers  []sandbox.Answer
		requests int
	}{
		{"first time", nil, 1},
		{"after the gateway throttled it", []sandbox.Answer{{SendStatus: "LimitExceeded.PhoneNumberThirtySecondLimit"}}, 2},
		{"after the gateway failed twice", []sandbox.Answer{{Error: "InternalError.OtherError"}, {Status: 502}}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSendRig(t)
			r.sim.Then(tc.answers...)
			id, err := r.queue.Send(context.Background(), signInCode("13800138000"))
			if err != nil || id != "" {
				t.Fatalf("queue's Send = %q, %v; want no id yet: the message is only queued", id, err)
			}
			r.waitFor(t, "the code sent", func() bool { return len(r.sim.Received()) == 1 })
			got := r.sim.Received()[0]
			if got.Phone != "+8613800138000" || got.TemplateID != "101" || strings.Join(got.Params, ",") != "042917,5" {
				t.Errorf("the gateway received %+v", got)
			}
			r.waitFor(t, "the sending logged", func() bool { return strings.Contains(r.log.String(), "message sent") })
			if !strings.Contains(r.log.String(), "id="+got.SerialNo) {
				t.Errorf("the log does not name the gateway's message id %s:\n%s", got.SerialNo, r.log.String())
			}
			if n := r.sim.Requests(); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if strings.Contains(r.log.String(), "042917") {
				t.Errorf("the code is in the log:\n%s", r.log.String())
			}
		})
	}
}

func TestPermanentFailureIsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer sandbox.Answer
		m      notify.Message
		code   string
	}{
		{"number on the blacklist", sandbox.Answer{SendStatus: "FailedOperation.PhoneNumberInBlacklist"}, signInCode("13800138000"),
			"FailedOperation.PhoneNumberInBlacklist"},
		{"number refused", sandbox.Answer{}, signInCode("12345678901"), "InvalidParameterValue.IncorrectPhoneNumber"},
		{"key refused", sandbox.Answer{Error: "AuthFailure.SecretIdNotFound"}, signInCode("13800138000"), "AuthFailure.SecretIdNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSendRig(t)
			r.sim.Then(tc.answer)
			if _, err := r.queue.Send(context.Background(), tc.m); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "the task archived", func() bool { return len(r.archived(t)) == 1 })
			a := r.archived(t)[0]
			if a.Type != worker.TypeNotifySend || !strings.Contains(a.LastErr, tc.code) || a.Retried != 0 {
				t.Errorf("archived %s after %d retries with %q, want %s after none", a.Type, a.Retried, a.LastErr, tc.code)
			}
			time.Sleep(1500 * time.Millisecond) // a retry would come after 1 s
			if n := r.sim.Requests(); n != 1 || len(r.sim.Received()) != 0 {
				t.Errorf("%d requests and %d sent, want the one refused request", n, len(r.sim.Received()))
			}
			logged := r.log.String()
			if !strings.Contains(logged, tc.code) || strings.Contains(logged, "042917") || strings.Contains(logged, tc.m.To.Phone) {
				t.Errorf("the log should name the failure, and neither the code nor the whole phone:\n%s", logged)
			}
		})
	}
}

func TestNotifySendRefusesBadTasks(t *testing.T) {
	if _, err := worker.NewNotifySendTask(notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"}}); !errors.Is(err, billing.ErrInvalid) {
		t.Errorf("NewNotifySendTask(no parameters) = %v, want invalid", err)
	}
	if _, err := (worker.NotifyQueue{}).Send(context.Background(), notify.Message{Kind: "greeting"}); !errors.Is(err, billing.ErrInvalid) {
		t.Errorf("NotifyQueue.Send(unknown kind) = %v, want invalid", err)
	}
	h := &worker.NotifySender{Channel: notify.Fallback{}, Log: slog.New(slog.DiscardHandler)}
	for _, payload := range []string{`not json`, `{"kind":"otp","phone":"13800138000","params":{"code":"1"}}`} {
		err := h.ProcessTask(context.Background(), asynq.NewTask(worker.TypeNotifySend, []byte(payload)))
		if !errors.Is(err, asynq.SkipRetry) || strings.Contains(err.Error(), "13800138000") {
			t.Errorf("payload %s: %v, want SkipRetry without the payload", payload, err)
		}
	}
}
