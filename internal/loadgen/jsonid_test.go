package loadgen

import "testing"

func TestTopLevelString(t *testing.T) {
	tests := []struct {
		json, want string
		fails      bool
	}{
		{json: `{"id":"pi_1","status":"x"}`, want: "pi_1"},
		{json: `{"amount":1,"charges":{"data":[{"id":"ch_1"}]},"id":"pi_2"}`, want: "pi_2"},
		{json: ` { "a" : [1, {"id": "nested"}], "id" : "pi_\u0033" } `, want: "pi_3"},
		{json: `{"object":"list","data":[{"id":"pi_1"}]}`, want: ""},
		{json: `{}`, want: ""},
		{json: `{"id":7}`, fails: true},
		{json: `[{"id":"pi_1"}]`, fails: true},
		{json: `{"amount":}`, fails: true},
		{json: ``, fails: true},
	}
	for _, tc := range tests {
		got, err := topLevelString([]byte(tc.json), "id")
		if (err != nil) != tc.fails || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q (fails: %v)", tc.json, got, err, tc.want, tc.fails)
		}
	}
}
