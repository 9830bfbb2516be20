package store

// Finally collects a write's Tx.Finally callbacks for its store to run
// once the write's fate is known.
type Finally []func(committed bool)

// Add keeps fn for Run.
func (f *Finally) Add(fn func(committed bool)) { *f = append(*f, fn) }

// Run calls every kept callback in the order added, then forgets them.
func (f *Finally) Run(committed bool) {
	for _, fn := range *f {
		fn(committed)
	}
	*f = nil
}
