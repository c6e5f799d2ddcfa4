package portal_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"gridpay/internal/store"
)

// formPart is one part of a multipart/form-data body: a field, or a file.
type formPart struct {
	name, filename, contentType string
	file                        bool
	body                        []byte
}

func field(name, value string) formPart { return formPart{name: name, body: []byte(value)} }

func photoPart(filename, contentType string, b []byte) formPart {
	return formPart{name: "photo", filename: filename, contentType: contentType, file: true, body: b}
}

// postMultipart sends parts, in order, as a browser sends a form with enctype multipart/form-data.
func postMultipart(t *testing.T, c *http.Client, url string, parts []formPart, headers ...string) reply {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.file {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, p.name, p.filename))
			h.Set("Content-Type", p.contentType)
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"`, p.name))
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.body)
	}
	w.Close()
	return postBody(t, c, url, w.FormDataContentType(), &buf, headers...)
}

// testImage is a small picture with some detail, so the encoders have something to encode.
func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 5), 120, 255})
		}
	}
	return img
}

func pngPhoto(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(64, 48)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegPhoto(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(64, 48), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gifPhoto(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, testImage(64, 48), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withEXIFLocation inserts into a JPEG, after its SOI marker, an APP1 Exif segment that carries a
// GPS position, as phone cameras write one.
func withEXIFLocation(jpg []byte) []byte {
	payload := append([]byte("Exif\x00\x00MM\x00*"), []byte("GPSLatitude 28.6820N GPSLongitude 115.8579E")...)
	seg := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// bombPNG is a 45-byte PNG whose header claims w x h pixels: decoding it would take w*h*4 bytes.
func bombPNG(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
	return append(b, "IDAT"...)
}

// imageSize decodes b and returns its format and size.
func imageSize(b []byte) (string, image.Point, error) {
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return "", image.Point{}, err
	}
	return format, img.Bounds().Size(), nil
}

// noisyPNG is a real photo-sized PNG: random pixels do not compress, so w x h x 4 bytes or so.
func noisyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// disputeFields are the fields of a valid dispute, in the order the form sends them.
func disputeFields(category, text string) []formPart {
	return []formPart{field("category", category), field("text", text)}
}

// countDisputes counts the disputes the API lists for c's customer.
func countDisputes(t *testing.T, c *http.Client, s *site) int {
	t.Helper()
	status, body, raw := getJSON(t, c, s.url+"/api/v1/disputes")
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/disputes = %d %s", status, raw)
	}
	list, _ := body["disputes"].([]any)
	return len(list)
}

// firstBillID returns the id of the newest bill of the account, as its owner sees it.
func firstBillID(t *testing.T, c *http.Client, s *site, accountNo string) int64 {
	t.Helper()
	_, body, raw := getJSON(t, c, s.url+"/api/v1/accounts/"+accountNo+"/bills?per_page=1")
	bills, _ := body["bills"].([]any)
	if len(bills) == 0 {
		t.Fatalf("no bills for %s: %s", accountNo, raw)
	}
	return int64(bills[0].(map[string]any)["id"].(float64))
}

func TestFileDisputeWithPhotoThroughAPI(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	bill := firstBillID(t, c, s, "3100000001")
	filed := 0
	for _, tc := range []struct {
		name, filename, declared, want string
		photo                          []byte
		overEngineLimit                bool // over the engine's default 1 MB body limit
	}{
		{"PNG", "meter.png", "image/png", "image/png", pngPhoto(t), false},
		{"JPEG", "IMG_0001.JPG", "image/jpeg", "image/jpeg", jpegPhoto(t), false},
		// The bytes decide, never the name or the declared type.
		{"PNG named as text", "meter.txt", "text/plain", "image/png", pngPhoto(t), false},
		// About 2 MB, as photos from phones are.
		{"a photo-sized PNG", "big.png", "image/png", "image/png", noisyPNG(t, 700, 700), true},
		// What rides along with a valid picture is not kept: a script appended to it, the camera's
		// record of where the photo was taken.
		{"PNG with a script appended", "meter.png", "image/png", "image/png",
			append(pngPhoto(t), "<script>alert(document.cookie)</script>"...), false},
		{"JPEG with its location in EXIF", "IMG_0002.JPG", "image/jpeg", "image/jpeg", withEXIFLocation(jpegPhoto(t)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := append(disputeFields("reading_amount", "十月电量比往年多一倍，请核实。"),
				field("bill_id", fmt.Sprint(bill)), photoPart(tc.filename, tc.declared, tc.photo))
			r := postMultipart(t, c, s.url+"/api/v1/accounts/3100000001/disputes", parts, "Origin", s.url)
			if r.status != http.StatusCreated {
				t.Fatalf("POST disputes with a %d-byte photo = %d %s", len(tc.photo), r.status, r.raw)
			}
			id := int64(r.body["id"].(float64))
			for k, want := range map[string]any{"status": "open", "status_label": "已提交，待受理", "category": "reading_amount",
				"category_label": "电量电费异议", "account_no": "3100000001", "bill_id": float64(bill), "bill_period": "2026-10",
				"photo_url": fmt.Sprintf("/disputes/%d/photo", id), "created_at": "2026-11-26T16:00:00+08:00"} {
				if r.body[k] != want {
					t.Errorf("%s = %v, want %v", k, r.body[k], want)
				}
			}
			if loc := r.header.Get("Location"); loc != fmt.Sprintf("/api/v1/disputes/%d", id) {
				t.Errorf("Location = %q", loc)
			}

			status, body, raw := getJSON(t, c, fmt.Sprintf("%s/api/v1/disputes/%d", s.url, id))
			msgs, _ := body["messages"].([]any)
			if status != 200 || len(msgs) != 1 || msgs[0].(map[string]any)["text"] != "十月电量比往年多一倍，请核实。" ||
				msgs[0].(map[string]any)["author"] != "customer" {
				t.Errorf("GET the dispute = %d %s", status, raw)
			}

			// The photo is kept as a picture made again from its pixels: the same size, nothing else.
			status, h, b := getRaw(t, c, fmt.Sprintf("%s/disputes/%d/photo", s.url, id))
			_, sent, _ := imageSize(tc.photo)
			_, kept, err := imageSize(b)
			if status != 200 || h.Get("Content-Type") != tc.want || err != nil || kept != sent {
				t.Errorf("GET the photo = %d %s, %d bytes, %v (%v); want %s of %v", status, h.Get("Content-Type"), len(b), kept, err, tc.want, sent)
			}
			for _, payload := range []string{"<script>", "Exif", "GPS"} {
				if bytes.Contains(b, []byte(payload)) {
					t.Errorf("the kept photo still holds %q", payload)
				}
			}
			if h.Get("Content-Disposition") != "inline" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("photo headers: Content-Disposition %q, X-Content-Type-Options %q", h.Get("Content-Disposition"), h.Get("X-Content-Type-Options"))
			}
			filed++
		})
	}
	if n := countDisputes(t, c, s); n != filed {
		t.Errorf("the list has %d disputes, want the %d filed", n, filed)
	}
	// Without a bill or a photo; the list shows it first.
	r := postMultipart(t, c, s.url+"/api/v1/accounts/3100000001/disputes", disputeFields("late_fee_waiver", "住院期间未能缴费"), "Origin", s.url)
	if r.status != http.StatusCreated || r.body["photo_url"] != nil || r.body["bill_id"] != nil {
		t.Fatalf("POST without bill or photo = %d %s", r.status, r.raw)
	}
	_, body, _ := getJSON(t, c, s.url+"/api/v1/disputes")
	if first := body["disputes"].([]any)[0].(map[string]any); first["id"] != r.body["id"] || first["category"] != "late_fee_waiver" {
		t.Errorf("the newest dispute is not listed first: %v", first)
	}
	// Staff of the account's supply station see it: the dispute keeps the station it was filed under.
	acc, err := s.core.AccountByNumber(t.Context(), "3100000001")
	if err != nil || acc.StationID <= 0 {
		t.Fatalf("AccountByNumber = %+v, %v; want a station", acc, err)
	}
	staffView, err := s.portal.StaffDispute(t.Context(), int64(r.body["id"].(float64)))
	if err != nil || staffView.StationID != acc.StationID {
		t.Errorf("the dispute's station = %d, %v; want the account's, %d", staffView.StationID, err, acc.StationID)
	}
}

func TestFileDisputeRefusesBadInput(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	const url = "/api/v1/accounts/3100000001/disputes"
	fakeJPEG := append([]byte{0xff, 0xd8, 0xff, 0xe0}, []byte("not a JPEG after all")...)
	tooBig := append(pngPhoto(t), make([]byte, store.MaxDisputePhoto+1)...)[:store.MaxDisputePhoto+1]
	valid := func(extra ...formPart) []formPart {
		return append(disputeFields("faulty_meter", "电表不走字"), extra...)
	}
	for _, tc := range []struct {
		name   string
		parts  []formPart
		status int
		field  string
		msg    string // a part of the message
	}{
		{"GIF", valid(photoPart("meter.gif", "image/gif", gifPhoto(t))), 400, "photo", "JPG或PNG"},
		{"text renamed photo.jpg", valid(photoPart("photo.jpg", "image/jpeg", []byte("我是一个文本文件，不是照片。\n"))), 400, "photo", "JPG或PNG"},
		{"JPEG magic, then garbage", valid(photoPart("photo.jpg", "image/jpeg", fakeJPEG)), 400, "photo", "JPG或PNG"},
		{"HTML renamed photo.png", valid(photoPart("photo.png", "image/png", []byte("<html><script>alert(1)</script>"))), 400, "photo", "JPG或PNG"},
		{"photo of 5 MB and a byte", valid(photoPart("big.png", "image/png", tooBig)), 413, "photo", "5MB"},
		{"45 bytes claiming 10000 x 10000 pixels", valid(photoPart("bomb.png", "image/png", bombPNG(10000, 10000))), 400, "photo", "像素"},
		{"a PNG cut short", valid(photoPart("cut.png", "image/png", pngPhoto(t)[:60])), 400, "photo", "JPG或PNG"},
		{"unknown category", disputeFields("refund_everything", "电表不走字"), 400, "category", "异议类型"},
		{"no category", []formPart{field("text", "电表不走字")}, 400, "category", "异议类型"},
		{"empty text", disputeFields("faulty_meter", ""), 400, "text", "情况说明"},
		{"blank text", disputeFields("faulty_meter", " \r\n\t　"), 400, "text", "情况说明"},
		{"text of 1001 characters", disputeFields("faulty_meter", strings.Repeat("电", 1001)), 400, "text", "1000"},
		{"501 characters outside the BMP", disputeFields("faulty_meter", strings.Repeat("𠮷", 501)), 400, "text", "1000"},
		{"text of 20 KB", disputeFields("faulty_meter", strings.Repeat("a", 20<<10)), 400, "text", "1000"},
		{"invalid UTF-8", disputeFields("faulty_meter", "电表\xff\xfe不走"), 400, "text", "无法识别"},
		{"NUL in the text", disputeFields("faulty_meter", "电表\x00不走"), 400, "text", "无法识别"},
		{"bill id not a number", valid(field("bill_id", "12abc")), 400, "bill_id", "账单"},
		{"negative bill id", valid(field("bill_id", "-5")), 400, "bill_id", "账单"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postMultipart(t, c, s.url+url, tc.parts, "Origin", s.url)
			e, _ := r.body["error"].(map[string]any)
			if r.status != tc.status || e["field"] != tc.field || !strings.Contains(r.errorMessage(), tc.msg) {
				t.Errorf("POST = %d %s; want %d about %s saying %q", r.status, r.raw, tc.status, tc.field, tc.msg)
			}
		})
	}
	t.Run("in English", func(t *testing.T) {
		r := postMultipart(t, c, s.url+url, valid(photoPart("meter.gif", "image/gif", gifPhoto(t))), "Origin", s.url, "Accept-Language", "en")
		if r.status != 400 || !strings.Contains(r.errorMessage(), "JPEG or PNG") {
			t.Errorf("POST a GIF in English = %d %s", r.status, r.raw)
		}
	})
	t.Run("not multipart", func(t *testing.T) {
		r := post(t, c, s.url+url, `{"category":"faulty_meter","text":"电表不走字"}`, "Origin", s.url)
		if r.status != 400 || r.errorMessage() == "" {
			t.Errorf("POST JSON = %d %s, want 400 with a message", r.status, r.raw)
		}
	})
	if n := countDisputes(t, c, s); n != 0 {
		t.Errorf("refused input filed %d disputes", n)
	}
	// The limits hold at their edges: exactly 1000 characters is fine.
	r := postMultipart(t, c, s.url+url, disputeFields("faulty_meter", strings.Repeat("电", 1000)), "Origin", s.url)
	if r.status != http.StatusCreated {
		t.Errorf("text of exactly 1000 characters = %d %s", r.status, r.raw)
	}
}

