package params

import (
	"net/url"
	"strings"
	"testing"
)

func TestFromForm(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string // Canonical
	}{
		{"empty", "", `{}`},
		{"leaf", "a=1", `{"a":"1"}`},
		{"empty value", "a=", `{"a":""}`},
		{"nested", "a[b]=1", `{"a":{"b":"1"}}`},
		{"deeply nested", "a[b][c]=1&a[b][d]=2", `{"a":{"b":{"c":"1","d":"2"}}}`},
		{"array", "a[0]=x&a[1]=y", `{"a":["x","y"]}`},
		{"unordered indices", "a[1]=y&a[0]=x", `{"a":["x","y"]}`},
		{"numeric not lexical order", "a[10]=k&a[9]=j&a[2]=c&a[0]=a&a[1]=b&a[3]=d&a[4]=e&a[5]=f&a[6]=g&a[7]=h&a[8]=i",
			`{"a":["a","b","c","d","e","f","g","h","i","j","k"]}`},
		{"gaps keep their indices", "a[9]=y&a[5]=x", `{"a":[5:"x",9:"y"]}`},
		{"huge index", "a[99999999999999999999999]=y&a[1]=x", `{"a":[1:"x",99999999999999999999999:"y"]}`},
		{"append", "a[]=x&a[]=y", `{"a":["x","y"]}`},
		{"append nested", "a[b][]=x", `{"a":{"b":["x"]}}`},
		{"array of objects", "line_items[0][price_data][currency]=eur&line_items[0][quantity]=1&line_items[1][price]=p",
			`{"line_items":[{"price_data":{"currency":"eur"},"quantity":"1"},{"price":"p"}]}`},
		{"array of arrays", "a[0][0]=x&a[0][1]=y&a[1][0]=z", `{"a":[["x","y"],["z"]]}`},
		{"duplicate leaf: last wins", "a=1&a=2", `{"a":"2"}`},
		{"duplicate nested leaf: last wins", "a[b]=1&a[b]=2", `{"a":{"b":"2"}}`},
		{"numeric root keys stay an object", "0=x&1=y", `{"0":"x","1":"y"}`},
		{"numeric metadata keys", "metadata[123]=x", `{"metadata":[123:"x"]}`},
		{"escaped brackets", "a%5Bb%5D=1", `{"a":{"b":"1"}}`},
		{"odd bytes are kept", "a=%FF%22", `{"a":"\xff\""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustForm(t, tt.raw)
			if got := string(p.Canonical()); got != tt.want {
				t.Errorf("Canonical() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFromFormErrors(t *testing.T) {
	deep := "a" + strings.Repeat("[a]", maxDepth) + "=1"
	tests := []struct {
		name  string
		raw   string
		param string
		msg   string
	}{
		{"leaf then object", "a=1&a[b]=2", "a", "Conflicting parameters: a is given in incompatible forms"},
		{"nested leaf then object", "x[a]=1&x[a][b]=2", "x[a]", "Conflicting parameters"},
		{"leaf then array", "a=1&a[0]=2", "a", "Conflicting parameters"},
		{"leaf then append", "a=1&a[]=2", "a", "Conflicting parameters"},
		{"append then object", "a[]=1&a[b]=2", "a", "Conflicting parameters"},
		{"append mixed with index", "a[]=x&a[0]=y", "a", "Conflicting parameters"},
		{"array element both leaf and object", "a[0]=x&a[0][b]=y", "a[0]", "Conflicting parameters"},
		{"mixed numeric and named keys", "a[0]=x&a[b]=y", "a", "Conflicting parameters"},
		{"mixed keys deeper", "a[x][0]=1&a[x][y]=2", "a[x]", "Conflicting parameters"},
		{"unclosed bracket", "a[b=1", "a[b", `"[" is never closed`},
		{"stray closing bracket", "a]=1", "a]", `"]" without a matching "["`},
		{"no name", "[x]=1", "[x]", "must start with a name"},
		{"text after bracket", "a[b]c=1", "a[b]c", `unexpected text after "]"`},
		{"nested brackets", "a[b[c]]=1", "a[b[c]]", "cannot be nested"},
		{"empty brackets mid-key", "a[][b]=1", "a[][b]", `"[]" is only allowed at the end`},
		{"empty name", "=1", "", "empty name"},
		{"too deep", deep, deep[:len(deep)-2], "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values, err := url.ParseQuery(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			p, err := FromForm(values)
			if p != nil {
				t.Errorf("FromForm returned params %s alongside an error", p.Canonical())
			}
			checkError(t, err, tt.param, "", tt.msg)
		})
	}
}

func TestFromFormDepthLimit(t *testing.T) {
	ok := "a" + strings.Repeat("[a]", maxDepth-1) + "=1"
	if _, err := FromForm(url.Values{ok[:len(ok)-2]: {"1"}}); err != nil {
		t.Errorf("%d segments rejected: %v", maxDepth, err)
	}
}

func TestFromFormIgnoresKeysWithoutValues(t *testing.T) {
	p, err := FromForm(url.Values{"a": {}, "b": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(p.Canonical()), `{"b":"1"}`; got != want {
		t.Errorf("Canonical() = %s, want %s", got, want)
	}
}
