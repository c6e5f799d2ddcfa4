package worker

import (
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
		asynq.MaxRetry(20), asynq.Timeout(time.Hour), asynq.Retention(48*time.Hour)), nil
}
