// Command benchtable reads the output of `go test -bench` (a file, or standard input) and prints the
// performance summary make bench ends with: each target of issue #12 (docs/design.md, "Figures"),
// its figure, the baseline measured beside it in the same run, the ratio, the target and whether it
// is met. It exits 1 when the run failed, so that make bench fails with it.
//
//	go test -p 1 -run '^$' -bench . ./... | tee bin/bench.txt
//	go run ./internal/benchtable bin/bench.txt
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	in := stdin
	switch len(args) {
	case 0:
	case 1:
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	default:
		return fmt.Errorf("usage: benchtable [go-test-bench-output]")
	}
	res, failed, err := parse(in)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "## Performance summary (one run; ratios are figure / baseline)")
	fmt.Fprintln(stdout)
	if missing := render(stdout, res); missing > 0 {
		fmt.Fprintf(stdout, "\n%d figure(s) not measured in this run (a SQL Server row needs GRIDPAY_TEST_MSSQL).\n", missing)
	}
	if failed {
		return fmt.Errorf("the benchmark run failed (a FAIL line above): the table may lack figures")
	}
	return nil
}
