package params

import (
	"strings"
	"testing"
)

func TestFromJSON(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // Canonical
	}{
		{"empty object", `{}`, `{}`},
		{"string", `{"a":"x"}`, `{"a":"x"}`},
		{"null is unset", `{"a":null}`, `{"a":""}`},
		{"booleans", `{"t":true,"f":false}`, `{"f":"false","t":"true"}`},
		{"numbers keep their text", `{"i":2000,"f":20.50,"e":1E3,"n":-0}`, `{"e":"1E3","f":"20.50","i":"2000","n":"-0"}`},
		{"nested", `{"a":{"b":{"c":"1"}}}`, `{"a":{"b":{"c":"1"}}}`},
		{"arrays", `{"a":["x",1,null,{"b":true},[]]}`, `{"a":["x","1","",{"b":"true"},[]]}`},
		{"numeric object keys stay an object", `{"m":{"0":"x"}}`, `{"m":{"0":"x"}}`},
		{"duplicate key: last wins", `{"a":"1","a":"2"}`, `{"a":"2"}`},
		{"whitespace", " \n{ \"a\" : \"x\" }\n ", `{"a":"x"}`},
		{"unicode", `{"a":"\u00e9\ud83d\ude00"}`, `{"a":"é😀"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(mustJSON(t, tt.body).Canonical()); got != tt.want {
				t.Errorf("Canonical() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFromJSONErrors(t *testing.T) {
	deep := strings.Repeat(`{"a":`, maxDepth+1) + `"x"` + strings.Repeat(`}`, maxDepth+1)
	tests := []struct {
		name  string
		body  string
		param string
		msg   string
	}{
		{"empty", ``, "", "the body is empty"},
		{"array", `["a"]`, "", "must be a JSON object"},
		{"string", `"a"`, "", "must be a JSON object"},
		{"null", `null`, "", "must be a JSON object"},
		{"syntax", `{"a":}`, "", "Invalid JSON body: invalid character '}' looking for beginning of value (at byte 6)."},
		{"truncated", `{"a":"x"`, "", "Invalid JSON body: unexpected EOF."},
		{"trailing object", `{} {}`, "", "unexpected data after the top-level JSON object"},
		{"trailing garbage", `{"a":1}x`, "", "unexpected data after the top-level JSON object"},
		{"bracket key", `{"a":{"b[c]":"x"}}`, "a", `key "b[c]" is not allowed`},
		{"empty key", `{"":"x"}`, "", `key "" is not allowed`},
		{"too deep", deep, "a" + strings.Repeat("[a]", maxDepth), "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FromJSON([]byte(tt.body))
			if p != nil {
				t.Errorf("FromJSON returned params %s alongside an error", p.Canonical())
			}
			checkError(t, err, tt.param, "", tt.msg)
		})
	}
}