// TestDisputeTextIsShownInert files HTML as the text: the API gives it back as it was typed, and
// the pages show it as text.
func TestDisputeTextIsShownInert(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	const hostile = `<script>alert(1)</script><img src=x onerror="alert(2)"> & 电表`
	r := postMultipart(t, c, s.url+"/api/v1/accounts/3100000001/disputes", disputeFields("paid_twice", hostile), "Origin", s.url)
	if r.status != http.StatusCreated || r.body["text"] != hostile {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	if strings.Contains(r.raw, "<script>") {
		t.Errorf("the JSON carries raw markup: %s", r.raw)
	}
	id := int64(r.body["id"].(float64))
	for _, path := range []string{fmt.Sprintf("/disputes/%d", id), "/disputes"} {
		status, body := getPage(t, c, s.url+path)
		if status != 200 || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("GET %s = %d, the text is not shown escaped:\n%s", path, status, body)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("GET %s shows the customer's markup as markup", path)
		}
	}
}

// TestOtherCustomersDisputesAreNotFound has one customer try another's account, bill, dispute and
// photo, through the API and the pages: all are not found, and nothing is filed.
func TestOtherCustomersDisputesAreNotFound(t *testing.T) {
	s := newSite(t, true)
	other := s.signIn(t, "13800138001") // owns 3100000002
	otherBill := firstBillID(t, other, s, "3100000002")
	r := postMultipart(t, other, s.url+"/api/v1/accounts/3100000002/disputes",
		append(disputeFields("not_credited", "城关镇惠民农家乐的缴费没到账"), photoPart("r.png", "image/png", pngPhoto(t))), "Origin", s.url)
	if r.status != http.StatusCreated {
		t.Fatalf("the other customer's dispute = %d %s", r.status, r.raw)
	}
	otherID := int64(r.body["id"].(float64))

	c := s.signIn(t, "13800138000")
	for _, path := range []string{
		fmt.Sprintf("/api/v1/disputes/%d", otherID),
		fmt.Sprintf("/disputes/%d", otherID),
		fmt.Sprintf("/disputes/%d/photo", otherID),
		"/accounts/3100000002/disputes/new",
		fmt.Sprintf("/accounts/3100000001/disputes/new?bill=%d", otherBill),
		"/api/v1/disputes/999999",
		"/disputes/999999",
	} {
		status, _, b := getRaw(t, c, s.url+path)
		if status != http.StatusNotFound || strings.Contains(string(b), "农家乐") || bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("GET %s = %d, want 404 showing nothing", path, status)
		}
	}
	for _, tc := range []struct {
		name, account string
		extra         []formPart
	}{
		{"another customer's account", "3100000002", nil},
		{"another customer's bill on one's own account", "3100000001", []formPart{field("bill_id", fmt.Sprint(otherBill))}},
		{"no such account", "3100009999", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postMultipart(t, c, s.url+"/api/v1/accounts/"+tc.account+"/disputes",
				append(disputeFields("paid_twice", "重复缴费"), tc.extra...), "Origin", s.url)
			if r.status != http.StatusNotFound {
				t.Errorf("API = %d %s, want 404", r.status, r.raw)
			}
			csrf := formToken(t, c, s, "/disputes")
			status, _ := postMultipartPage(t, c, s.url+"/accounts/"+tc.account+"/disputes",
				append([]formPart{field("csrf", csrf)}, append(disputeFields("paid_twice", "重复缴费"), tc.extra...)...))
			if status != http.StatusNotFound {
				t.Errorf("form = %d, want 404", status)
			}
		})
	}
	if n := countDisputes(t, c, s); n != 0 {
		t.Errorf("the customer has %d disputes, want none", n)
	}
	_, _, raw := getJSON(t, c, s.url+"/api/v1/disputes")
	if strings.Contains(raw, "农家乐") {
		t.Errorf("the list shows another customer's dispute: %s", raw)
	}
}

