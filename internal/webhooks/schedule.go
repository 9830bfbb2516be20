package webhooks

import "time"

// The retry schedule: after the n-th failed attempt the next one waits
// FirstRetry·2^(n-1), at most MaxRetryDelay, stretched or shrunk by up to a
// quarter at random so receivers that failed together are not retried in
// lockstep. A delivery whose next attempt would fall after RetryWindow from
// its creation is given up as failed. Nominally that is the first attempt
// and 15 retries over about 65 hours: 30s, 1m, 2m, 4m, … 8h32m, then every
// 12h.
const (
	FirstRetry    = 30 * time.Second
	MaxRetryDelay = 12 * time.Hour
	RetryWindow   = 72 * time.Hour
)

// RetryDelay is the nominal wait after the n-th failed attempt (n ≥ 1).
func RetryDelay(n int) time.Duration {
	d := FirstRetry
	for i := 1; i < n && d < MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, MaxRetryDelay)
}

// NextAttempt is when to try again after the n-th failed attempt made at
// now, or false when the retry window has closed. jitter is uniform in [0, 1).
func NextAttempt(created, now time.Time, n int, jitter float64) (time.Time, bool) {
	d := RetryDelay(n)
	d += time.Duration((jitter - 0.5) / 2 * float64(d)) // ±25%
	next := now.Add(d)
	if next.After(created.Add(RetryWindow)) {
		return time.Time{}, false
	}
	return next, true
}
