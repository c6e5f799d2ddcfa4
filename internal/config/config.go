// Package config reads gridpay's configuration from GRIDPAY_* environment variables, validates it
// once at start-up and passes it down as a plain value.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Environments gridpay runs in.
const (
	Dev        = "dev"
	Production = "production"
)

// Config is the whole validated configuration. Every field comes from one GRIDPAY_ variable; the
// README lists them all with their defaults.
type Config struct {
	Env               string         // GRIDPAY_ENV: dev | production
	Bureau            string         // GRIDPAY_BUREAU: the power supply company's name, as customers see it and messages are signed
	Addr              string         // GRIDPAY_ADDR: listen address, host:port
	MetricsAddr       string         // GRIDPAY_METRICS_ADDR: internal listener serving /metrics; empty = none in production, the main server in dev
	DebugAddr         string         // GRIDPAY_DEBUG_ADDR: internal listener serving Go's profiler (/debug/pprof/); empty = none
	TrustedProxies    []string       // GRIDPAY_TRUSTED_PROXIES: CIDRs or addresses of proxies whose X-Forwarded-For is believed; empty = none
	PublicURL         string         // GRIDPAY_PUBLIC_URL: how users reach the site; derived from Addr when empty
	CoreDB            string         // GRIDPAY_CORE_DB: DSN of the core marketing database
	PortalDB          string         // GRIDPAY_PORTAL_DB: DSN of the portal database (may equal CoreDB)
	RedisURL          string         // GRIDPAY_REDIS_URL: empty = embedded in-process Redis (dev only)
	LogLevel          slog.Level     // GRIDPAY_LOG_LEVEL: debug | info | warn | error
	Location          *time.Location // GRIDPAY_TIMEZONE: the bureau's civil time zone for dates
	ShutdownTimeout   time.Duration  // GRIDPAY_SHUTDOWN_TIMEOUT: grace period for in-flight requests
	WorkerConcurrency int            // GRIDPAY_WORKER_CONCURRENCY: tasks run at once per worker process
	BankSecret        []byte         // GRIDPAY_BANK_SECRET: HMAC key shared with the collecting bank; random in dev when unset
	BankStatementDir  string         // GRIDPAY_BANK_STATEMENT_DIR: where the bank drops YYYYMMDD.csv statements; empty = none
	WeChat            WeChatConfig   // GRIDPAY_WECHAT_*: a merchant account of WeChat Pay; unset = none (sandbox in dev)
	Alipay            AlipayConfig   // GRIDPAY_ALIPAY_*: an app of Alipay; unset = none (sandbox in dev)
	SMS               SMSConfig      // GRIDPAY_SMS_*: the SMS gateway; unset = none (the dev inbox in dev; production refuses)
	Remind            RemindConfig   // GRIDPAY_REMIND_*: the daily arrears run
	Disputes          DisputesConfig // GRIDPAY_DISPUTE_*: service levels and the agent's limit
	WeChatOA          WeChatOAConfig // GRIDPAY_WECHAT_OA_*: the bureau's WeChat official account; unset = none
}

// WeChatConfig is a WeChat Pay merchant: ids and secrets as they are configured, keys as PEM text
// read from the files named.
type WeChatConfig struct {
	MchID, AppID, CertSerial, APIv3Key string
	PrivateKeyPEM                      string // GRIDPAY_WECHAT_KEY_FILE
	PlatformCertPEM                    string // GRIDPAY_WECHAT_PLATFORM_CERT_FILE (optional if a public key is given)
	PublicKeyPEM, PublicKeyID          string // GRIDPAY_WECHAT_PUBLIC_KEY_FILE and _ID (optional if a certificate is given)
	BaseURL                            string
}

// AlipayConfig is an Alipay app.
type AlipayConfig struct {
	AppID, SellerID string
	PrivateKeyPEM   string // GRIDPAY_ALIPAY_KEY_FILE
	PublicKeyPEM    string // GRIDPAY_ALIPAY_PUBLIC_KEY_FILE: Alipay's public key
	GatewayURL      string
}

// Defaults used when a variable is unset or empty.
const (
	DefaultAddr            = ":8080"
	DefaultCoreDB          = "sqlite:data/core.db"
	DefaultPortalDB        = "sqlite:data/portal.db"
	DefaultTimezone        = "Asia/Shanghai"
	DefaultShutdownTimeout = 15 * time.Second
	// DefaultDevBureau is the demo county's bureau (internal/demo), the name dev speaks in; production
	// must name its own.
	DefaultDevBureau = "云溪县供电公司"
	// DefaultWorkerConcurrency bounds the writes one worker process makes to the core database.
	DefaultWorkerConcurrency = 4
	// DefaultDevAddr keeps dev (whose dev inbox shows every sign-in code and whose sandboxes "pay"
	// any order) on this machine unless GRIDPAY_ADDR says otherwise.
	DefaultDevAddr = "127.0.0.1:8080"
)

