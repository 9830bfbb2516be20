package api

import (
	"context"
	"net/http"

	"kassa/internal/ledger"
	"kassa/internal/store"
)

func (s *Server) retrieveBalance(w http.ResponseWriter, r *request) error {
	if err := s.read(r, &decoder{p: r.Params}); err != nil {
		return err
	}
	var balances []ledger.Balance
	err := s.Store.Read(r.Context(), func(rd store.Reader) error {
		var err error
		balances, err = rd.Balance(r.Context(), r.Account.ID, s.Clock.Now())
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderBalance(balances))
	return nil
}

func (s *Server) retrieveBalanceTransaction(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	expand := d.expansions("source")
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.retrieve(w, r, "balance_transaction", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		t, err := rd.BalanceTransaction(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return s.balanceTransactionView(ctx, rd, t, expand)
	})
}

func (s *Server) listBalanceTransactions(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	if t, ok := d.str("type"); ok {
		q.Types = []string{t}
	}
	q.Source, _ = d.str("source")
	if c := d.currency("currency"); c != nil {
		q.Currency = string(*c)
	}
	if d.p.Has("payout") {
		d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "payout",
			"Kassa has no payouts yet, so balance transactions cannot be filtered by payout."))
	}
	expand := d.expansions("data.source")
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/balance_transactions", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListBalanceTransactions(ctx, r.Account.ID, q)
		if err != nil {
			return nil, err
		}
		return renderListWith(ctx, rd, "/v1/balance_transactions", items, more, func(ctx context.Context, rd store.Reader, t *ledger.Transaction) (map[string]any, error) {
			return s.balanceTransactionView(ctx, rd, t, expand)
		})
	})
}
