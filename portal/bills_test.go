package portal_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestBillPages(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	status, body := getPage(t, c, s.url+"/accounts/3100000001/bills")
	if status != 200 || !strings.Contains(body, "2026年10月") || !strings.Contains(body, "1 / 2") {
		t.Fatalf("bills page = %d:\n%s", status, body)
	}
	m := regexp.MustCompile(`href="/accounts/3100000001/bills/(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no link to a bill")
	}
	status, body = getPage(t, c, s.url+"/accounts/3100000001/bills/"+m[1])
	for _, want := range []string{"您本月用电", "第一档电量", "居民生活阶梯电价", `class="num"`} {
		if !strings.Contains(body, want) {
			t.Errorf("bill page (%d) lacks %q", status, want)
		}
	}
	if status, _ := getPage(t, c, s.url+"/accounts/3100000001/bills?page=2"); status != 200 {
		t.Errorf("second page = %d", status)
	}
	for path, want := range map[string]int{
		"/accounts/3100000002/bills":            http.StatusNotFound, // another customer's
		"/accounts/3100000001/bills/999999":     http.StatusNotFound,
		"/accounts/3100000001/bills/x":          http.StatusBadRequest,
		"/accounts/31000000/bills":              http.StatusBadRequest,
		"/accounts/3100000001/bills?page=-1":    http.StatusBadRequest,
		"/accounts/3100000001/bills?page=99999": http.StatusBadRequest,
	} {
		if status, body := getPage(t, c, s.url+path); status != want || !strings.Contains(body, `role="alert"`) {
			t.Errorf("GET %s = %d, want %d with a message", path, status, want)
		}
	}
	anon := client(t)
	anon.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := anon.Get(s.url + "/accounts/3100000001/bills")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("anonymous bills page = %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLanguageAndLargeTextSwitches(t *testing.T) {
	s := newSite(t, true)
	c := client(t)
	req, _ := http.NewRequest(http.MethodGet, s.url+"/lang/en", nil)
	req.Header.Set("Referer", s.url+"/login?x=1")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/login" {
		t.Errorf("after /lang/en the browser is at %s, want back at /login", resp.Request.URL)
	}
	_, body := getPage(t, c, s.url+"/")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Sign in") || !strings.Contains(body, `href="/lang/zh-CN"`) {
		t.Errorf("home after choosing English:\n%s", body)
	}
	getPage(t, c, s.url+"/care/on")
	if _, body := getPage(t, c, s.url+"/"); !strings.Contains(body, `<body class="care">`) {
		t.Error("large text mode is not on after /care/on")
	}
	getPage(t, c, s.url+"/care/off")
	if _, body := getPage(t, c, s.url+"/"); strings.Contains(body, `class="care"`) {
		t.Error("large text mode still on after /care/off")
	}
	// A referer on another site is not followed.
	req, _ = http.NewRequest(http.MethodGet, s.url+"/lang/zh-CN", nil)
	req.Header.Set("Referer", "https://evil.example/phish")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Host != strings.TrimPrefix(s.url, "http://") || resp.Request.URL.Path != "/" {
		t.Errorf("a foreign referer sent the browser to %s", resp.Request.URL)
	}
}