// Production reports whether the process runs in production mode.
func (c Config) Production() bool { return c.Env == Production }

// EmbeddedRedis reports whether an in-process Redis should serve (dev with no GRIDPAY_REDIS_URL).
func (c Config) EmbeddedRedis() bool { return c.RedisURL == "" }

// Load reads and validates the configuration through getenv. Every problem found is reported, each
// naming its variable and the expected form.
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	bad := func(name, value, want string) {
		errs = append(errs, fmt.Errorf("%s=%q is not valid: want %s", name, value, want))
	}
	// Connection strings may hold passwords: their values are not repeated in errors.
	badSecret := func(name, want string) {
		errs = append(errs, fmt.Errorf("%s is not valid: want %s", name, want))
	}
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}

	c := Config{
		Env:       get("GRIDPAY_ENV", Dev),
		Bureau:    get("GRIDPAY_BUREAU", ""),
		Addr:      get("GRIDPAY_ADDR", ""),
		PublicURL: get("GRIDPAY_PUBLIC_URL", ""),
		CoreDB:    get("GRIDPAY_CORE_DB", DefaultCoreDB),
		PortalDB:  get("GRIDPAY_PORTAL_DB", DefaultPortalDB),
		RedisURL:  get("GRIDPAY_REDIS_URL", ""),
	}
	if c.Env != Dev && c.Env != Production {
		bad("GRIDPAY_ENV", c.Env, `"dev" or "production"`)
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
		if c.Env != Production {
			c.Addr = DefaultDevAddr
		}
	}
	if c.MetricsAddr = get("GRIDPAY_METRICS_ADDR", ""); c.MetricsAddr != "" {
		if err := checkAddr(c.MetricsAddr); err != nil {
			bad("GRIDPAY_METRICS_ADDR", c.MetricsAddr, "host:port of an internal listener, e.g. 127.0.0.1:9090")
		} else if c.MetricsAddr == c.Addr {
			bad("GRIDPAY_METRICS_ADDR", c.MetricsAddr, "an address other than GRIDPAY_ADDR's")
		}
	}
	if c.DebugAddr = get("GRIDPAY_DEBUG_ADDR", ""); c.DebugAddr != "" {
		if err := checkInternalAddr(c.DebugAddr); err != nil {
			bad("GRIDPAY_DEBUG_ADDR", c.DebugAddr, "host:port on a loopback or private address, e.g. 127.0.0.1:6060 ("+err.Error()+")")
		} else if c.DebugAddr == c.Addr || c.DebugAddr == c.MetricsAddr {
			bad("GRIDPAY_DEBUG_ADDR", c.DebugAddr, "an address other than GRIDPAY_ADDR's and GRIDPAY_METRICS_ADDR's")
		}
	}
	if v := get("GRIDPAY_TRUSTED_PROXIES", ""); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
				bad("GRIDPAY_TRUSTED_PROXIES", p, "comma-separated CIDRs or IP addresses of the proxies in front, e.g. 10.0.0.0/8,192.168.1.10")
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if err := checkAddr(c.Addr); err != nil {
		bad("GRIDPAY_ADDR", c.Addr, "host:port with a port from 1 to 65535, e.g. :8080 or 127.0.0.1:8080")
	}
	if c.PublicURL == "" {
		c.PublicURL = publicURL(c.Addr)
	} else if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("GRIDPAY_PUBLIC_URL", c.PublicURL, "an absolute http:// or https:// URL, e.g. https://pay.example.cn")
	}
	for _, v := range [][2]string{{"GRIDPAY_CORE_DB", c.CoreDB}, {"GRIDPAY_PORTAL_DB", c.PortalDB}} {
		if !strings.HasPrefix(v[1], "sqlite:") && !strings.HasPrefix(v[1], "sqlserver://") {
			badSecret(v[0], "sqlite:<path> or sqlserver://user:password@host:1433?database=name")
		}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			badSecret("GRIDPAY_REDIS_URL", "redis://[user:password@]host:port[/db] or rediss://...")
		}
	}
	if c.Bureau != "" {
		if err := checkBureau(c.Bureau); err != nil {
			bad("GRIDPAY_BUREAU", c.Bureau, err.Error())
		}
	} else if c.Env != Production {
		c.Bureau = DefaultDevBureau
	}
	level := get("GRIDPAY_LOG_LEVEL", "info")
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		bad("GRIDPAY_LOG_LEVEL", level, "debug, info, warn or error")
	}
	tz := get("GRIDPAY_TIMEZONE", DefaultTimezone)
	loc, err := time.LoadLocation(tz)
	if err != nil {
		bad("GRIDPAY_TIMEZONE", tz, "an IANA time zone name, e.g. Asia/Shanghai")
	}
	c.Location = loc
	timeout := get("GRIDPAY_SHUTDOWN_TIMEOUT", DefaultShutdownTimeout.String())
	if d, err := time.ParseDuration(timeout); err != nil || d <= 0 {
		bad("GRIDPAY_SHUTDOWN_TIMEOUT", timeout, "a positive Go duration, e.g. 15s")
	} else {
		c.ShutdownTimeout = d
	}

	workers := get("GRIDPAY_WORKER_CONCURRENCY", strconv.Itoa(DefaultWorkerConcurrency))
	if n, err := strconv.Atoi(workers); err != nil || n < 1 || n > 64 {
		bad("GRIDPAY_WORKER_CONCURRENCY", workers, "a whole number from 1 to 64")
	} else {
		c.WorkerConcurrency = n
	}

	bankSecretSet := false
	if v := get("GRIDPAY_BANK_SECRET", ""); v != "" {
		// The bank's HMAC key is the 32 bytes its 64 hex digits decode to; a wrong one is one problem,
		// not also "empty" in production.
		bankSecretSet = true
		if b, err := hex.DecodeString(v); err != nil || len(b) != 32 {
			badSecret("GRIDPAY_BANK_SECRET", "64 hex digits, the 32-byte key shared with the bank, e.g. from openssl rand -hex 32")
		} else {
			c.BankSecret = b
		}
	} else if c.Env != Production {
		// Dev: a secret nobody knows, so that bank callbacks are refused unless a test signs them.
		c.BankSecret = make([]byte, 32)
		rand.Read(c.BankSecret)
	}

	readFile := func(name string) string {
		path := get(name, "")
		if path == "" {
			return ""
		}
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q cannot be read: %v", name, path, err))
			return ""
		}
		return string(b)
	}
	c.BankStatementDir = get("GRIDPAY_BANK_STATEMENT_DIR", "")
	if c.BankStatementDir != "" {
		if st, err := os.Stat(c.BankStatementDir); err != nil || !st.IsDir() {
			bad("GRIDPAY_BANK_STATEMENT_DIR", c.BankStatementDir, "an existing folder")
		}
	}
	if mch := get("GRIDPAY_WECHAT_MCHID", ""); mch != "" {
		c.WeChat = WeChatConfig{MchID: mch, AppID: get("GRIDPAY_WECHAT_APPID", ""), CertSerial: get("GRIDPAY_WECHAT_CERT_SERIAL", ""),
			APIv3Key: get("GRIDPAY_WECHAT_APIV3_KEY", ""), PrivateKeyPEM: readFile("GRIDPAY_WECHAT_KEY_FILE"),
			PlatformCertPEM: readFile("GRIDPAY_WECHAT_PLATFORM_CERT_FILE"), PublicKeyPEM: readFile("GRIDPAY_WECHAT_PUBLIC_KEY_FILE"),
			PublicKeyID: get("GRIDPAY_WECHAT_PUBLIC_KEY_ID", ""), BaseURL: get("GRIDPAY_WECHAT_BASE_URL", "https://api.mch.weixin.qq.com")}
		for _, v := range [][2]string{{"GRIDPAY_WECHAT_APPID", c.WeChat.AppID}, {"GRIDPAY_WECHAT_CERT_SERIAL", c.WeChat.CertSerial},
			{"GRIDPAY_WECHAT_APIV3_KEY", c.WeChat.APIv3Key}, {"GRIDPAY_WECHAT_KEY_FILE", c.WeChat.PrivateKeyPEM}} {
			if v[1] == "" {
				errs = append(errs, fmt.Errorf("%s is missing: GRIDPAY_WECHAT_MCHID is set, so WeChat Pay needs it too", v[0]))
			}
		}
		if c.WeChat.PlatformCertPEM == "" && c.WeChat.PublicKeyPEM == "" {
			errs = append(errs, errors.New("GRIDPAY_WECHAT_PLATFORM_CERT_FILE or GRIDPAY_WECHAT_PUBLIC_KEY_FILE is needed to verify WeChat Pay"))
		}
	}
	if app := get("GRIDPAY_ALIPAY_APPID", ""); app != "" {
		c.Alipay = AlipayConfig{AppID: app, SellerID: get("GRIDPAY_ALIPAY_SELLER_ID", ""), PrivateKeyPEM: readFile("GRIDPAY_ALIPAY_KEY_FILE"),
			PublicKeyPEM: readFile("GRIDPAY_ALIPAY_PUBLIC_KEY_FILE"), GatewayURL: get("GRIDPAY_ALIPAY_GATEWAY", "https://openapi.alipay.com/gateway.do")}
		for _, v := range [][2]string{{"GRIDPAY_ALIPAY_SELLER_ID", c.Alipay.SellerID}, {"GRIDPAY_ALIPAY_KEY_FILE", c.Alipay.PrivateKeyPEM},
			{"GRIDPAY_ALIPAY_PUBLIC_KEY_FILE", c.Alipay.PublicKeyPEM}} {
			if v[1] == "" {
				errs = append(errs, fmt.Errorf("%s is missing: GRIDPAY_ALIPAY_APPID is set, so Alipay needs it too", v[0]))
			}
		}
	}

	sms, smsErrs := loadSMS(get)
	c.SMS, errs = sms, append(errs, smsErrs...)
	remind, remindErrs := loadRemind(get, c.Location)
	c.Remind, errs = remind, append(errs, remindErrs...)
	disputes, disputeErrs := loadDisputes(get)
	c.Disputes, errs = disputes, append(errs, disputeErrs...)
	oa, oaErrs := loadWeChatOA(get)
	c.WeChatOA, errs = oa, append(errs, oaErrs...)

	if !c.Production() && strings.HasPrefix(c.PublicURL, "https://") {
		// dev serves the payment sandboxes (anyone may "pay" any order) and the dev inbox (sign-in
		// codes): never on a site that looks deployed.
		errs = append(errs, fmt.Errorf("GRIDPAY_PUBLIC_URL=%q is https but GRIDPAY_ENV is dev: set GRIDPAY_ENV=production for a deployed site", c.PublicURL))
	}
	if c.Production() {
		if c.BankSecret == nil && !bankSecretSet {
			errs = append(errs, errors.New("GRIDPAY_BANK_SECRET is empty: production needs the secret shared with the collecting bank"))
		}
		switch c.Bureau {
		case "":
			errs = append(errs, errors.New("GRIDPAY_BUREAU is empty: production needs the power supply company's name, e.g. 青山县供电公司 (it signs every message)"))
		case DefaultDevBureau:
			errs = append(errs, fmt.Errorf("GRIDPAY_BUREAU=%q is the demo county's bureau: production needs its own name", c.Bureau))
		}
		if c.RedisURL == "" {
			errs = append(errs, errors.New("GRIDPAY_REDIS_URL is empty: production needs a real Redis (the embedded one keeps nothing)"))
		}
		if strings.HasPrefix(c.PublicURL, "http://") {
			errs = append(errs, fmt.Errorf("GRIDPAY_PUBLIC_URL=%q: production is served over https only", c.PublicURL))
		}
		if c.SMS.Provider == "" && len(smsErrs) == 0 {
			errs = append(errs, errNoSMS)
		}
		if u, err := url.Parse(c.WeChatOA.BaseURL); c.WeChatOA.BaseURL != "" && err == nil && u.Scheme == "http" {
			// The secret and the access tokens travel to it.
			errs = append(errs, fmt.Errorf("GRIDPAY_WECHAT_OA_BASE_URL=%q: production reaches the official account over https only", c.WeChatOA.BaseURL))
		}
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// maxBureau bounds the bureau's name: it signs SMS messages, whose signatures are short.
const maxBureau = 32

// checkBureau says what is wrong with a bureau name, which signs messages as 【name】.
func checkBureau(name string) error {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxBureau {
		return fmt.Errorf("the company's name in at most %d characters, e.g. 青山县供电公司", maxBureau)
	}
	for _, r := range name {
		if unicode.IsControl(r) || strings.ContainsRune("【】[]", r) {
			return errors.New("the company's name without brackets or control characters, e.g. 青山县供电公司")
		}
	}
	return nil
}

func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}

// checkInternalAddr accepts host:port whose host is a loopback or private IP address or localhost:
// a listener that must never face the internet (the profiler shows the process's memory and code).
func checkInternalAddr(addr string) error {
	if err := checkAddr(addr); err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(addr)
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !(ip.IsLoopback() || ip.IsPrivate()) {
		return fmt.Errorf("%q is not a loopback or private address", host)
	}
	return nil
}

// publicURL derives a browsable URL from a listen address: ":8080" -> "http://localhost:8080".
func publicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost" + DefaultAddr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
