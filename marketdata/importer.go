package marketdata

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// ImportOptions name the symbol and interval of files whose names do not (flags win over the
// file name when set).
type ImportOptions struct {
	Symbol   string
	Interval time.Duration
}

// ImportResult is what one file brought.
type ImportResult struct {
	File       string        `json:"file"`
	Symbol     string        `json:"symbol"`
	Interval   time.Duration `json:"-"`
	Rows       int           `json:"rows"`
	Added      int           `json:"added"`
	Duplicates int           `json:"duplicates"` // rows whose open time was already stored or repeated
	Gaps       []Gap         `json:"gaps"`       // missing candles inside the file
}

// Import reads one Binance kline archive file (a .csv, or a .zip of .csv files) into the
// store. A malformed row refuses the whole file (nothing of it is stored), with file:line.
func (s *Store) Import(ctx context.Context, path string, opts ImportOptions) (ImportResult, error) {
	res := ImportResult{File: path, Symbol: opts.Symbol, Interval: opts.Interval}
	if sym, iv, ok := NameInfo(path); ok {
		if res.Symbol == "" {
			res.Symbol = sym
		}
		if res.Interval == 0 {
			res.Interval = iv
		}
	}
	res.Symbol = strings.ToUpper(res.Symbol)
	if res.Symbol == "" || res.Interval == 0 {
		return res, fmt.Errorf("marketdata: %s: the name does not say the symbol and interval (like BTCUSDT-1m-2025-01.zip): give --symbol and --interval", path)
	}
	cs, err := readArchive(path, res.Interval)
	if err != nil {
		return res, err
	}
	res.Rows = len(cs)
	put, err := s.Put(ctx, res.Symbol, res.Interval, cs)
	if err != nil {
		return res, fmt.Errorf("marketdata: importing %s: %w", path, err)
	}
	res.Added, res.Duplicates = put.Added, put.Duplicates
	sorted := dedupe(cs)
	res.Gaps = Gaps(sorted, res.Interval)
	return res, nil
}

// readArchive parses a .csv file or every .csv inside a .zip.
func readArchive(path string, iv time.Duration) ([]exchange.Candle, error) {
	if strings.EqualFold(filepath.Ext(path), ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, fmt.Errorf("marketdata: opening %s: %w", path, err)
		}
		defer zr.Close()
		var out []exchange.Candle
		for _, f := range zr.File {
			if !strings.EqualFold(filepath.Ext(f.Name), ".csv") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("marketdata: reading %s in %s: %w", f.Name, path, err)
			}
			cs, err := ParseCSV(rc, path+"!"+f.Name, iv)
			rc.Close()
			if err != nil {
				return nil, err
			}
			out = append(out, cs...)
		}
		return out, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("marketdata: opening %s: %w", path, err)
	}
	defer f.Close()
	return ParseCSV(io.Reader(f), path, iv)
}

// dedupe sorts candles by open time and keeps the last of each open time.
func dedupe(cs []exchange.Candle) []exchange.Candle {
	out, _, _ := merge(nil, sortedCopy(cs))
	return out
}
