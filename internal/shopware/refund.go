package shopware

import (
	"encoding/json"
	"fmt"

	"kassa/internal/money"
)

// PositionInput is one refund position as Shopware sends it
// (order_transaction_capture_refund_position): numbers stay JSON text.
type PositionInput struct {
	ID              string      `json:"id"`
	OrderLineItemID string      `json:"orderLineItemId"`
	Quantity        json.Number `json:"quantity"`
	Amount          struct {
		TotalPrice json.Number `json:"totalPrice"`
	} `json:"amount"`
}

// RefundPosition is a refunded line item as Kassa records it: how many
// units and how much, in minor units of the order's currency.
type RefundPosition struct {
	ID         string `json:"id"`
	LineItemID string `json:"line_item_id"`
	Quantity   int64  `json:"quantity"`
	Amount     int64  `json:"amount"`
}

// RefundPositions checks the positions of a refund of total minor units:
// each names its line item with a whole positive quantity and an exact,
// non-negative amount, and together they add up to the refund's amount
// (a refund whose positions say otherwise is refused, not guessed at).
// No positions is valid: Shopware sends none for a refund of an amount.
func RefundPositions(in []PositionInput, c money.Currency, total int64) ([]RefundPosition, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]RefundPosition, len(in))
	var sum int64
	for i, p := range in {
		if p.OrderLineItemID == "" {
			return nil, fmt.Errorf("refund position %d names no orderLineItemId", i+1)
		}
		qty, err := p.Quantity.Int64()
		if err != nil || qty < 1 {
			return nil, fmt.Errorf("refund position %d (line item %s) has quantity %q: it must be a whole number of at least 1", i+1, p.OrderLineItemID, p.Quantity)
		}
		amount, err := MinorUnits(p.Amount.TotalPrice, c)
		if err != nil {
			return nil, fmt.Errorf("refund position %d (line item %s): the amount %s %s cannot be refunded exactly", i+1, p.OrderLineItemID, p.Amount.TotalPrice, c.Upper())
		}
		sum += amount
		if sum < 0 {
			return nil, fmt.Errorf("the refund positions add up to more than Kassa can count")
		}
		out[i] = RefundPosition{ID: p.ID, LineItemID: p.OrderLineItemID, Quantity: qty, Amount: amount}
	}
	if sum != total {
		return nil, fmt.Errorf("the refund positions add up to %s %s, but the refund is for %s %s",
			money.Format(sum, c), c.Upper(), money.Format(total, c), c.Upper())
	}
	return out, nil
}
