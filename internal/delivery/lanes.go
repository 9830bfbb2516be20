package delivery

import "sync"

// lanes queue claimed jobs per endpoint and let at most perEndpoint of an
// endpoint's run at once.
type lanes struct {
	perEndpoint int
	mu          sync.Mutex
	byEndpoint  map[string]*lane
}

type lane struct {
	waiting []*job
	running int
}

func newLanes(perEndpoint int) *lanes {
	return &lanes{perEndpoint: perEndpoint, byEndpoint: map[string]*lane{}}
}

// add queues jobs behind their endpoints' and returns those that may start
// now; the caller runs each, then asks next for the following one.
func (l *lanes) add(jobs []*job) []*job {
	l.mu.Lock()
	defer l.mu.Unlock()
	var start []*job
	for _, j := range jobs {
		ln := l.byEndpoint[j.delivery.EndpointID]
		if ln == nil {
			ln = &lane{}
			l.byEndpoint[j.delivery.EndpointID] = ln
		}
		if ln.running < l.perEndpoint {
			ln.running++
			start = append(start, j)
		} else {
			ln.waiting = append(ln.waiting, j)
		}
	}
	return start
}

// next is called when one of endpointID's jobs has finished: it returns
// the endpoint's next job to run in its place, or nil, freeing the place.
func (l *lanes) next(endpointID string) *job {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln := l.byEndpoint[endpointID]
	if len(ln.waiting) > 0 {
		j := ln.waiting[0]
		ln.waiting[0] = nil
		ln.waiting = ln.waiting[1:]
		return j
	}
	ln.running--
	if ln.running == 0 {
		delete(l.byEndpoint, endpointID) // endpoints come and go
	}
	return nil
}
