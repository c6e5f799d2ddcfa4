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

test:
	$(GO) test -race -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; else echo "staticcheck not installed; skipped"; fi

# Benchmarks print their figures; the seed benchmark loads 100,000 customers (about a minute).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
