package api

import (
	"context"
	"errors"
	"net/http"

	"kassa/internal/api/params"
	"kassa/internal/store"
)

// read finishes decoding a read-only request: the first decode error, then
// any parameter nobody read.
func (s *Server) read(r *request, d *decoder) error {
	if d.err != nil {
		return d.err
	}
	if unknown := r.Params.Unknown(); len(unknown) > 0 {
		return invalidRequest(http.StatusBadRequest, "parameter_unknown", unknown[0], "Received unknown parameter: "+unknown[0])
	}
	return nil
}

// list runs a list query; a pagination cursor that names no object of the
// account is Stripe's resource_missing on that parameter.
func (s *Server) list(w http.ResponseWriter, r *request, url string, fn func(context.Context, store.Reader) (any, error)) error {
	var body any
	err := s.Store.Read(r.Context(), func(rd store.Reader) error {
		var err error
		body, err = fn(r.Context(), rd)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		param := "starting_after"
		if r.Params.Has("ending_before") {
			param = "ending_before"
		}
		cursor, _, _ := r.Params.String(param)
		return invalidRequest(http.StatusNotFound, "resource_missing", param, "No such object: '"+cursor+"' (param "+params.Path(param)+")")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func listEnvelope(url string, data []map[string]any, hasMore bool) map[string]any {
	return map[string]any{"object": "list", "data": data, "has_more": hasMore, "url": url}
}

// retrieve loads one object for a GET.
func (s *Server) retrieve(w http.ResponseWriter, r *request, kind string, fn func(context.Context, store.Reader) (map[string]any, error)) error {
	if err := s.read(r, &decoder{p: r.Params}); err != nil {
		return err
	}
	var body map[string]any
	err := s.Store.Read(r.Context(), func(rd store.Reader) error {
		var err error
		body, err = fn(r.Context(), rd)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return invalidRequest(http.StatusNotFound, "resource_missing", "id", "No such "+kind+": '"+r.PathValue("id")+"'")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
