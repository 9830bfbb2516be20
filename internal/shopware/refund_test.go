package shopware

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func position(id, lineItem, qty, total string) PositionInput {
	p := PositionInput{ID: id, OrderLineItemID: lineItem, Quantity: json.Number(qty)}
	p.Amount.TotalPrice = json.Number(total)
	return p
}

func TestRefundPositions(t *testing.T) {
	tests := []struct {
		name  string
		in    []PositionInput
		total int64
		want  []RefundPosition
		says  string
	}{
		{"none", nil, 1000, nil, ""},
		{"add up", []PositionInput{position("p1", "li1", "2", "19.98"), position("p2", "li2", "1", "0.02")}, 2000,
			[]RefundPosition{{"p1", "li1", 2, 1998}, {"p2", "li2", 1, 2}}, ""},
		{"short of the amount", []PositionInput{position("p1", "li1", "1", "10")}, 1500, nil, "add up to 10.00 EUR, but the refund is for 15.00 EUR"},
		{"beyond the amount", []PositionInput{position("p1", "li1", "1", "10"), position("p2", "li2", "1", "10")}, 1500, nil, "add up to 20.00 EUR"},
		{"fraction of a cent", []PositionInput{position("p1", "li1", "1", "10.005")}, 1000, nil, "cannot be refunded exactly"},
		{"negative amount", []PositionInput{position("p1", "li1", "1", "-1")}, -100, nil, "cannot be refunded exactly"},
		{"no line item", []PositionInput{position("p1", "", "1", "10")}, 1000, nil, "names no orderLineItemId"},
		{"zero quantity", []PositionInput{position("p1", "li1", "0", "10")}, 1000, nil, "quantity"},
		{"fractional quantity", []PositionInput{position("p1", "li1", "1.5", "10")}, 1000, nil, "quantity"},
	}
	for _, tt := range tests {
		got, err := RefundPositions(tt.in, "eur", tt.total)
		if tt.says != "" {
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("%s: %v; want an error saying %q", tt.name, err, tt.says)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}
