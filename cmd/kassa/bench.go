package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"kassa/internal/loadgen"
)

// bench drives a running Kassa (or any Stripe-compatible server) with an
// open-loop mix of requests and reports throughput and latency.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	target := fs.String("url", "http://127.0.0.1:8080", "server to drive")
	key := fs.String("key", os.Getenv("KASSA_BENCH_KEY"), "secret key (KASSA_BENCH_KEY)")
	rate := fs.Float64("rate", 500, "requests per second, all operations together")
	duration := fs.Duration("duration", 30*time.Second, "how long to send")
	warmup := fs.Duration("warmup", 0, "first send the same load this long, unmeasured: connections, caches and the server's memory warm up")
	mix := fs.String("mix", "create_confirm=45,complete=25,retrieve=15,list=10,refund=5", "operation weights, of: "+strings.Join(opNames(), ", "))
	idempotencyKeys := fs.String("idempotency-keys", string(loadgen.KeysLikeStripeGo), "a fresh Idempotency-Key with every POST: stripe-go (time first, as stripe-go sends), uuid (random, as stripe-node and stripe-python send) or off")
	maxInFlight := fs.Int("max-in-flight", 2048, "outstanding requests beyond this are dropped and counted")
	out := fs.String("out", "", "write the results as JSON to this file")
	plotFile := fs.String("plot", "", "draw latency (and memory) as a PNG to this file")
	receiver := fs.String("webhook-receiver", "", "listen for webhooks on this address (e.g. 127.0.0.1:0), register it on the target and measure delivery lag")
	receiverURL := fs.String("webhook-url", "", "the URL the target should post to, if not http://<receiver address>/")
	webhookWait := fs.Duration("webhook-wait", 30*time.Second, "after the run, how long to wait for events still owed")
	serverPID := fs.Int("server-pid", 0, "sample this local server process's resident memory (VmRSS) and measure its CPU time during the run")
	memEvery := fs.Duration("memory-every", 5*time.Second, "how often to sample --server-pid")
	cpuProfile := fs.String("cpu-profile", "", "write the generator's own CPU profile of the measured run to this file (go tool pprof)")
	metricsToken := fs.String("metrics-token", os.Getenv("KASSA_METRICS_TOKEN"), "the target's metrics token, for the SQLite writer's counters (KASSA_METRICS_TOKEN)")
	serve := fs.String("serve", "", "start kassa serve on this new `database` (a SQLite file, or a postgres:// URL of an empty database) and drive it: its URL, key and pid are the run's --url, --key and --server-pid; it stops after the run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *serve != "" {
		server, err := startServer(ctx, *serve, stderr)
		if err != nil {
			return err
		}
		defer server.stop()
		*target, *key, *serverPID = server.url, server.key, server.cmd.Process.Pid
		fmt.Fprintf(stderr, "started kassa serve on %s at %s (pid %d)\n", *serve, *target, *serverPID)
	}
	if *key == "" {
		return errors.New("bench: --key (or KASSA_BENCH_KEY) is required")
	}
	weights, err := parseMix(*mix)
	if err != nil {
		return err
	}
	keyStyle, err := loadgen.ParseKeyStyle(*idempotencyKeys)
	if err != nil {
		return err
	}
	cfg := loadgen.Config{
		BaseURL: *target, SecretKey: *key, Rate: *rate, Duration: *duration, Mix: weights, MaxInFlight: *maxInFlight,
		IdempotencyKeys: keyStyle,
		Progress: func(s loadgen.Snapshot) {
			fmt.Fprintf(stderr, "\r%5.0fs  sent %d  done %d  errors %d  dropped %d   ",
				s.Elapsed.Seconds(), s.Sent, s.Completed, s.Errors, s.Dropped)
		},
	}
	if *warmup > 0 {
		// Before the receiver registers its endpoint: the warm-up's events
		// are owed to no endpoint of the measured run.
		cfg.Transport = loadgen.NewTransport(*target, *maxInFlight)
		warm := cfg
		warm.Duration = *warmup
		fmt.Fprintf(stderr, "warming up for %s\n", *warmup)
		res, err := loadgen.Run(ctx, warm)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "\nwarm-up: %d requests, %d errors, %d dropped\n", res.All.Count, res.All.Errors, res.Dropped)
	}
	var hooks *webhookReceiver
	if *receiver != "" {
		if hooks, err = startReceiver(ctx, *target, *key, *receiver, *receiverURL); err != nil {
			return err
		}
		defer hooks.close(stderr)
		cfg.Succeeded = hooks.Succeeded
	}
	var stopMemory func() *loadgen.MemoryResult
	var stopCPU func(requests int) *loadgen.CPUResult
	if *serverPID != 0 {
		stopMemory = loadgen.SampleMemory(*serverPID, *memEvery)
		stopCPU = loadgen.MeasureCPU(*serverPID)
	}
	// A Kassa tells on /metrics how long requests took inside it and, on
	// SQLite, how busy its single writer was.
	stopMetrics := loadgen.MeasureMetrics(ctx, http.DefaultClient, *target, *metricsToken)
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	res, err := loadgen.Run(ctx, cfg)
	if err := stopProfile(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	res.Writer, res.Inside = stopMetrics()
	if stopCPU != nil {
		res.CPU = stopCPU(res.All.Count)
	}
	if *warmup > 0 {
		res.Warmup = warmup.String()
	}
	fmt.Fprintln(stderr)
	if hooks != nil {
		fmt.Fprintf(stderr, "waiting up to %s for webhooks still owed\n", *webhookWait)
		wctx, cancel := context.WithTimeout(ctx, *webhookWait)
		hooks.Wait(wctx)
		cancel()
		res.Webhooks = hooks.Result(res.Started)
	}
	if stopMemory != nil {
		res.Memory = stopMemory()
	}
	printResult(stdout, res)
	if *out != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	if *plotFile != "" {
		return writePlot(*plotFile, res)
	}
	return nil
}

