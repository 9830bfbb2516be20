package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"time"
)

// benchServer is a `kassa serve` that bench started for its run.
type benchServer struct {
	cmd  *exec.Cmd
	url  string
	key  string
	done chan error // the process's exit
}

var (
	servedURL = regexp.MustCompile(`Kassa listening on (http://\S+)`)
	servedKey = regexp.MustCompile(`secret key:\s+(sk_test_\S+)`)
)

// startServer runs `kassa serve` (this executable) on db, a database that
// holds no account yet, at a free loopback port, and returns once it
// listens with the secret key it printed. Its log goes to stderr.
func startServer(ctx context.Context, db string, stderr io.Writer) (*benchServer, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "serve", "--addr", "127.0.0.1:0", "--db", db)
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &benchServer{cmd: cmd, done: make(chan error, 1)}
	started := make(chan error, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if m := servedKey.FindStringSubmatch(lines.Text()); m != nil {
				s.key = m[1]
			}
			if m := servedURL.FindStringSubmatch(lines.Text()); m != nil {
				s.url = m[1]
				if s.key == "" {
					started <- fmt.Errorf("bench: --serve %s: the database holds accounts already (no key was printed); give it a new one", db)
				} else {
					started <- nil
				}
				io.Copy(io.Discard, stdout)
				break
			}
		}
		s.done <- cmd.Wait()
		select { // unless it listened (or startServer gave up) first
		case started <- errors.New("bench: kassa serve exited before listening"):
		default:
		}
	}()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	select {
	case err = <-started:
	case <-timeout.C:
		err = errors.New("bench: kassa serve did not listen within a minute")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// stop asks the server to finish (SIGTERM), kills it if it has not within
// ten seconds, and waits for it.
func (s *benchServer) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		return <-s.done
	}
}
