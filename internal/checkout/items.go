package checkout

import (
	"fmt"
	"math"

	"kassa/internal/money"
	"kassa/internal/payments"
)

// LineItem is one row of a session: a price, its product's name and a
// quantity. The price is kept as it was when the session was created.
type LineItem struct {
	ID             string         `json:"id"`
	Description    string         `json:"description"`
	Quantity       int64          `json:"quantity"`
	Currency       money.Currency `json:"currency"`
	AmountSubtotal int64          `json:"amount_subtotal"`
	AmountTotal    int64          `json:"amount_total"`
	Price          Price          `json:"price"`
	Product        Product        `json:"product"`
}

func (li LineItem) clone() LineItem {
	c := li
	c.Price.Metadata = cloneMap(li.Price.Metadata)
	c.Product.Metadata = cloneMap(li.Product.Metadata)
	return c
}

// MaxLineItems is Stripe's limit per session.
const MaxLineItems = 100

// mulAmount multiplies a unit amount by a quantity, or fails when the
// product does not fit in an int64: both are positive, so a/b checks it.
func mulAmount(unit, quantity int64) (int64, bool) {
	if unit < 0 || quantity < 0 || (quantity != 0 && unit > math.MaxInt64/quantity) {
		return 0, false
	}
	return unit * quantity, true
}

// addAmount adds two non-negative amounts, or fails on overflow.
func addAmount(a, b int64) (int64, bool) {
	if a < 0 || b < 0 || a > math.MaxInt64-b {
		return 0, false
	}
	return a + b, true
}

// Total computes each item's amounts and the sum, refusing any that would
// overflow: a total that wrapped around would be a wrong charge. params[i]
// locates item i in the request ("line_items[i]").
func Total(items []LineItem, params []string) (int64, error) {
	var total int64
	for i := range items {
		li := &items[i]
		amount, ok := mulAmount(li.Price.UnitAmount, li.Quantity)
		if !ok {
			return 0, tooLarge(params[i]+"[quantity]",
				fmt.Sprintf("The amount of line item %d (unit amount × quantity) is too large to represent.", i))
		}
		li.AmountSubtotal, li.AmountTotal = amount, amount
		if total, ok = addAmount(total, amount); !ok {
			return 0, tooLarge(params[i]+"[quantity]", "The total of the line items is too large to represent.")
		}
	}
	return total, nil
}

func tooLarge(param, message string) *payments.Error {
	return &payments.Error{Code: payments.CodeAmountTooLarge, Param: param, Message: message}
}