// startCPUProfile profiles this process into path until stop; with no
// path it does nothing. The generator shares its machine with the server
// it measures, so what it costs is worth seeing.
func startCPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

func writePlot(path string, res *loadgen.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := loadgen.WritePlot(f, res); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func opNames() []string {
	names := make([]string, len(loadgen.Ops))
	for i, op := range loadgen.Ops {
		names[i] = string(op)
	}
	return names
}

func parseMix(s string) (map[loadgen.Op]int, error) {
	out := map[loadgen.Op]int{}
	for _, part := range strings.Split(s, ",") {
		name, weight, ok := strings.Cut(strings.TrimSpace(part), "=")
		w, err := strconv.Atoi(weight)
		if !ok || err != nil || w < 0 {
			return nil, fmt.Errorf("bench: --mix wants op=weight pairs, got %q", part)
		}
		op := loadgen.Op(name)
		if !slices.Contains(loadgen.Ops, op) {
			return nil, fmt.Errorf("bench: unknown operation %q", name)
		}
		out[op] = w
	}
	return out, nil
}

func printResult(w io.Writer, res *loadgen.Result) {
	fmt.Fprintf(w, "target %s  rate %.0f/s  duration %s  throughput %.0f/s  dropped %d\n",
		res.Target, res.Rate, res.Duration, res.Throughput, res.Dropped)
	if res.Warmup != "" {
		fmt.Fprintf(w, "after a warm-up of %s at the same rate, not counted\n", res.Warmup)
	}
	fmt.Fprintf(w, "%-16s %8s %7s %9s %9s %9s %9s\n", "operation", "count", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms")
	ops := make([]string, 0, len(res.Ops))
	for op := range res.Ops {
		ops = append(ops, string(op))
	}
	sort.Strings(ops)
	row := func(name string, o *loadgen.OpResult) {
		fmt.Fprintf(w, "%-16s %8d %7d %9.2f %9.2f %9.2f %9.2f\n", name, o.Count, o.Errors, o.P50, o.P90, o.P99, o.Max)
	}
	for _, op := range ops {
		row(op, res.Ops[loadgen.Op(op)])
	}
	row("all", res.All)
	if l := res.StartedLate; l != nil && l.Count > 0 {
		fmt.Fprintf(w, "the generator started requests late by p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms (part of each latency above)\n",
			l.P50, l.P90, l.P99, l.Max)
	}
	for msg, n := range res.ErrorSample {
		fmt.Fprintf(w, "error %6d× %s\n", n, msg)
	}
	if len(res.Inside) > 0 {
		routes := make([]string, 0, len(res.Inside))
		for route := range res.Inside {
			routes = append(routes, route)
		}
		sort.Strings(routes)
		fmt.Fprintf(w, "inside the server (its /metrics; quantiles estimated from histogram buckets):\n")
		fmt.Fprintf(w, "%-52s %8s %9s %9s %9s %13s\n", "route", "count", "p50 ms", "p90 ms", "p99 ms", "within 20 ms")
		for _, route := range routes {
			in := res.Inside[route]
			fmt.Fprintf(w, "%-52s %8d %9.2f %9.2f %9.2f %12.2f%%\n", route, in.Count, in.P50, in.P90, in.P99, 100*in.Within20ms)
		}
	}
	if h := res.Webhooks; h != nil {
		fmt.Fprintf(w, "webhooks: expected %d  delivered %d  undelivered %d  lag p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n",
			h.Expected, h.Delivered, h.Undelivered, h.P50, h.P90, h.P99, h.Max)
		fmt.Fprintf(w, "webhooks: before their response %d  duplicates %d  unexpected %d  bad signatures %d\n",
			h.Early, h.Duplicates, h.Unexpected, h.BadSignatures)
	}
	if wr := res.Writer; wr != nil {
		fmt.Fprintf(w, "server's SQLite writer: busy %.0f%% of the run  %.1f writes per commit  %.0f µs per write  mean wait %.2f ms\n",
			100*wr.BusyFraction, wr.WritesPerBatch, wr.BusyPerWriteUS, wr.MeanWaitMS)
	}
	if c := res.CPU; c != nil {
		if c.Error != "" {
			fmt.Fprintf(w, "server CPU not measured: %s\n", c.Error)
		} else {
			fmt.Fprintf(w, "server pid %d CPU: %.1f s in %.1f s (%.2f cores)  %.0f µs per request;  this generator: %.1f s  %.0f µs per request\n",
				c.PID, c.ServerSeconds, c.WallSeconds, c.ServerCores, c.ServerPerRequestUS, c.GeneratorSeconds, c.GeneratorPerRequestUS)
			if c.MachineCPUs > 0 {
				fmt.Fprintf(w, "machine: %.2f of %d CPUs busy (%.0f%%); besides the server and this generator %.2f (the kernel's network work, other processes)\n",
					c.MachineBusyCores, c.MachineCPUs, 100*c.MachineBusyCores/float64(c.MachineCPUs),
					max(0, c.MachineBusyCores-(c.ServerSeconds+c.GeneratorSeconds)/c.WallSeconds))
			}
		}
	}
	if m := res.Memory; m != nil {
		fmt.Fprintf(w, "server pid %d VmRSS: start %.1f MiB  end %.1f MiB  max %.1f MiB  (%d samples)\n",
			m.PID, float64(m.StartKB)/1024, float64(m.EndKB)/1024, float64(m.MaxKB)/1024, len(m.Samples))
		if n := len(m.Samples); n > 0 {
			last := m.Samples[n-1]
			fmt.Fprintf(w, "server pid %d at the end: anonymous %.1f MiB  file-backed %.1f MiB\n",
				m.PID, float64(last.AnonKB)/1024, float64(last.FileKB)/1024)
		}
		if m.Error != "" {
			fmt.Fprintf(w, "memory sampling stopped: %s\n", m.Error)
		}
	}
}