// fileWithForm posts the dispute form and returns the id of the dispute it was sent on to.
func fileWithForm(t *testing.T, c *http.Client, s *site, accountNo string, parts []formPart) int64 {
	t.Helper()
	nc := *c
	r := postMultipart(t, noRedirects(&nc), s.url+"/accounts/"+accountNo+"/disputes", parts)
	var id int64
	if _, err := fmt.Sscanf(r.header.Get("Location"), "/disputes/%d?filed=1", &id); r.status != http.StatusSeeOther || err != nil {
		t.Fatalf("POST the form = %d to %q, want 303 to the dispute:\n%s", r.status, r.header.Get("Location"), r.raw)
	}
	return id
}

// postMultipartPage posts a form as a browser does and returns the status and page, without
// following a redirect.
func postMultipartPage(t *testing.T, c *http.Client, url string, parts []formPart, headers ...string) (int, string) {
	t.Helper()
	nc := *c
	r := postMultipart(t, noRedirects(&nc), url, parts, headers...)
	return r.status, r.raw
}

func TestDisputesNeedSignIn(t *testing.T) {
	s := newSite(t, true)
	anon := noRedirects(client(t))
	for _, path := range []string{"/api/v1/disputes", "/api/v1/disputes/1"} {
		if status, _, raw := getJSON(t, anon, s.url+path); status != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s = %d %s, want 401", path, status, raw)
		}
	}
	r := postMultipart(t, anon, s.url+"/api/v1/accounts/3100000001/disputes", disputeFields("paid_twice", "重复缴费"), "Origin", s.url)
	if r.status != http.StatusUnauthorized {
		t.Errorf("anonymous POST to the API = %d %s, want 401", r.status, r.raw)
	}
	for _, path := range []string{"/disputes", "/disputes/1", "/disputes/1/photo", "/accounts/3100000001/disputes/new"} {
		status, h, _ := getRaw(t, anon, s.url+path)
		if status != http.StatusSeeOther || h.Get("Location") != "/login" {
			t.Errorf("anonymous GET %s = %d to %q, want 303 to /login", path, status, h.Get("Location"))
		}
	}
	r = postMultipart(t, anon, s.url+"/accounts/3100000001/disputes", disputeFields("paid_twice", "重复缴费"))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Errorf("anonymous form = %d to %q, want 303 to /login", r.status, r.header.Get("Location"))
	}
}

