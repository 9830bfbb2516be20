package api

import (
	"strconv"

	"kassa/internal/checkout"
)

// renderSession is Stripe's checkout.session object, with line_items
// embedded as the source documents show them (Stripe embeds them only when
// expanded). url is only shown while the session is open.
func renderSession(cs *checkout.Session, expandProduct bool) map[string]any {
	items := make([]map[string]any, len(cs.LineItems))
	for i, li := range cs.LineItems {
		items[i] = renderLineItem(li, expandProduct)
	}
	var url any
	if cs.State == checkout.StateOpen {
		url = cs.URL
	}
	return map[string]any{
		"id":                         cs.ID,
		"object":                     "checkout.session",
		"adaptive_pricing":           nil,
		"after_expiration":           nil,
		"allow_promotion_codes":      nil,
		"amount_subtotal":            cs.AmountSubtotal,
		"amount_total":               cs.AmountTotal,
		"automatic_tax":              map[string]any{"enabled": false, "liability": nil, "status": nil},
		"billing_address_collection": orNil(cs.BillingAddressCollection),
		"cancel_url":                 orNil(cs.CancelURL),
		"client_reference_id":        orNil(cs.ClientReferenceID),
		"client_secret":              nil,
		"collected_information":      nil,
		"consent":                    nil,
		"consent_collection":         nil,
		"created":                    cs.Created.Unix(),
		"currency":                   string(cs.Currency),
		"currency_conversion":        nil,
		"custom_fields":              []any{},
		"custom_text":                map[string]any{"after_submit": nil, "shipping_address": nil, "submit": nil, "terms_of_service_acceptance": nil},
		"customer":                   nil,
		"customer_creation":          "if_required",
		"customer_details":           renderCustomerDetails(cs.CustomerDetails),
		"customer_email":             orNil(cs.CustomerEmail),
		"discounts":                  []any{},
		"expires_at":                 cs.ExpiresAt.Unix(),
		"invoice":                    nil,
		"invoice_creation":           nil,
		"line_items": map[string]any{"object": "list", "data": items, "has_more": false,
			"url": "/v1/checkout/sessions/" + cs.ID + "/line_items"},
		"livemode":                             false,
		"locale":                               orNil(cs.Locale),
		"metadata":                             metadata(cs.Metadata),
		"mode":                                 "payment",
		"payment_intent":                       orNil(cs.PaymentIntentID),
		"payment_link":                         nil,
		"payment_method_collection":            "if_required",
		"payment_method_configuration_details": nil,
		"payment_method_options":               methodOptions(cs.PaymentMethodTypes),
		"payment_method_types":                 cs.PaymentMethodTypes,
		"payment_status":                       cs.PaymentStatus(),
		"phone_number_collection":              map[string]any{"enabled": false},
		"recovered_from":                       nil,
		"saved_payment_method_options":         nil,
		"setup_intent":                         nil,
		"shipping_address_collection":          nil,
		"shipping_cost":                        nil,
		"shipping_options":                     []any{},
		"status":                               cs.Status(),
		"submit_type":                          nil,
		"subscription":                         nil,
		"success_url":                          cs.SuccessURL,
		"total_details":                        map[string]any{"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
		"ui_mode":                              "hosted",
		"url":                                  url,
		"wallet_options":                       nil,
	}
}

func renderCustomerDetails(d *checkout.CustomerDetails) any {
	if d == nil {
		return nil
	}
	var address any
	if d.Country != "" {
		address = map[string]any{"city": nil, "country": d.Country, "line1": nil, "line2": nil, "postal_code": nil, "state": nil}
	}
	return map[string]any{"address": address, "email": orNil(d.Email), "name": nil, "phone": nil,
		"tax_exempt": "none", "tax_ids": []any{}}
}

// renderLineItem is Stripe's item object; its price's product is an id,
// or the product as it was when the session was created.
func renderLineItem(li checkout.LineItem, expandProduct bool) map[string]any {
	price := renderPrice(&li.Price)
	if expandProduct {
		price["product"] = renderProduct(&li.Product)
	}
	return map[string]any{
		"id":              li.ID,
		"object":          "item",
		"amount_discount": 0,
		"amount_subtotal": li.AmountSubtotal,
		"amount_tax":      0,
		"amount_total":    li.AmountTotal,
		"currency":        string(li.Currency),
		"description":     li.Description,
		"price":           price,
		"quantity":        li.Quantity,
	}
}

func renderPrice(p *checkout.Price) map[string]any {
	return map[string]any{
		"id":                  p.ID,
		"object":              "price",
		"active":              p.Active,
		"billing_scheme":      "per_unit",
		"created":             p.Created.Unix(),
		"currency":            string(p.Currency),
		"custom_unit_amount":  nil,
		"livemode":            false,
		"lookup_key":          orNil(p.LookupKey),
		"metadata":            metadata(p.Metadata),
		"nickname":            orNil(p.Nickname),
		"product":             p.ProductID,
		"recurring":           nil,
		"tax_behavior":        "unspecified",
		"tiers_mode":          nil,
		"transform_quantity":  nil,
		"type":                "one_time",
		"unit_amount":         p.UnitAmount,
		"unit_amount_decimal": strconv.FormatInt(p.UnitAmount, 10),
	}
}

func renderProduct(p *checkout.Product) map[string]any {
	return map[string]any{
		"id":                   p.ID,
		"object":               "product",
		"active":               p.Active,
		"created":              p.Created.Unix(),
		"default_price":        nil,
		"description":          orNil(p.Description),
		"images":               []any{},
		"livemode":             false,
		"marketing_features":   []any{},
		"metadata":             metadata(p.Metadata),
		"name":                 p.Name,
		"package_dimensions":   nil,
		"shippable":            nil,
		"statement_descriptor": nil,
		"tax_code":             nil,
		"type":                 "service",
		"unit_label":           nil,
		"updated":              p.Updated.Unix(),
		"url":                  nil,
	}
}
