package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
)

// TypeRemindRun runs one day's arrears run: scan, decide, queue a notify:remind task per reminder.
const TypeRemindRun = "remind:run"

// RemindRunPayload names the day of the run.
type RemindRunPayload struct {
	Day string `json:"day"` // YYYY-MM-DD in the bureau's location
}

// NewRemindRunTask makes the task that runs the arrears run of day, named by the day: the scheduler
// of every worker process may queue it, and it runs once. A run that fails part way is retried and
// resumes after the last batch it recorded.
func NewRemindRunTask(day time.Time) (*asynq.Task, error) {
	if day.IsZero() {
		return nil, fmt.Errorf("worker: %s without a day: %w", TypeRemindRun, billing.ErrInvalid)
	}
	on := billing.DateOf(day).Format(time.DateOnly)
	b, err := json.Marshal(RemindRunPayload{Day: on})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeRemindRun, b, asynq.TaskID(TypeRemindRun+":"+on), asynq.Queue(QueueDefault),
		asynq.MaxRetry(20), asynq.Timeout(time.Hour), asynq.Retention(remindRetention)), nil
}

// RemindRunner handles remind:run.
type RemindRunner struct {
	Reminders *Reminders
}

// ProcessTask implements asynq.Handler.
func (h *RemindRunner) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p RemindRunPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("worker: %s: undecodable payload: %w", TypeRemindRun, asynq.SkipRetry)
	}
	day, err := time.Parse(time.DateOnly, p.Day)
	if err != nil {
		return fmt.Errorf("worker: %s: day %q: %w", TypeRemindRun, p.Day, asynq.SkipRetry)
	}
	_, err = h.Reminders.Run(ctx, day)
	return err
}
