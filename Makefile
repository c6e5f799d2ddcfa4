# gridpay: the habits. `make run` starts everything on embedded defaults; `make test` is what CI runs.
GO  ?= go
BIN := bin/gridpay

.PHONY: run build test lint bench clean

build:
	$(GO) build -o $(BIN) .

# Build, migrate, seed the demo county if the database is empty, then start web + workers.
run: build
	./$(BIN) seed --if-empty
	./$(BIN) all

# The tests, then each provider's callback parser fuzzed briefly (go test -fuzz takes one package).
test:
	$(GO) test -race -count=1 -timeout 30m ./...
	@for pkg in $$(grep -rl --include='*_test.go' 'func FuzzVerifyCallback' . | xargs -r -n1 dirname | sort -u); do 		echo "fuzz $$pkg"; $(GO) test -run '^$$' -fuzz '^FuzzVerifyCallback$$' -fuzztime 3s -fuzzminimizetime 1s $$pkg || exit 1; 	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; else echo "staticcheck not installed; skipped"; fi

# Benchmarks print their figures, one package at a time so that none measures beside another, then
# the summary table of the performance targets (internal/benchtable), figure beside baseline. The
# seed benchmark loads 100,000 customers; the memory benchmark loads the bill page for a minute.
# With GRIDPAY_TEST_MSSQL set, the SQL Server rows are measured too. The whole output is kept in
# bin/bench.txt.
bench:
	@mkdir -p bin
	$(GO) test -p 1 -run '^$$' -bench . -benchmem -timeout 60m ./... 2>&1 | tee bin/bench.txt
	@$(GO) run ./internal/benchtable bin/bench.txt

clean:
	rm -rf bin