func TestDisputeFormsAndAPINeedSameOriginOrToken(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	csrf := formToken(t, c, s, "/accounts/3100000001/disputes/new")
	for _, tc := range []struct {
		name    string
		parts   []formPart
		headers []string
	}{
		{"form without a token", disputeFields("paid_twice", "重复缴费"), nil},
		{"form with a forged token", append([]formPart{field("csrf", "forged")}, disputeFields("paid_twice", "重复缴费")...), nil},
		{"form with the token from another site", append([]formPart{field("csrf", csrf)}, disputeFields("paid_twice", "重复缴费")...),
			[]string{"Origin", "https://evil.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, _ := postMultipartPage(t, c, s.url+"/accounts/3100000001/disputes", tc.parts, tc.headers...); status != http.StatusForbidden {
				t.Errorf("POST = %d, want 403", status)
			}
		})
	}
	for _, tc := range []struct {
		name    string
		headers []string
	}{
		{"API from another site", []string{"Origin", "https://evil.example"}},
		{"API cross-site fetch", []string{"Origin", s.url, "Sec-Fetch-Site", "cross-site"}},
		{"API without Origin or token", nil},
		{"API with a wrong token", []string{"X-CSRF-Token", "forged"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postMultipart(t, c, s.url+"/api/v1/accounts/3100000001/disputes", disputeFields("paid_twice", "重复缴费"), tc.headers...)
			if r.status != http.StatusForbidden {
				t.Errorf("POST = %d %s, want 403", r.status, r.raw)
			}
		})
	}
	if n := countDisputes(t, c, s); n != 0 {
		t.Fatalf("refused requests filed %d disputes", n)
	}
	// The session's token in the header is how a client without Origin files one.
	r := postMultipart(t, c, s.url+"/api/v1/accounts/3100000001/disputes", disputeFields("paid_twice", "重复缴费"), "X-CSRF-Token", csrf)
	if r.status != http.StatusCreated {
		t.Errorf("POST with the session's token = %d %s, want 201", r.status, r.raw)
	}
}

