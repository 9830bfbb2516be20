package gateway

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestDrainDue(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name      string
		backlog   int  // items due at the start
		stuck     bool // every item read as due is found not due by its write
		failAt    int  // settling this item (1-based) fails; 0: none
		wantTotal int
		wantReads int
		wantErr   error
	}{
		{"nothing due", 0, false, 0, 0, 1, nil},
		{"one short batch", 42, false, 0, 42, 1, nil},
		{"several batches until a short one", 2*dueBatch + 7, false, 0, 2*dueBatch + 7, 3, nil},
		{"exactly full batches need one more read", 2 * dueBatch, false, 0, 2 * dueBatch, 3, nil},
		{"a full batch that changes nothing stops", 5 * dueBatch, true, 0, 0, 1, nil},
		{"an error stops after its batch", 3 * dueBatch, false, 10, dueBatch - 1, 1, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			left, reads := tt.backlog, 0
			var calls atomic.Int64
			settle := func(item int) (bool, error) {
				if tt.failAt != 0 && calls.Add(1) == int64(tt.failAt) {
					return false, boom
				}
				if tt.stuck {
					return false, nil
				}
				return true, nil
			}
			read := func(limit int) ([]int, error) {
				reads++
				batch := make([]int, min(left, limit))
				if !tt.stuck {
					left -= len(batch) // settled items are no longer due
				}
				return batch, nil
			}
			total, err := drainDue(context.Background(), read, settle)
			if total != tt.wantTotal || reads != tt.wantReads || !errors.Is(err, tt.wantErr) {
				t.Fatalf("settled %d in %d reads (%v); want %d in %d (%v)", total, reads, err, tt.wantTotal, tt.wantReads, tt.wantErr)
			}
		})
	}
}
