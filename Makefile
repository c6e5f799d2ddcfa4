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

# Benchmarks print their figures; the seed benchmark loads 100,000 customers (about a minute). With
# GRIDPAY_TEST_MSSQL set, the seed of 2,000 customers on SQL Server is measured too.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