// TestFileDisputeWithTheForm walks the pages as a person without JavaScript would: from a bill to
// the form, the dispute filed with a photo, the staff's answer on the dispute's page.
func TestFileDisputeWithTheForm(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	bill := firstBillID(t, c, s, "3100000001")

	status, body := getPage(t, c, fmt.Sprintf("%s/accounts/3100000001/disputes/new?bill=%d", s.url, bill))
	for _, want := range []string{`enctype="multipart/form-data"`, `action="/accounts/3100000001/disputes"`, `name="category"`,
		`value="reading_amount"`, `>电表故障<`, `<textarea`, `name="text"`, `maxlength="1000"`, `type="file"`, `name="photo"`,
		`accept="image/jpeg,image/png"`, fmt.Sprintf(`name="bill_id" value="%d"`, bill), "2026年10月电费账单", `name="csrf"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if status != 200 || strings.Contains(body, "<script") {
		t.Fatalf("GET the form = %d:\n%s", status, body)
	}
	csrf := csrfRe.FindStringSubmatch(body)[1]
	photo := jpegPhoto(t)
	first := fileWithForm(t, c, s, "3100000001", []formPart{field("csrf", csrf), field("bill_id", fmt.Sprint(bill)),
		field("category", "reading_amount"), field("text", "十月读数 1230，\r\n可我家电表上是 1203。"),
		photoPart("IMG_2041.JPG", "image/jpeg", photo)})
	second := fileWithForm(t, c, s, "3100000001", []formPart{field("csrf", csrf), field("category", "faulty_meter"),
		field("text", "电表不亮了"), photoPart("", "application/octet-stream", nil)}) // no file chosen
	loc := fmt.Sprintf("/disputes/%d?filed=1", second)
	status, body = getPage(t, c, s.url+loc)
	for _, want := range []string{"您的异议已提交", "电表故障", "已提交，待受理", "3100000001", "电表不亮了", "2026-11-26 16:00"} {
		if !strings.Contains(body, want) {
			t.Errorf("the new dispute's page lacks %q", want)
		}
	}
	if status != 200 {
		t.Fatalf("GET %s = %d", loc, status)
	}

	if strings.Contains(body, "/photo") {
		t.Error("a dispute without a photo shows one")
	}
	// The first dispute, with its photo and bill; the staff answer it.
	if _, err := s.portal.AddStaffReply(t.Context(), first, "已安排抄表员于11月28日上门复核。<b>请留人</b>", store.DisputeInReview); err != nil {
		t.Fatal(err)
	}
	status, body = getPage(t, c, fmt.Sprintf("%s/disputes/%d", s.url, first))
	for _, want := range []string{"电量电费异议", "核实中", "2026年10月电费账单", "十月读数 1230，\n可我家电表上是 1203。",
		"已安排抄表员于11月28日上门复核。&lt;b&gt;请留人&lt;/b&gt;", "供电公司", fmt.Sprintf(`<img src="/disputes/%d/photo"`, first)} {
		if !strings.Contains(body, want) {
			t.Errorf("the answered dispute's page lacks %q", want)
		}
	}
	if status != 200 || strings.Contains(body, "您的异议已提交") {
		t.Errorf("GET the answered dispute = %d (the filed notice shows only right after filing)", status)
	}
	if status, h, b := getRaw(t, c, fmt.Sprintf("%s/disputes/%d/photo", s.url, first)); status != 200 ||
		h.Get("Content-Type") != "image/jpeg" {
		t.Errorf("the photo = %d %s", status, h.Get("Content-Type"))
	} else if _, kept, err := imageSize(b); err != nil || kept != (image.Point{X: 64, Y: 48}) {
		t.Errorf("the photo kept is %v (%v), want the 64 x 48 picture sent (%d bytes)", kept, err, len(photo))
	}

	status, body = getPage(t, c, s.url+"/disputes")
	if status != 200 || strings.Index(body, "电表故障") > strings.Index(body, "电量电费异议") || !strings.Contains(body, "核实中") ||
		!strings.Contains(body, `href="/accounts/3100000001/disputes/new"`) {
		t.Errorf("the list = %d, want both disputes, newest first, and the way to file one:\n%s", status, body)
	}
	status, _, body = getJSON(t, c, fmt.Sprintf("%s/disputes/%d", s.url, first), "Accept-Language", "en")
	if status != http.StatusOK {
		t.Errorf("the dispute in English = %d, want 200", status)
	}
	for _, want := range []string{"Reading or amount is wrong", "Being checked", "Bill for Oct 2026", "Power company"} {
		if !strings.Contains(body, want) {
			t.Errorf("the dispute in English lacks %q", want)
		}
	}
}

// TestDisputeFormKeepsWhatWasTyped sends forms that must be corrected: each comes back with a
// message in the customer's language and what they typed.
func TestDisputeFormKeepsWhatWasTyped(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	csrf := formToken(t, c, s, "/accounts/3100000001/disputes/new")
	const typed = `我家的表<走得>很快 & 不准`
	typedHTML := "我家的表&lt;走得&gt;很快 &amp; 不准"
	for _, tc := range []struct {
		name, category, text, lang string
		photo                      []byte
		status                     int
		want                       []string
	}{
		{"a GIF", "faulty_meter", typed, "", gifPhoto(t), 400,
			[]string{"照片只能是JPG或PNG格式", typedHTML, `value="faulty_meter" selected`, "请重新选择"}},
		{"a photo of 5 MB and a byte", "faulty_meter", typed, "", make([]byte, store.MaxDisputePhoto+1), 413,
			[]string{"照片太大了", typedHTML, `value="faulty_meter" selected`}},
		{"no category", "", typed, "", nil, 400, []string{"请选择异议类型", typedHTML}},
		{"empty text", "paid_twice", "", "", nil, 400, []string{"请填写情况说明", `value="paid_twice" selected`}},
		{"too long", "paid_twice", strings.Repeat("长", 1001), "", nil, 400, []string{"不能超过1000字", strings.Repeat("长", 1001)}},
		{"a GIF, in English", "faulty_meter", typed, "en", gifPhoto(t), 400, []string{"The photo must be a JPEG or PNG", typedHTML}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := []formPart{field("csrf", csrf), field("category", tc.category), field("text", tc.text)}
			if tc.photo != nil {
				parts = append(parts, photoPart("photo.jpg", "image/jpeg", tc.photo))
			}
			var headers []string
			if tc.lang != "" {
				headers = []string{"Accept-Language", tc.lang}
			}
			status, body := postMultipartPage(t, c, s.url+"/accounts/3100000001/disputes", parts, headers...)
			if status != tc.status {
				t.Errorf("POST = %d, want %d", status, tc.status)
			}
			for _, want := range tc.want {
				if !strings.Contains(body, want) {
					t.Errorf("the form again lacks %q:\n%s", want, body)
				}
			}
			if !strings.Contains(body, `enctype="multipart/form-data"`) {
				t.Error("the answer is not the form")
			}
		})
	}
	if n := countDisputes(t, c, s); n != 0 {
		t.Errorf("forms to correct filed %d disputes", n)
	}
}

func TestDisputePathsAreChecked(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	for _, path := range []string{"/api/v1/disputes/abc", "/api/v1/disputes/0", "/api/v1/disputes/-1", "/api/v1/disputes/99999999999999999999",
		"/disputes/abc", "/disputes/0/photo", "/accounts/31000000x1/disputes/new", "/accounts/3100000001/disputes/new?bill=abc"} {
		if status, _, _ := getRaw(t, c, s.url+path); status != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", path, status)
		}
	}
	r := postMultipart(t, c, s.url+"/api/v1/accounts/31000000x1/disputes", disputeFields("paid_twice", "重复缴费"), "Origin", s.url)
	if r.status != http.StatusBadRequest {
		t.Errorf("POST to a malformed account number = %d, want 400", r.status)
	}
}
