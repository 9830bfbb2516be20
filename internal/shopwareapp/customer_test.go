package shopwareapp

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// customer is a shopper's browser on the sandbox pages: it follows no
// redirects by itself, so the test sees where each step sends it.
type customer struct {
	t      *testing.T
	client *http.Client
}

func newCustomer(t *testing.T) *customer {
	return &customer{t: t, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	location string
	body     string
	url      string
}

func (c *customer) do(req *http.Request) page {
	c.t.Helper()
	res, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b), url: req.URL.String()}
}

func (c *customer) get(u string) page {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return c.do(req)
}

var (
	formRE  = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	inputRE = regexp.MustCompile(`<input\b[^>]*>`)
	attrRE  = regexp.MustCompile(`([a-zA-Z-]+)="([^"]*)"`)
)

func tagAttrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return out
}

// submit posts the form whose action ends in suffix with its hidden fields
// and what the customer entered, as a browser does.
func (c *customer) submit(p page, suffix string, entered url.Values) page {
	c.t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(p.body, -1) {
		a := tagAttrs(m[1])
		if !strings.HasSuffix(a["action"], suffix) {
			continue
		}
		values := url.Values{}
		for _, in := range inputRE.FindAllString(m[2], -1) {
			ia := tagAttrs(in)
			if ia["type"] == "hidden" {
				values.Add(ia["name"], ia["value"])
			}
		}
		for k, v := range entered {
			values[k] = v
		}
		base, _ := url.Parse(p.url)
		action, _ := base.Parse(a["action"])
		req, _ := http.NewRequest(http.MethodPost, action.String(), strings.NewReader(values.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return c.do(req)
	}
	c.t.Fatalf("no form posting to …%s on %s (status %d):\n%s", suffix, p.url, p.status, p.body)
	return page{}
}

// follow GETs where a 303 points.
func (c *customer) follow(p page) page {
	c.t.Helper()
	if p.status != http.StatusSeeOther {
		c.t.Fatalf("status %d, want 303:\n%s", p.status, p.body)
	}
	base, _ := url.Parse(p.url)
	next, _ := base.Parse(p.location)
	return c.get(next.String())
}
