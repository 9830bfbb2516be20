package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"kassa/internal/paygate"
)

// paygateBatch processes a Batch Manager file of Sofort credits and
// writes the response file (to stdout, or --out), showing progress on
// stderr. The file is refused whole if it does not parse or its footer
// does not match; processing it again credits nothing twice.
func paygateBatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("paygate batch", flag.ContinueOnError)
	out := fs.String("out", "", "write the response file here instead of to stdout")
	openApp := appFlags(fs)
	// The file may come before or after the flags.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" {
		return errors.New("paygate batch: give the batch file: kassa paygate batch FILE")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := paygate.ParseBatch(f)
	if err != nil {
		return fmt.Errorf("paygate batch: %s refused, nothing credited: %w", file, err)
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	err = a.Gateway.ProcessPaygateBatch(ctx, "", b, func(done, total int) { progressBar(stderr, done, total) })
	if err != nil {
		return fmt.Errorf("paygate batch: stopped (processing the file again resumes without crediting twice): %w", err)
	}
	w := stdout
	if *out != "" {
		of, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer of.Close()
		w = of
	}
	return b.Response(w)
}

// progressBar redraws "[#####     ] 5/10" on one line.
func progressBar(w io.Writer, done, total int) {
	const width = 30
	filled := width
	if total > 0 {
		filled = done * width / total
	}
	fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total)
	if done == total {
		fmt.Fprintln(w)
	}
}
