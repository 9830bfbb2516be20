package store

import (
	"encoding/json"
	"fmt"

	"kassa/internal/checkout"
	"kassa/internal/payments"
)

// Object types as stored beside an event's snapshot.
const (
	ObjectPaymentIntent = "payment_intent"
	ObjectCharge        = "charge"
	ObjectPaymentMethod = "payment_method"
	ObjectSession       = "checkout.session"
	ObjectProduct       = "product"
	ObjectPrice         = "price"
	ObjectRefund        = "refund"
	ObjectDispute       = "dispute"
)

// EncodeObject serializes a domain object for storage. Every store uses it,
// so documents read the same whichever database wrote them.
func EncodeObject(obj any) (typ string, data []byte, err error) {
	switch obj.(type) {
	case *payments.PaymentIntent:
		typ = ObjectPaymentIntent
	case *payments.Charge:
		typ = ObjectCharge
	case *payments.PaymentMethod:
		typ = ObjectPaymentMethod
	case *checkout.Session:
		typ = ObjectSession
	case *checkout.Product:
		typ = ObjectProduct
	case *checkout.Price:
		typ = ObjectPrice
	case *payments.Refund:
		typ = ObjectRefund
	case *payments.Dispute:
		typ = ObjectDispute
	default:
		return "", nil, fmt.Errorf("store: cannot encode %T", obj)
	}
	data, err = json.Marshal(obj)
	return typ, data, err
}

// DecodeObject is EncodeObject's inverse.
func DecodeObject(typ string, data []byte) (any, error) {
	var obj any
	switch typ {
	case ObjectPaymentIntent:
		obj = &payments.PaymentIntent{}
	case ObjectCharge:
		obj = &payments.Charge{}
	case ObjectPaymentMethod:
		obj = &payments.PaymentMethod{}
	case ObjectSession:
		obj = &checkout.Session{}
	case ObjectProduct:
		obj = &checkout.Product{}
	case ObjectPrice:
		obj = &checkout.Price{}
	case ObjectRefund:
		obj = &payments.Refund{}
	case ObjectDispute:
		obj = &payments.Dispute{}
	default:
		return nil, fmt.Errorf("store: unknown object type %q", typ)
	}
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("store: decode %s: %w", typ, err)
	}
	return obj, nil
}

// Decode unmarshals a stored document into a new T.
func Decode[T any](data []byte) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("store: decode %T: %w", v, err)
	}
	return v, nil
}
