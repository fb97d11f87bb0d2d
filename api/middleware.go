package api

import (
	"net/http"
	"strconv"
	"strings"
)

// instrument counts every answered request by route pattern and status code. The route is
// looked up in mux before anything else runs, so 401s and 503s are counted under the route the
// request aimed at ("unmatched" for unknown paths: the label set stays bounded).
func (s *Server) instrument(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		if pattern == "" {
			pattern = "unmatched"
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(rec, r)
		s.metrics.requests.WithLabelValues(pattern, strconv.Itoa(rec.code)).Inc()
		if rec.code >= 500 {
			s.metrics.errors.WithLabelValues("api").Inc()
		}
	})
}

// limit caps concurrent requests (503 beyond the cap, never queued) and request body size.
func (s *Server) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.sem <- struct{}{}:
		default:
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "too many requests at once; retry shortly")
			return
		}
		defer func() { <-s.sem }()
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// jsonErrors makes the router's own answers JSON like every other: ServeMux writes its 404,
// its 405 and its redirects (to a cleaned path or one with a trailing slash) as text or HTML,
// which a script parsing {"error": ...} cannot read. The status, Allow and Location headers are
// kept; only the body changes.
func jsonErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&jsonErrorWriter{ResponseWriter: w}, r)
	})
}

type jsonErrorWriter struct {
	http.ResponseWriter
	replaced bool // the router's body is being dropped for a JSON one
}

func (w *jsonErrorWriter) WriteHeader(code int) {
	h := w.Header()
	if strings.HasPrefix(h.Get("Content-Type"), "application/json") || !routerAnswer(code) {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.replaced = true
	var msg string
	switch {
	case code == http.StatusMethodNotAllowed:
		msg = "method not allowed: this path answers " + h.Get("Allow")
	case code == http.StatusNotFound:
		msg = "not found: no such route"
	default:
		msg = "moved: use " + h.Get("Location")
	}
	h.Del("Content-Length")
	writeError(w.ResponseWriter, code, msg)
}

func (w *jsonErrorWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *jsonErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// routerAnswer reports whether a status is one ServeMux answers by itself.
func routerAnswer(code int) bool {
	return code == http.StatusNotFound || code == http.StatusMethodNotAllowed || (code >= 300 && code < 400)
}
