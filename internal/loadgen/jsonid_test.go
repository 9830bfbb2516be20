package loadgen

import (
	"encoding/json"
	"os"
	"testing"
)

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

func TestEventFields(t *testing.T) {
	tests := []struct {
		json            string
		id, typ, object string
		fails           bool
	}{
		{json: `{"api_version":"2025-01-27","data":{"object":{"amount":1,"id":"pi_1","charges":{"id":"no"}}},"id":"evt_1","type":"payment_intent.created"}`,
			id: "evt_1", typ: "payment_intent.created", object: "pi_1"},
		// Order does not matter; nested ids elsewhere are not the object's.
		{json: `{"type":"t","request":{"id":"req_1"},"id":"evt_2","data":{"previous":{"id":"x"},"object":{"next_action":{"id":"na"},"id":"ch_1"}}}`,
			id: "evt_2", typ: "t", object: "ch_1"},
		{json: `{"id":"evt_\u0033","type":"a\"b","data":{"object":{"id":"pi_\u00e9"}}}`, id: "evt_3", typ: `a"b`, object: "pi_é"},
		// Missing members stay empty.
		{json: `{"id":"evt_4","data":{"object":null}}`, id: "evt_4"},
		{json: `{"id":"evt_5","data":[{"object":{"id":"pi_1"}}]}`, id: "evt_5"},
		{json: `{"id":"evt_6","data":{"object":{"id":7}},"type":"t"}`, fails: true},
		// Cut short before every field was read (after the last one, the
		// rest is not read: the signature has vouched for the body).
		{json: `{"id":"evt_7","type":"t","data":{"object":{"amount":1`, fails: true},
		{json: `"evt"`, fails: true},
	}
	for _, tc := range tests {
		id, typ, object, err := eventFields([]byte(tc.json))
		if (err != nil) != tc.fails {
			t.Errorf("%s: error %v, want failure %v", tc.json, err, tc.fails)
			continue
		}
		if !tc.fails && (id != tc.id || typ != tc.typ || object != tc.object) {
			t.Errorf("%s: got %q %q %q, want %q %q %q", tc.json, id, typ, object, tc.id, tc.typ, tc.object)
		}
	}
}

// BenchmarkEventFields reads the receiver's fields out of a delivered
// event, against decoding it with encoding/json as the receiver once did.
func BenchmarkEventFields(b *testing.B) {
	body, err := os.ReadFile("../api/testdata/event_charge_succeeded.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fields", func(b *testing.B) {
		for b.Loop() {
			if _, _, id, err := eventFields(body); err != nil || id == "" {
				b.Fatal(id, err)
			}
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		for b.Loop() {
			var ev struct {
				ID, Type string
				Data     struct{ Object struct{ ID string } }
			}
			if err := json.Unmarshal(body, &ev); err != nil || ev.Data.Object.ID == "" {
				b.Fatal(ev, err)
			}
		}
	})
}
