package shopware

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestObjectTakesPHPsEmptyArray(t *testing.T) {
	tests := []struct {
		in      string
		want    Object
		wantErr bool
	}{
		{`{"o":[]}`, Object{}, false},
		{`{"o":{}}`, Object{}, false},
		{`{"o":null}`, nil, false},
		{`{"o":{"kassaPaymentIntent":"pi_1","n":12.30}}`, Object{"kassaPaymentIntent": "pi_1", "n": json.Number("12.30")}, false},
		{`{"o":[1]}`, nil, true},
		{`{"o":"x"}`, nil, true},
	}
	for _, tt := range tests {
		var v struct{ O Object }
		err := json.Unmarshal([]byte(tt.in), &v)
		if (err != nil) != tt.wantErr || (!tt.wantErr && !reflect.DeepEqual(v.O, tt.want)) {
			t.Errorf("%s: %#v, %v; want %#v (error %v)", tt.in, v.O, err, tt.want, tt.wantErr)
		}
	}
}
